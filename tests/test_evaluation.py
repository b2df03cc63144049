"""Tests for feedback_nlp.evaluation: every expected number is worked out by hand below."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.errors import InputError
from feedback_nlp.evaluation import EvaluationReport, evaluate_predictions, merge_summaries
from feedback_nlp.taxonomy import Taxonomy

FULL_SUMMARY_KEYS = {
    "fault_micro_f1",
    "fault_macro_f1",
    "primary_accuracy",
    "sentiment_accuracy",
    "sentiment_macro_f1",
    "aspects_micro_f1",
    "aspects_macro_f1",
}


@pytest.fixture(scope="module")
def default_taxonomy() -> Taxonomy:
    return Taxonomy.default()


@pytest.fixture(scope="module")
def tiny_taxonomy() -> Taxonomy:
    """Three faults, three sentiments, two aspects: small enough that every label can occur."""
    return Taxonomy.from_dict(
        {
            "name": "tiny",
            "version": "2",
            "fault_types": {
                "none_code": "none",
                "labels": [
                    {"code": "power", "name_zh": "电源"},
                    {"code": "noise", "name_zh": "噪音"},
                    {"code": "none", "name_zh": "无故障"},
                ],
            },
            "sentiment": {"labels": [{"code": "neg", "name_zh": "负面"}, {"code": "neu"}, {"code": "pos"}]},
            "aspects": {"labels": [{"code": "response", "name_zh": "响应"}, {"code": "cost", "name_zh": "收费"}]},
        }
    )


def labelled(rows: list[dict]) -> pd.DataFrame:
    """A labelled frame; columns not given in a row are unknown (None)."""
    columns = ["text", "fault_types", "primary_fault", "sentiment", "aspects"]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def predictions(gold: pd.DataFrame, **columns: list) -> pd.DataFrame:
    """Predictions: gold's texts plus the given label columns."""
    return pd.DataFrame({"text": gold["text"].tolist(), **columns})


def test_perfect_predictions_score_one_everywhere(tiny_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {
                "text": "开不了机",
                "fault_types": ["power"],
                "primary_fault": "power",
                "sentiment": "neg",
                "aspects": ["response"],
            },
            {
                "text": "噪音大还断电",
                "fault_types": ["noise", "power"],
                "primary_fault": "noise",
                "sentiment": "neg",
                "aspects": ["cost", "response"],
            },
            {"text": "咨询延保", "fault_types": ["none"], "primary_fault": "none", "sentiment": "neu", "aspects": []},
            {"text": "很满意", "fault_types": ["none"], "primary_fault": "none", "sentiment": "pos", "aspects": []},
        ]
    )
    report = evaluate_predictions(gold, gold.copy(), tiny_taxonomy)

    assert report.n == 4
    assert report.taxonomy_label == "tiny@2"
    assert report.summary() == {key: 1.0 for key in FULL_SUMMARY_KEYS}
    for head in ("fault_types", "aspects"):
        block = report.metrics[head]
        for key in (
            "micro_precision",
            "micro_recall",
            "micro_f1",
            "macro_precision",
            "macro_recall",
            "macro_f1",
            "macro_f1_all_labels",
            "samples_f1",
            "exact_match",
        ):
            assert block[key] == 1.0, (head, key)
        for code, m in block["per_label"].items():
            assert (m["precision"], m["recall"], m["f1"]) == (1.0, 1.0, 1.0), (head, code)
    # Every sentiment occurs once or twice and is always right.
    assert all(m["f1"] == 1.0 for m in report.metrics["sentiment"]["per_label"].values())
    # Primary confusion is diagonal: power once, noise once, none twice.
    assert report.metrics["fault_types"]["primary_confusion"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 2]]


