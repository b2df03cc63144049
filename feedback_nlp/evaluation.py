"""Scoring predictions against gold labels: per-head metrics, a JSON report and text tables.

Pure metrics, no model code: :func:`evaluate_predictions` takes a gold labelled frame
(see :mod:`feedback_nlp.labels`) and a frame of predictions with the same label columns,
and returns an :class:`EvaluationReport`. Every head is scored only on the rows where
gold knows it (an unknown cell is ``None``), so a corpus that labels sentiment only is
still a valid test set for the sentiment head.

Definitions
-----------
Multi-label heads (``fault_types``, ``aspects``), over the ``n`` rows scored:

- per label: ``precision`` = TP / predicted positives, ``recall`` = TP / gold positives
  (``support``), ``f1`` = 2·TP / (support + predicted); each is 0.0 when its
  denominator is 0 (scikit-learn's ``zero_division=0``);
- ``micro_*``: the same formulas on TP, support and predicted summed over labels;
- ``macro_*``: the mean over the labels **with gold support > 0** (a label nobody
  labelled says nothing about recall; its false positives still count in micro);
  0.0 when no label has support;
- ``macro_f1_all_labels``: the mean F1 over every label of the taxonomy, zeros included;
- ``samples_f1``: per text 2·|gold ∩ predicted| / (|gold| + |predicted|), averaged; a
  text whose gold and predicted lists are both empty scores 1.0;
- ``exact_match``: the fraction of texts whose gold and predicted label *sets* are equal
  (both empty counts as equal).

``fault_types`` also scores ``primary_fault`` on the rows where gold ``primary_fault``
is known (run :func:`~feedback_nlp.labels.validate_labelled` first to fill it from the
first listed fault): ``primary_accuracy``, ``n_primary`` and ``primary_confusion``.

Sentiment (one label per text): ``accuracy``; per label P/R/F1/support/predicted;
``macro_f1`` over the taxonomy's sentiment codes that occur in gold or predictions; and
``confusion``.

Every confusion matrix is ``{"labels": [...], "matrix": [[...]]}`` over all codes of the
head in taxonomy order, rows = gold, columns = predicted. Floats are rounded to 4 places.

One module (~450 lines): every metric of the report, so that the figures in
``docs/benchmarks.md`` have one definition each.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_nlp.errors import InputError
from feedback_nlp.labels import coerce_labelled, multi_hot, parse_codes
from feedback_nlp.taxonomy import HEADS, MULTI_LABEL_HEADS, Taxonomy

#: The flat keys of :meth:`EvaluationReport.summary`, in display order.
SUMMARY_KEYS: tuple[str, ...] = (
    "fault_micro_f1",
    "fault_macro_f1",
    "primary_accuracy",
    "sentiment_accuracy",
    "sentiment_macro_f1",
    "aspects_micro_f1",
    "aspects_macro_f1",
)

_HEAD_TITLES = {"fault_types": "故障类型 fault_types", "sentiment": "情感 sentiment", "aspects": "服务维度 aspects"}
_DECIMALS = 4


@dataclass
class EvaluationReport:
    """The metrics of one evaluation (see the module docstring for the definitions).

    ``metrics`` maps each scored head to its metrics (JSON-serialisable: plain floats,
    ints, strings, lists and dicts); ``skipped`` maps each head that was not scored to
    the reason; ``label_names`` maps head → code → Chinese name, for the text tables.
    """

    metrics: dict[str, Any]
    taxonomy_label: str
    n: int
    skipped: dict[str, str] = field(default_factory=dict)
    label_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "taxonomy": self.taxonomy_label,
            "n": self.n,
            "metrics": self.metrics,
            "skipped": self.skipped,
            "label_names": self.label_names,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationReport:
        """Rebuild a report from :meth:`to_dict` output (e.g. a saved ``metrics.json``)."""
        return cls(
            metrics=dict(data["metrics"]),
            taxonomy_label=str(data["taxonomy"]),
            n=int(data["n"]),
            skipped=dict(data.get("skipped") or {}),
            label_names={head: dict(names) for head, names in (data.get("label_names") or {}).items()},
        )

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as UTF-8 JSON (Chinese kept readable); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    def summary(self) -> dict[str, float]:
        """The headline numbers, flat; a key is present only when its head was scored."""
        out: dict[str, float] = {}
        faults = self.metrics.get("fault_types", {})
        if "micro_f1" in faults:
            out["fault_micro_f1"] = faults["micro_f1"]
            out["fault_macro_f1"] = faults["macro_f1"]
        if "primary_accuracy" in faults:
            out["primary_accuracy"] = faults["primary_accuracy"]
        sentiment = self.metrics.get("sentiment", {})
        if "accuracy" in sentiment:
            out["sentiment_accuracy"] = sentiment["accuracy"]
            out["sentiment_macro_f1"] = sentiment["macro_f1"]
        aspects = self.metrics.get("aspects", {})
        if "micro_f1" in aspects:
            out["aspects_micro_f1"] = aspects["micro_f1"]
            out["aspects_macro_f1"] = aspects["macro_f1"]
        return out

    def format_text(self) -> str:
        """Plain-text tables for a terminal or a log (columns aligned for CJK text)."""
        lines = [f"评估 evaluation · taxonomy {self.taxonomy_label} · n={self.n}"]
        for head in HEADS:
            block = self.metrics.get(head)
            if block is None:
                if head in self.skipped:
                    lines += ["", f"{_HEAD_TITLES[head]}: skipped ({self.skipped[head]})"]
                continue
            names = self.label_names.get(head, {})
            lines += ["", _HEAD_TITLES[head]]
            if head in MULTI_LABEL_HEADS and "per_label" in block:
                lines += _multi_label_lines(block, names)
            if head == "fault_types" and "primary_accuracy" in block:
                lines.append(
                    f"主故障准确率 primary accuracy {_fmt(block['primary_accuracy'])} (n={block['n_primary']})"
                )
                lines.append("主故障混淆矩阵 primary confusion (rows = gold, columns = predicted; labels that occur)")
                lines += _confusion_lines(block["primary_confusion"], names, only_occurring=True)
            if head == "sentiment":
                lines += _sentiment_lines(block, names)
        return "\n".join(lines) + "\n"


def evaluate_predictions(gold: pd.DataFrame, predicted: pd.DataFrame, taxonomy: Taxonomy) -> EvaluationReport:
    """Score ``predicted`` against ``gold``, head by head.

    Parameters:
        gold: a labelled frame (``text`` and the label columns of
            :mod:`feedback_nlp.labels`). It is run through
            :func:`~feedback_nlp.labels.coerce_labelled`; a missing cell (``None``/NaN)
            is unknown for every head, ``aspects`` included (``[]`` is "no aspect").
        predicted: the same label columns, fully known on every row that is scored, in the
            same order as ``gold``. List cells may be lists, tuples, arrays or ``a;b``
            strings. When it has a ``text`` column, it must equal gold's row by row.
        taxonomy: the label set; a head it does not have is skipped.

    Returns:
        An :class:`EvaluationReport` (definitions in the module docstring).

    Raises:
        InputError: the frames differ in length or order, ``gold`` has no ``text``
            column, a prediction needed for scoring is missing, or a code is not in the
            taxonomy.
    """
    if len(gold) != len(predicted):
        raise InputError(
            f"gold has {len(gold)} rows but predicted has {len(predicted)}; "
            "pass one prediction per gold row, in the same order"
        )
    if "text" not in gold.columns:
        raise InputError(f"gold has no 'text' column (found: {', '.join(map(str, gold.columns))})")
    # coerce_labelled applies the file rule "an empty aspects cell is the empty list"; in a
    # frame, a missing cell means unknown for every head, so remember those cells first.
    aspects_missing = [_is_missing(v) for v in gold["aspects"].tolist()] if "aspects" in gold.columns else None
    gold = coerce_labelled(gold)
    if aspects_missing is not None:
        gold["aspects"] = pd.Series(
            [None if missing else v for v, missing in zip(gold["aspects"], aspects_missing, strict=True)],
            index=gold.index,
            dtype=object,
        )
    if "text" in predicted.columns:
        for i, (g, p) in enumerate(zip(gold["text"].tolist(), predicted["text"].tolist(), strict=True), start=1):
            if str(g) != str(p):
                raise InputError(
                    f"row {i}: predicted text {str(p)[:30]!r} differs from gold text {str(g)[:30]!r}; "
                    "predictions must be in the same order as gold"
                )

    metrics: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for head in HEADS:
        codes = taxonomy.head(head).codes
        if not codes:
            skipped[head] = "not in taxonomy"
            continue
        if head in MULTI_LABEL_HEADS:
            block = _score_multi_label(gold[head].tolist(), predicted, head, codes)
        else:
            block = _score_single_label(gold[head].tolist(), predicted, head, codes)
        if head == "fault_types":
            primary = _score_single_label(gold["primary_fault"].tolist(), predicted, "primary_fault", codes)
            if primary:
                block["n_primary"] = primary["n"]
                block["primary_accuracy"] = primary["accuracy"]
                block["primary_confusion"] = primary["confusion"]
        if block:
            metrics[head] = block
        else:
            skipped[head] = "no gold labels"
    label_names = {head: taxonomy.head(head).names_zh for head in HEADS if len(taxonomy.head(head))}
    return EvaluationReport(
        metrics=metrics, taxonomy_label=taxonomy.label, n=len(gold), skipped=skipped, label_names=label_names
    )


def merge_summaries(named: Mapping[str, EvaluationReport]) -> str:
    """A comparison table of several reports: one row per name, one column per summary key.

    Columns are the :data:`SUMMARY_KEYS` present in at least one report; a report that
    lacks a key shows ``-``. Returns ``""`` when ``named`` is empty.
    """
    if not named:
        return ""
    summaries = {name: report.summary() for name, report in named.items()}
    keys = [key for key in SUMMARY_KEYS if any(key in s for s in summaries.values())]
    rows = [[name, *(_fmt(s[key]) if key in s else "-" for key in keys)] for name, s in summaries.items()]
    return "\n".join(_table(["model", *keys], rows, align="l" + "r" * len(keys))) + "\n"


# --- scoring ---------------------------------------------------------------------------


def _score_multi_label(
    gold_values: Sequence[list[str] | None], predicted: pd.DataFrame, head: str, codes: list[str]
) -> dict[str, Any]:
    rows = [i for i, value in enumerate(gold_values) if value is not None]
    if not rows:
        return {}
    pred_values = _predicted_column(predicted, head, rows)
    gold_sets = [list(value) for value in gold_values if value is not None]  # the rows, in order
    pred_sets = [parse_codes(pred_values[i], empty_is_unknown=False) or [] for i in rows]
    _check_codes(gold_sets, codes, head, "gold", rows)
    _check_codes(pred_sets, codes, head, "predicted", rows)
    _, y_true = multi_hot(gold_sets, codes)
    _, y_pred = multi_hot(pred_sets, codes)
    y_true, y_pred = y_true.astype(bool), y_pred.astype(bool)

    tp = (y_true & y_pred).sum(axis=0)
    support = y_true.sum(axis=0)
    n_predicted = y_pred.sum(axis=0)
    precision, recall, f1 = _prf(tp, support, n_predicted)
    micro_p, micro_r, micro_f1 = _prf(tp.sum(), support.sum(), n_predicted.sum())
    has_support = support > 0

    set_sizes = y_true.sum(axis=1) + y_pred.sum(axis=1)
    overlap = (y_true & y_pred).sum(axis=1)
    # Both lists empty is a perfect answer (an aspect-free text), not an undefined one.
    samples = np.where(set_sizes == 0, 1.0, 2 * overlap / np.maximum(set_sizes, 1))
    exact = (y_true == y_pred).all(axis=1)

    return {
        "n": len(rows),
        "micro_precision": _round(micro_p),
        "micro_recall": _round(micro_r),
        "micro_f1": _round(micro_f1),
        "macro_precision": _round(_mean(precision[has_support])),
        "macro_recall": _round(_mean(recall[has_support])),
        "macro_f1": _round(_mean(f1[has_support])),
        "macro_f1_all_labels": _round(_mean(f1)),
        "samples_f1": _round(_mean(samples)),
        "exact_match": _round(_mean(exact)),
        "per_label": _per_label(codes, precision, recall, f1, support, n_predicted),
    }


def _score_single_label(
    gold_values: Sequence[str | None], predicted: pd.DataFrame, column: str, codes: list[str]
) -> dict[str, Any]:
    rows = [i for i, value in enumerate(gold_values) if value is not None]
    if not rows:
        return {}
    pred_values = _predicted_column(predicted, column, rows, single=True)
    gold_codes = [str(gold_values[i]) for i in rows]
    pred_codes = [str(pred_values[i]).strip() for i in rows]
    _check_codes([[c] for c in gold_codes], codes, column, "gold", rows)
    _check_codes([[c] for c in pred_codes], codes, column, "predicted", rows)

    index = {code: j for j, code in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)), dtype=np.int64)
    for g, p in zip(gold_codes, pred_codes, strict=True):
        matrix[index[g], index[p]] += 1
    tp = np.diag(matrix)
    support = matrix.sum(axis=1)
    n_predicted = matrix.sum(axis=0)
    precision, recall, f1 = _prf(tp, support, n_predicted)
    occurs = (support + n_predicted) > 0
    return {
        "n": len(rows),
        "accuracy": _round(tp.sum() / len(rows)),
        "macro_f1": _round(_mean(f1[occurs])),
        "per_label": _per_label(codes, precision, recall, f1, support, n_predicted),
        "confusion": {"labels": list(codes), "matrix": matrix.tolist()},
    }


def _per_label(
    codes: Sequence[str], precision: Any, recall: Any, f1: Any, support: Any, n_predicted: Any
) -> dict[str, dict[str, Any]]:
    return {
        code: {
            "precision": _round(precision[j]),
            "recall": _round(recall[j]),
            "f1": _round(f1[j]),
            "support": int(support[j]),
            "predicted": int(n_predicted[j]),
        }
        for j, code in enumerate(codes)
    }


def _predicted_column(predicted: pd.DataFrame, column: str, rows: list[int], *, single: bool = False) -> list[Any]:
    """The predicted cells of ``column``; every one of ``rows`` must be known.

    An empty list cell is a valid prediction (no label); an empty single-label cell is not.
    """
    if column not in predicted.columns:
        raise InputError(
            f"predicted has no {column!r} column but gold labels it on {len(rows)} row(s); "
            "predict every head the taxonomy has"
        )
    values: list[Any] = predicted[column].astype(object).tolist()
    for i in rows:
        if _is_missing(values[i]) or (single and not str(values[i]).strip()):
            raise InputError(f"row {i + 1}: predicted {column} is missing; predictions must be fully known")
    return values


def _check_codes(values: Sequence[Sequence[str]], codes: list[str], column: str, side: str, rows: list[int]) -> None:
    known = set(codes)
    for i, labels in zip(rows, values, strict=True):
        unknown = [c for c in labels if c not in known]
        if unknown:
            raise InputError(
                f"row {i + 1}: {side} {column} has code(s) {', '.join(map(repr, unknown))} not in the taxonomy "
                f"(expected: {', '.join(codes)}); evaluate with the taxonomy the labels and the model use"
            )


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def _prf(tp: Any, support: Any, n_predicted: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from counts; 0.0 where a denominator is 0."""
    tp, support, n_predicted = (np.asarray(x, dtype=float) for x in (tp, support, n_predicted))
    precision = np.divide(tp, n_predicted, out=np.zeros_like(tp), where=n_predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    # 2TP / (support + predicted) equals 2PR / (P + R) and is 0 when TP is 0.
    f1 = np.divide(2 * tp, support + n_predicted, out=np.zeros_like(tp), where=(support + n_predicted) > 0)
    return precision, recall, f1


def _mean(values: Any) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else 0.0


def _round(value: Any) -> float:
    return round(float(value), _DECIMALS)


# --- text tables -----------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.{_DECIMALS}f}"


def _width(text: str) -> int:
    """Display width in a terminal: wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    fill = " " * max(width - _width(text), 0)
    return fill + text if align == "r" else text + fill


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, align: str) -> list[str]:
    """Rows of a plain table; ``align`` has one ``l`` or ``r`` per column."""
    widths = [max(_width(str(row[j])) for row in [header, *rows]) for j in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(str(c), w, a) for c, w, a in zip(cells, widths, align, strict=True)).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def _per_label_table(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    rows = [
        [names.get(code, code), code, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]), m["support"],
         m["predicted"]]
        for code, m in block["per_label"].items()
    ]  # fmt: skip
    return _table(["标签", "code", "P", "R", "F1", "support", "predicted"], rows, align="llrrrrr")


def _multi_label_lines(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    lines = _per_label_table(block, names)
    lines.append(
        f"n={block['n']}  micro P/R/F1 {_fmt(block['micro_precision'])}/{_fmt(block['micro_recall'])}/"
        f"{_fmt(block['micro_f1'])}  macro P/R/F1 {_fmt(block['macro_precision'])}/{_fmt(block['macro_recall'])}/"
        f"{_fmt(block['macro_f1'])} (labels with support)"
    )
    lines.append(
        f"macro F1 all labels {_fmt(block['macro_f1_all_labels'])}  samples F1 {_fmt(block['samples_f1'])}  "
        f"exact match {_fmt(block['exact_match'])}"
    )
    return lines


def _sentiment_lines(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    lines = _per_label_table(block, names)
    lines.append(f"n={block['n']}  accuracy {_fmt(block['accuracy'])}  macro F1 {_fmt(block['macro_f1'])}")
    lines.append("混淆矩阵 confusion (rows = gold, columns = predicted)")
    lines += _confusion_lines(block["confusion"], names, only_occurring=False)
    return lines


def _confusion_lines(confusion: Mapping[str, Any], names: Mapping[str, str], *, only_occurring: bool) -> list[str]:
    labels = list(confusion["labels"])
    matrix = np.asarray(confusion["matrix"], dtype=np.int64).reshape(len(labels), len(labels))
    keep = list(range(len(labels)))
    if only_occurring:
        keep = [j for j in keep if matrix[j, :].sum() + matrix[:, j].sum() > 0]
    header = ["gold \\ pred", *(labels[j] for j in keep)]
    rows = [[f"{names.get(labels[i], labels[i])} {labels[i]}", *(str(matrix[i, j]) for j in keep)] for i in keep]
    return _table(header, rows, align="l" + "r" * len(keep))
