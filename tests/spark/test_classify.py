"""`feedback-nlp spark classify` gives the local `classify` output, row for row; bad rows are reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feedback_nlp.classification import Classification, classify_file
from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.spark.classify import RESULT_COLUMNS, WorkerModel, classify_spark, ship_model
from feedback_nlp.text import Segmenter

N_TEXTS = 2000
BAD = {3: "", 10: "   ", 20: "🙂🙂", 1500: "x" * 6000}


def _plain(value: Any) -> Any:
    """A Parquet cell as JSON gives it: arrays as lists, maps (lists of pairs) as dicts, NaN as None."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


@pytest.fixture(scope="module")
def input_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = demo_corpus(N_TEXTS, seed=5)["text"].tolist()
    for i, text in BAD.items():
        texts[i] = text
    path = tmp_path_factory.mktemp("spark_in") / "in.csv"
    pd.DataFrame({"id": [f"F{i}" for i in range(N_TEXTS)], "text": texts, "shop": "S1"}).to_csv(path, index=False)
    return path


def test_spark_classify_gives_the_local_output(spark: Any, tiny_model: Path, input_csv: Path, tmp_path: Path) -> None:
    local_out = tmp_path / "local.jsonl"
    job = Classification.from_model(tiny_model, Segmenter())
    classify_file(job, input_csv, local_out, progress=False)
    local = [json.loads(line) for line in local_out.read_text(encoding="utf-8").splitlines()]

    model = WorkerModel.from_settings(tiny_model, get_settings(), shipped_name=ship_model(spark, tiny_model))
    report = classify_spark(
        spark,
        model,
        str(input_csv),
        str(tmp_path / "out.parquet"),
        partitions=2,
        rejects_path=str(tmp_path / "rejects.jsonl"),
    )
    out = pd.read_parquet(tmp_path / "out.parquet")  # part files in partition order: the input order

    assert list(out.columns) == ["id", "shop", *RESULT_COLUMNS]
    assert (report.rows, report.partitions, len(out)) == (N_TEXTS, 2, N_TEXTS)
    assert report.rows_per_s > 0 and report.model == "demo@v1"
    n_errors = 0
    for expected, row in zip(local, out.to_dict("records"), strict=True):
        got = {k: _plain(v) for k, v in row.items()}
        assert got["id"] == expected["id"] and got["shop"] == expected["shop"]
        assert got["model"] == expected["model"]
        if "error" in expected:
            n_errors += 1
            assert got["error"] == expected["error"] and got["fault_types"] is None
            continue
        assert got["error"] is None
        for key in ("fault_types", "primary_fault", "sentiment", "aspects", "tokens", "keywords"):
            assert got[key] == expected[key], (expected["id"], key)
        assert got["scores"].keys() == expected["scores"].keys()
        for head, scores in expected["scores"].items():
            assert got["scores"][head].keys() == scores.keys()
            assert np.allclose(list(got["scores"][head].values()), list(scores.values()), rtol=0, atol=1e-6)
    assert n_errors == report.rejected >= len(BAD)
    listed = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in listed] == [i for i, e in enumerate(local) if "error" in e]
    reasons = {r["row"]: r["reason"] for r in listed}
    assert reasons[3] == local[3]["error"] and reasons[10] == "text is empty"
    assert "6000 characters" in reasons[1500] and "no letters or digits" in reasons[20]


def test_a_bad_row_is_reported_not_fatal(
    spark: Any, tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"feedback_id": "A1", "text": "空调不制冷"},
        {"feedback_id": None, "text": "洗衣机漏水严重"},
        {"feedback_id": "A3", "text": ""},
        {"feedback_id": "A4", "text": "师傅很专业，好评"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "400")
    get_settings.cache_clear()
    result = CliRunner().invoke(
        app,
        [
            "spark",
            "classify",
            "--in",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--model",
            str(tiny_model),
            "--id-column",
            "feedback_id",
            "--shared-model",
        ],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "4 rows: 2 classified, 2 rejected" in result.output and "rows/s" in result.output
    assert "row 1: id is missing" in result.output and "row 2 (id A3): text is empty" in result.output
    out = pd.read_parquet(tmp_path / "out")
    assert [_plain(v) for v in out["feedback_id"].tolist()] == ["A1", None, "A3", "A4"]
    assert out["error"].isna().tolist() == [True, False, False, True]
    assert out.loc[0, "primary_fault"] is not None
    rejects = (tmp_path / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["reason"] for r in rejects] == ["id is missing", "text is empty"]


def test_a_missing_text_column_is_one_line(spark: Any, tiny_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": ["1"], "body": ["空调不制冷"]}).to_csv(path, index=False)
    result = CliRunner().invoke(
        app, ["spark", "classify", "--in", str(path), "--out", str(tmp_path / "o"), "--model", str(tiny_model)]
    )
    assert result.exit_code == 2
    assert "no 'text' text column (found: id, body)" in result.output and "Traceback" not in result.output