def test_fault_types_one_false_positive_and_one_false_negative(default_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {"text": "a", "fault_types": ["power"]},
            {"text": "b", "fault_types": ["noise", "leak"]},  # predicted misses leak: one FN
            {"text": "c", "fault_types": ["display"]},  # predicted adds safety: one FP
            {"text": "d", "fault_types": ["power"]},
        ]
    )
    predicted = predictions(gold, fault_types=[["power"], ["noise"], ["display", "safety"], ["power"]])
    faults = evaluate_predictions(gold, predicted, default_taxonomy).metrics["fault_types"]

    assert faults["n"] == 4
    per = faults["per_label"]
    # power: TP 2, support 2, predicted 2.
    assert per["power"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2, "predicted": 2}
    assert per["noise"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1, "predicted": 1}
    assert per["display"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1, "predicted": 1}
    # leak: TP 0, support 1, predicted 0 -> P = 0 (zero_division), R = 0/1, F1 = 0.
    assert per["leak"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    # safety: TP 0, support 0, predicted 1 -> P = 0/1, R = 0 (zero_division), F1 = 0.
    assert per["safety"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1}
    assert per["battery"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 0}
    # micro: TP = 2+1+1 = 4, predicted = 5, gold = 5 -> P = R = 4/5, F1 = 2*4/(5+5) = 0.8.
    assert (faults["micro_precision"], faults["micro_recall"], faults["micro_f1"]) == (0.8, 0.8, 0.8)
    # macro over labels with support (power, noise, display, leak): P = R = F1 = (1+1+1+0)/4 = 0.75;
    # safety's false positive counts in micro only.
    assert (faults["macro_precision"], faults["macro_recall"], faults["macro_f1"]) == (0.75, 0.75, 0.75)
    # all 13 default fault labels: F1 sum 3 -> 3/13 = 0.230769...
    assert faults["macro_f1_all_labels"] == 0.2308
    # per text F1: a 1, b 2*1/(2+1), c 2*1/(1+2), d 1 -> (2 + 4/3)/4 = 0.8333...
    assert faults["samples_f1"] == 0.8333
    # identical sets: a and d -> 2/4.
    assert faults["exact_match"] == 0.5


def test_primary_accuracy_and_confusion(default_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {"text": "a", "fault_types": ["power"], "primary_fault": "power"},
            {"text": "b", "fault_types": ["noise", "leak"], "primary_fault": "leak"},
            {"text": "c", "fault_types": ["display"], "primary_fault": "display"},
            {"text": "d", "fault_types": ["power"], "primary_fault": None},  # unknown primary: not scored
        ]
    )
    predicted = predictions(
        gold,
        fault_types=[["power"], ["noise", "leak"], ["display"], ["noise"]],
        primary_fault=["power", "noise", "display", "noise"],
    )
    report = evaluate_predictions(gold, predicted, default_taxonomy)
    faults = report.metrics["fault_types"]

    # scored rows a, b, c; right on a and c -> 2/3.
    assert faults["n_primary"] == 3
    assert faults["primary_accuracy"] == 0.6667
    assert report.summary()["primary_accuracy"] == 0.6667
    confusion = faults["primary_confusion"]
    assert confusion["labels"] == default_taxonomy.fault_types.codes
    idx = {code: j for j, code in enumerate(confusion["labels"])}
    matrix = confusion["matrix"]
    assert matrix[idx["power"]][idx["power"]] == 1
    assert matrix[idx["display"]][idx["display"]] == 1
    assert matrix[idx["leak"]][idx["noise"]] == 1  # row = gold leak, column = predicted noise
    assert sum(map(sum, matrix)) == 3


def test_unknown_gold_rows_are_excluded_per_head(default_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {
                "text": "a",
                "fault_types": ["power"],
                "primary_fault": "power",
                "sentiment": "negative",
                "aspects": ["response"],
            },
            {"text": "b", "fault_types": None, "primary_fault": None, "sentiment": "positive", "aspects": None},
            {"text": "c", "fault_types": ["noise"], "primary_fault": "noise", "sentiment": None, "aspects": ["cost"]},
        ]
    )
    # Every prediction on an unknown gold cell is wrong; none of them may count.
    predicted = predictions(
        gold,
        fault_types=[["power"], ["leak"], ["noise"]],
        primary_fault=["power", "leak", "noise"],
        sentiment=["negative", "positive", "positive"],
        aspects=[["response"], ["logistics"], ["cost"]],
    )
    report = evaluate_predictions(gold, predicted, default_taxonomy)

    assert report.n == 3
    assert report.metrics["fault_types"]["n"] == 2  # a, c
    assert report.metrics["fault_types"]["n_primary"] == 2  # a, c
    assert report.metrics["sentiment"]["n"] == 2  # a, b
    assert report.metrics["aspects"]["n"] == 2  # a, c
    assert report.summary() == {key: 1.0 for key in FULL_SUMMARY_KEYS}
    assert report.metrics["fault_types"]["per_label"]["leak"]["predicted"] == 0
    assert report.metrics["aspects"]["per_label"]["logistics"]["predicted"] == 0


