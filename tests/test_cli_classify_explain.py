"""`feedback-nlp classify --explain`: spans in the JSON lines (file and --text), top words in the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from feedback_nlp.classifiers.explain import predicted_label_keys
from feedback_nlp.cli import app

# The small trained model and the model folder of the classify CLI tests, reused.
from tests.test_cli_classify import model_dir, trained  # noqa: F401

runner = CliRunner()
TEXTS = ["空調不製冷，外機噪音很大", "", "洗衣機漏水嚴重　　ＫＦＲ－３５ＧＷ", "师傅很专业，好评"]


def classify(*args: str) -> Any:
    return runner.invoke(app, ["classify", "--no-progress", *args])


def check_spans(text: str, record: dict[str, Any], top_k: int) -> None:
    assert record["explanation_method"] == "linear"
    assert list(record["explanations"]) == predicted_label_keys(record)
    for spans in record["explanations"].values():
        assert 0 < len(spans) <= top_k
        for span in spans:
            assert text[span["start"] : span["end"]] == span["text"] and isinstance(span["weight"], float)


def test_file_output_carries_spans_of_the_input_texts(model_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": [f"F{i}" for i in range(len(TEXTS))], "text": TEXTS}).to_csv(source, index=False)
    out = tmp_path / "out.jsonl"
    result = classify("--in", str(source), "--out", str(out), "--explain", "--top-k", "2")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [f"F{i}" for i in range(len(TEXTS))]
    assert "error" in lines[1] and "explanations" not in lines[1]
    for text, line in zip(TEXTS, lines, strict=True):
        if "error" not in line:
            check_spans(text, line, 2)
    assert classify("--in", str(source), "--out", str(out)).exit_code == 0  # without --explain: no explanations
    assert not any("explanations" in json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())


def test_text_json_output(model_dir: Path) -> None:  # noqa: F811
    result = classify("--text", TEXTS[0], "--text", TEXTS[2], "--explain", "--format", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == [TEXTS[0], TEXTS[2]]
    for record in records:
        check_spans(record["text"], record, 5)
    assert any(s["text"] == "不製冷" for s in records[0]["explanations"]["fault:temperature"])


def test_text_table_shows_the_top_words_of_each_label(model_dir: Path) -> None:  # noqa: F811
    result = classify("--text", TEXTS[0], "--explain", "--top-k", "3")
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in classify("--text", TEXTS[0], "--explain", "--top-k", "3",
                                                      "--format", "json").stdout.splitlines()]  # fmt: skip
    for key, spans in record["explanations"].items():
        row = next(line for line in result.stdout.splitlines() if key in line)
        assert spans[0]["text"] in row and f"{spans[0]['weight']:+.3f}" in row
    assert "logit" in result.stdout  # what the weights mean
    plain = classify("--text", TEXTS[0])
    assert plain.exit_code == 0 and "fault:temperature" in plain.stdout and "logit" not in plain.stdout


def test_bad_option_combinations_are_one_line_errors(model_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    for args, message in (
        ((), "give --in FILE --out FILE, or one or more --text TEXT"),
        (("--in", str(tmp_path / "x.csv"), "--text", "好"), "give --in FILE --out FILE"),
        (("--in", str(tmp_path / "x.csv")), "--in needs --out"),
        (("--text", "好", "--format", "xml"), "--format 'xml'"),
    ):
        result = classify(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output
    assert classify("--text", "好", "--explain", "--top-k", "0").exit_code == 2  # typer checks the range
