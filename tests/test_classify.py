"""Classification: record shape, bad texts inside a batch, and classify_file on CSV/JSONL/XLSX."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from feedback_nlp.classification import OUTPUT_KEYS, Classification, classify_file, iter_input
from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.errors import InputFileError
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter, normalise

TEXTS = ["空调不制冷，师傅上门态度还很差", "冰箱噪音特别大，晚上睡不着", "安装师傅很专业，服务满意，给个好评"]
SCORE_HEADS = {"fault_types", "sentiment", "aspects"}


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory, segmenter: Segmenter) -> Path:
    """A small baseline trained on generated text, saved the way the training script saves it."""
    corpus = demo_corpus(1500)
    model = TfidfClassifier(
        Taxonomy.default(), name="demo", version="v1", max_char_features=3000, max_word_features=3000,
        segmenter=segmenter,
    )  # fmt: skip
    model.fit(corpus["text"].tolist(), corpus)
    return model.save(tmp_path_factory.mktemp("models") / "demo" / "v1")


@pytest.fixture(scope="module")
def job(model_path: Path, segmenter: Segmenter) -> Classification:
    return Classification(load_classifier(model_path, segmenter=segmenter), segmenter, max_text_length=50)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- Classification.classify --------------------------------------------------------------
def test_records_have_the_documented_keys_and_types(job: Classification) -> None:
    taxonomy = job.classifier.taxonomy_
    records = job.classify(TEXTS)
    assert len(records) == len(TEXTS)
    for text, record in zip(TEXTS, records, strict=True):
        assert set(record) == set(OUTPUT_KEYS)
        assert isinstance(record["fault_types"], list) and record["fault_types"]
        assert set(record["fault_types"]) <= set(taxonomy.fault_types.codes)
        assert record["primary_fault"] in record["fault_types"]
        assert record["sentiment"] in taxonomy.sentiment.codes
        assert isinstance(record["aspects"], list) and set(record["aspects"]) <= set(taxonomy.aspects.codes)
        assert set(record["scores"]) == SCORE_HEADS
        for head in SCORE_HEADS:
            scores = record["scores"][head]
            assert list(scores) == taxonomy.head(head).codes
            assert all(isinstance(p, float) and 0.0 <= p <= 1.0 and round(p, 4) == p for p in scores.values())
        assert math.isclose(sum(record["scores"]["sentiment"].values()), 1.0, abs_tol=1e-3)
        assert all(isinstance(t, str) for t in record["tokens"])
        assert "".join(record["tokens"]) == "".join(normalise(text).split())
        assert isinstance(record["keywords"], list) and len(record["keywords"]) <= job.n_keywords
        assert set(record["keywords"]) <= set(record["tokens"])
        assert record["model"] == "demo@v1"
        json.dumps(record)  # plain JSON types only


def test_predictions_are_sensible(job: Classification) -> None:
    no_cooling, noise, praise = job.classify(TEXTS)
    assert no_cooling["sentiment"] == "negative" and noise["sentiment"] == "negative"
    assert praise["sentiment"] == "positive" and praise["fault_types"] == ["none"]
    assert "noise" in noise["fault_types"]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [("", "empty"), ("  \n\t ", "empty"), (None, "missing"), (float("nan"), "missing"), ("很" * 51, "limit"),
     (42, "string")],
)  # fmt: skip
def test_unclassifiable_text_gets_an_error_and_the_batch_goes_on(job: Classification, bad: Any, reason: str) -> None:
    records = job.classify([TEXTS[0], bad, TEXTS[1]])
    assert len(records) == 3
    assert set(records[1]) == {"error", "model"} and reason in records[1]["error"]
    assert records[1]["model"] == "demo@v1"
    assert [set(records[0]), set(records[2])] == [set(OUTPUT_KEYS)] * 2
    assert records[0] == job.classify([TEXTS[0]])[0] and records[2] == job.classify([TEXTS[1]])[0]


def test_text_at_the_length_limit_is_classified(job: Classification) -> None:
    (record,) = job.classify(["空调不制冷" * 10])
    assert "error" not in record and record["fault_types"]


def test_batch_of_only_bad_texts_and_empty_batch(job: Classification) -> None:
    records = job.classify(["", None])
    assert [set(r) for r in records] == [{"error", "model"}] * 2
    assert job.classify([]) == []


# -- classify_file ----------------------------------------------------------------------------
INPUT_TEXTS = ["空调不制冷", "", "洗衣机漏水严重", "   ", "热水器显示屏不亮，客服回复太慢", "师傅很专业，好评"]


def check_output(out: Path, counts: dict[str, int], ids: list[Any]) -> list[dict[str, Any]]:
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == ids
    assert counts == {"rows": len(ids), "classified": 4, "errors": 2}
    assert ["error" in line for line in lines] == [False, True, False, True, False, False]
    assert all("text" not in line for line in lines)
    assert not out.with_name(out.name + ".partial").exists()
    return lines


def test_classify_csv_with_bom_keeps_order_ids_and_other_columns(job: Classification, tmp_path: Path) -> None:
    ids = [f"{i:03d}" for i in range(len(INPUT_TEXTS))]
    frame = pd.DataFrame({"id": ids, "text": INPUT_TEXTS, "channel": ["app", "", "400", "app", "web", "app"]})
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    out = tmp_path / "out" / "pred.jsonl"
    counts = classify_file(job, path, out, batch_size=2, progress=False)
    lines = check_output(out, counts, ids)  # "007"-style ids stay strings, the BOM is not in the header
    assert [line["channel"] for line in lines] == ["app", None, "400", "app", "web", "app"]
    assert lines[0] == {"id": "000", "channel": "app", **job.classify([INPUT_TEXTS[0]])[0]}


def test_classify_tsv(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.tsv"
    pd.DataFrame({"id": ["a", "b"], "text": ["空调不制冷", "好评"]}).to_csv(path, sep="\t", index=False)
    counts = classify_file(job, path, tmp_path / "out.jsonl", progress=False)
    assert counts == {"rows": 2, "classified": 2, "errors": 0}
    assert [line["id"] for line in read_jsonl(tmp_path / "out.jsonl")] == ["a", "b"]


def test_classify_jsonl(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"id": i, "text": t if t != "   " else None} for i, t in enumerate(INPUT_TEXTS)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    counts = classify_file(job, path, out, batch_size=4, progress=False)
    lines = check_output(out, counts, list(range(len(INPUT_TEXTS))))
    assert lines[3]["error"] == "text is missing"


def test_classify_xlsx(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    pd.DataFrame({"id": range(len(INPUT_TEXTS)), "text": INPUT_TEXTS}).to_excel(path, index=False)
    out = tmp_path / "pred.jsonl"
    counts = classify_file(job, path, out, batch_size=4, progress=False)
    check_output(out, counts, list(range(len(INPUT_TEXTS))))


def test_output_keys_win_over_input_columns(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"text": ["空调不制冷"], "sentiment": ["positive"], "model": ["mine"]}).to_csv(path, index=False)
    classify_file(job, path, tmp_path / "out.jsonl", progress=False)
    (line,) = read_jsonl(tmp_path / "out.jsonl")
    assert line["model"] == "demo@v1" and line["sentiment"] == "negative"


def test_other_text_column(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"工单号": ["T1", "T2"], "内容": ["空调不制冷", ""]}).to_csv(path, index=False)
    counts = classify_file(job, path, tmp_path / "out.jsonl", text_column="内容", progress=False)
    assert counts == {"rows": 2, "classified": 1, "errors": 1}
    lines = read_jsonl(tmp_path / "out.jsonl")
    assert [line["工单号"] for line in lines] == ["T1", "T2"] and all("内容" not in line for line in lines)
    with pytest.raises(InputFileError, match="no 'text' column"):
        classify_file(job, path, tmp_path / "out2.jsonl", progress=False)


def test_file_without_text_column_is_refused(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": [1], "content": ["空调不制冷"]}).to_csv(path, index=False)
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputFileError, match=r"no 'text' column \(found: id, content\)"):
        classify_file(job, path, out, progress=False)
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()


@pytest.mark.parametrize("name", ["in.pdf", "in.docx", "in"])  # Parquet is read (tests/test_tabular.py)
def test_unsupported_extension_is_refused(job: Classification, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("text\n空调不制冷\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="unsupported file type"):
        classify_file(job, path, tmp_path / "out.jsonl", progress=False)
    with pytest.raises(InputFileError, match="unsupported file type"):
        next(iter_input(path))


def test_empty_csv_is_refused(job: Classification, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="the file is empty"):
        classify_file(job, path, tmp_path / "out.jsonl", progress=False)


def test_iter_input_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        next(iter_input(tmp_path / "nope.csv"))


def test_classify_file_missing_input_is_an_input_file_error(job: Classification, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        classify_file(job, tmp_path / "nope.csv", tmp_path / "out.jsonl", progress=False)


def test_worker_processes_give_the_same_lines_in_the_same_order(job: Classification, tmp_path: Path) -> None:
    ids = [f"{i:03d}" for i in range(len(INPUT_TEXTS))]
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": ids, "text": INPUT_TEXTS}).to_csv(path, index=False)
    serial, parallel = tmp_path / "serial.jsonl", tmp_path / "parallel.jsonl"
    classify_file(job, path, serial, batch_size=1, progress=False)
    counts = classify_file(job, path, parallel, batch_size=1, progress=False, workers=2)
    check_output(parallel, counts, ids)
    assert read_jsonl(parallel) == read_jsonl(serial)