def test_head_with_no_known_gold_is_skipped(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "sentiment": "neutral"}, {"text": "b", "sentiment": "negative"}])
    predicted = predictions(gold, sentiment=["neutral", "negative"])  # no fault or aspect predictions needed
    report = evaluate_predictions(gold, predicted, default_taxonomy)

    assert set(report.metrics) == {"sentiment"}
    assert report.skipped == {"fault_types": "no gold labels", "aspects": "no gold labels"}
    assert report.summary() == {"sentiment_accuracy": 1.0, "sentiment_macro_f1": 1.0}


def test_sentiment_accuracy_macro_f1_and_confusion(default_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {"text": "a", "sentiment": "negative"},
            {"text": "b", "sentiment": "negative"},
            {"text": "c", "sentiment": "neutral"},
            {"text": "d", "sentiment": "positive"},
            {"text": "e", "sentiment": "positive"},
        ]
    )
    predicted = predictions(gold, sentiment=["negative", "neutral", "neutral", "positive", "negative"])
    sentiment = evaluate_predictions(gold, predicted, default_taxonomy).metrics["sentiment"]

    # right on a, c, d -> 3/5.
    assert sentiment["accuracy"] == 0.6
    per = sentiment["per_label"]
    # negative: TP 1 (a), support 2 (a, b), predicted 2 (a, e) -> P 1/2, R 1/2, F1 2/(2+2).
    assert per["negative"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2}
    # neutral: TP 1 (c), support 1, predicted 2 (b, c) -> P 1/2, R 1, F1 2/(1+2).
    assert per["neutral"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1, "predicted": 2}
    # positive: TP 1 (d), support 2, predicted 1 -> P 1, R 1/2, F1 2/(2+1).
    assert per["positive"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2, "predicted": 1}
    # macro F1 = (1/2 + 2/3 + 2/3)/3 = 11/18 = 0.6111...
    assert sentiment["macro_f1"] == 0.6111
    # rows = gold, columns = predicted, in taxonomy order negative, neutral, positive:
    # gold negative -> negative (a), neutral (b); gold neutral -> neutral (c);
    # gold positive -> positive (d), negative (e).
    assert sentiment["confusion"] == {
        "labels": ["negative", "neutral", "positive"],
        "matrix": [[1, 1, 0], [0, 1, 0], [1, 0, 1]],
    }


def test_sentiment_macro_f1_averages_only_codes_that_occur(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "sentiment": "negative"}, {"text": "b", "sentiment": "neutral"}])
    predicted = predictions(gold, sentiment=["negative", "negative"])
    sentiment = evaluate_predictions(gold, predicted, default_taxonomy).metrics["sentiment"]

    # negative: TP 1, support 1, predicted 2 -> F1 2/(1+2); neutral: TP 0 -> F1 0;
    # positive occurs nowhere and is left out: (2/3 + 0)/2 = 0.3333...
    assert sentiment["macro_f1"] == 0.3333
    assert sentiment["accuracy"] == 0.5


def test_aspects_with_empty_lists(default_taxonomy: Taxonomy) -> None:
    gold = labelled(
        [
            {"text": "a", "aspects": []},
            {"text": "b", "aspects": ["response"]},
            {"text": "c", "aspects": []},
            {"text": "d", "aspects": ["cost", "attitude"]},
        ]
    )
    predicted = predictions(gold, aspects=[[], ["response"], ["logistics"], ["cost"]])
    aspects = evaluate_predictions(gold, predicted, default_taxonomy).metrics["aspects"]

    assert aspects["n"] == 4  # empty gold lists are known, so scored
    # identical sets: a (both empty), b -> 2/4.
    assert aspects["exact_match"] == 0.5
    # per text F1: a 1.0 (both empty), b 1, c 2*0/(0+1) = 0, d 2*1/(2+1) -> (2 + 2/3)/4 = 0.6667.
    assert aspects["samples_f1"] == 0.6667
    # micro: TP 2 (response, cost), predicted 3, gold 3 -> P = R = F1 = 2/3.
    assert (aspects["micro_precision"], aspects["micro_recall"], aspects["micro_f1"]) == (0.6667, 0.6667, 0.6667)
    per = aspects["per_label"]
    assert per["attitude"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert per["logistics"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1}
    # macro over response, attitude, cost (support > 0): F1 (1 + 0 + 1)/3.
    assert aspects["macro_f1"] == 0.6667
    # all 7 default aspects: F1 sum 2 -> 2/7 = 0.2857...
    assert aspects["macro_f1_all_labels"] == 0.2857


def test_aspects_all_empty_and_predicted_empty(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "aspects": []}, {"text": "b", "aspects": []}])
    # An empty string in a list column is the empty list.
    predicted = predictions(gold, aspects=[[], ""])
    aspects = evaluate_predictions(gold, predicted, default_taxonomy).metrics["aspects"]

    assert aspects["exact_match"] == 1.0
    assert aspects["samples_f1"] == 1.0
    # No positives anywhere: micro and macro are 0.0 by definition (zero_division=0, no supported label).
    assert aspects["micro_f1"] == 0.0
    assert aspects["macro_f1"] == 0.0


def test_fault_types_only_taxonomy_skips_other_heads() -> None:
    taxonomy = Taxonomy.from_dict(
        {"name": "cars", "fault_types": {"labels": [{"code": "engine", "name_zh": "发动机"}, {"code": "brake"}]}}
    )
    gold = labelled(
        [
            {
                "text": "a",
                "fault_types": ["engine"],
                "primary_fault": "engine",
                "sentiment": "negative",
                "aspects": ["cost"],
            },
            {"text": "b", "fault_types": ["brake"], "primary_fault": "brake", "sentiment": "positive", "aspects": []},
        ]
    )
    # Sentiment and aspects are not predicted at all: they are not needed.
    predicted = predictions(gold, fault_types=[["engine"], ["engine"]], primary_fault=["engine", "engine"])
    report = evaluate_predictions(gold, predicted, taxonomy)

    assert set(report.metrics) == {"fault_types"}
    assert report.skipped == {"sentiment": "not in taxonomy", "aspects": "not in taxonomy"}
    assert set(report.summary()) == {"fault_micro_f1", "fault_macro_f1", "primary_accuracy"}
    # micro: TP 1, predicted 2, gold 2 -> F1 2*1/(2+2) = 0.5; primary right on a only -> 1/2.
    assert report.summary()["fault_micro_f1"] == 0.5
    assert report.summary()["primary_accuracy"] == 0.5
    # engine: TP 1, support 1, predicted 2 -> F1 2/3; brake: F1 0 -> macro (2/3 + 0)/2 = 0.3333.
    assert report.summary()["fault_macro_f1"] == 0.3333
    text = report.format_text()
    assert "skipped (not in taxonomy)" in text
    assert "发动机" in text


def test_length_mismatch_raises(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "fault_types": ["power"]}, {"text": "b", "fault_types": ["noise"]}])
    predicted = pd.DataFrame({"fault_types": [["power"]]})
    with pytest.raises(InputError, match="gold has 2 rows but predicted has 1"):
        evaluate_predictions(gold, predicted, default_taxonomy)


def test_order_mismatch_raises(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "fault_types": ["power"]}, {"text": "b", "fault_types": ["noise"]}])
    predicted = pd.DataFrame({"text": ["b", "a"], "fault_types": [["noise"], ["power"]]})
    with pytest.raises(InputError, match="row 1: predicted text"):
        evaluate_predictions(gold, predicted, default_taxonomy)


def test_missing_prediction_raises(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "sentiment": "negative"}, {"text": "b", "sentiment": "neutral"}])
    with pytest.raises(InputError, match="row 2: predicted sentiment is missing"):
        evaluate_predictions(gold, predictions(gold, sentiment=["negative", None]), default_taxonomy)
    with pytest.raises(InputError, match="predicted has no 'sentiment' column"):
        evaluate_predictions(gold, predictions(gold), default_taxonomy)


def test_code_outside_taxonomy_raises(default_taxonomy: Taxonomy) -> None:
    gold = labelled([{"text": "a", "fault_types": ["power"]}])
    with pytest.raises(InputError, match="predicted fault_types has code\\(s\\) 'engine' not in the taxonomy"):
        evaluate_predictions(gold, predictions(gold, fault_types=[["engine"]]), default_taxonomy)


def test_list_cells_in_disk_form_are_parsed(default_taxonomy: Taxonomy) -> None:
    # Gold as read from CSV ("a;b" strings) and predictions as strings score like lists.
    gold = pd.DataFrame({"text": ["a"], "fault_types": ["noise;leak"]})
    predicted = pd.DataFrame({"fault_types": ["leak|noise"]})
    faults = evaluate_predictions(gold, predicted, default_taxonomy).metrics["fault_types"]
    assert faults["exact_match"] == 1.0
    assert faults["micro_f1"] == 1.0


def _mixed_report(taxonomy: Taxonomy) -> EvaluationReport:
    gold = labelled(
        [
            {
                "text": "开机就跳闸",
                "fault_types": ["power"],
                "primary_fault": "power",
                "sentiment": "negative",
                "aspects": ["response"],
            },
            {
                "text": "漏水还有异响",
                "fault_types": ["noise", "leak"],
                "primary_fault": "leak",
                "sentiment": "negative",
                "aspects": [],
            },
            {
                "text": "屏幕花屏",
                "fault_types": ["display"],
                "primary_fault": "display",
                "sentiment": "neutral",
                "aspects": ["cost"],
            },
            {
                "text": "又不开机了",
                "fault_types": ["power"],
                "primary_fault": "power",
                "sentiment": "positive",
                "aspects": [],
            },
        ]
    )
    predicted = predictions(
        gold,
        fault_types=[["power"], ["noise"], ["display", "safety"], ["power"]],
        primary_fault=["power", "noise", "display", "power"],
        sentiment=["negative", "neutral", "neutral", "positive"],
        aspects=[["response"], [], ["cost"], []],
    )
    return evaluate_predictions(gold, predicted, taxonomy)


def test_to_dict_round_trips_through_json(default_taxonomy: Taxonomy, tmp_path: Path) -> None:
    report = _mixed_report(default_taxonomy)
    data = report.to_dict()

    assert json.loads(json.dumps(data)) == data  # only plain JSON types inside
    assert data["taxonomy"] == "default@1"
    assert data["n"] == 4
    path = report.write_json(tmp_path / "out" / "metrics.json")
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded == data
    assert "电源/无法开机" in path.read_text(encoding="utf-8")  # Chinese kept readable
    assert EvaluationReport.from_dict(loaded) == report


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def test_format_text_shows_chinese_names_and_aligned_tables(default_taxonomy: Taxonomy) -> None:
    report = _mixed_report(default_taxonomy)
    text = report.format_text()

    # Same fault case as the FP/FN test: micro F1 4/5.
    assert report.summary()["fault_micro_f1"] == 0.8
    assert "0.8000" in text
    for name in ("电源/无法开机", "漏水/渗漏", "负面", "响应/时效"):
        assert name in text
    assert "primary accuracy 0.7500" in text  # right on 3 of 4
    # The primary confusion matrix lists only codes that occur (power, noise, leak, display).
    confusion = text.split("primary confusion")[1].split("情感 sentiment")[0]
    assert "电源/无法开机 power" in confusion and "屏幕/显示 display" in confusion
    assert "battery" not in confusion
    # The fault per-label table (header, rule, 13 rows) ends with a right-aligned column, so
    # every line has the same display width even though Chinese names differ in length.
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("标签"))
    table = lines[start : start + 2 + len(default_taxonomy.fault_types)]
    assert table[2].startswith("电源/无法开机") and table[-1].startswith("无明确故障")
    assert len({_display_width(line) for line in table}) == 1


def test_merge_summaries_compares_reports(default_taxonomy: Taxonomy) -> None:
    mixed = _mixed_report(default_taxonomy)
    gold = labelled([{"text": "a", "fault_types": ["power"], "primary_fault": "power"}])
    faults_only = evaluate_predictions(
        gold, predictions(gold, fault_types=[["power"]], primary_fault=["power"]), default_taxonomy
    )
    table = merge_summaries({"基线 baseline": mixed, "faults": faults_only})
    lines = table.splitlines()

    assert lines[0].split()[:2] == ["model", "fault_micro_f1"]
    assert "sentiment_accuracy" in lines[0]
    assert lines[2].startswith("基线 baseline") and "0.8000" in lines[2]
    assert lines[3].startswith("faults") and "-" in lines[3].split()  # no sentiment for this one
    assert len({_display_width(line) for line in (lines[2], lines[3])}) == 1
    assert merge_summaries({}) == ""
