"""Labelled text: reading CSV/JSONL/XLSX, unknown vs empty cells, validation, encoding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_nlp.errors import InputFileError
from feedback_nlp.labels import (
    LABEL_COLUMNS,
    coerce_labelled,
    join_codes,
    multi_hot,
    parse_codes,
    read_labelled,
    validate_labelled,
    write_labelled,
)
from feedback_nlp.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.default()


def labelled_frame(rows: list[dict]) -> pd.DataFrame:
    """A labelled frame; label columns not given in a row are unknown (None)."""
    columns = ["text", *LABEL_COLUMNS]
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def records(frame: pd.DataFrame, columns: tuple[str, ...] = ("text", *LABEL_COLUMNS)) -> list[dict]:
    return frame[list(columns)].to_dict(orient="records")


# -- parse_codes --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("power", ["power"]),
        ("power,noise", ["power", "noise"]),
        ("power; noise", ["power", "noise"]),
        ("power|noise|leak", ["power", "noise", "leak"]),
        ("power，noise、leak；none", ["power", "noise", "leak", "none"]),
        ('["power", "noise"]', ["power", "noise"]),
        ("[]", []),
        (["power", " noise ", ""], ["power", "noise"]),
        (("power",), ["power"]),
        (np.array(["leak", "noise"], dtype=object), ["leak", "noise"]),
    ],
)
def test_parse_codes(cell: object, expected: list[str]) -> None:
    assert parse_codes(cell, empty_is_unknown=True) == expected


@pytest.mark.parametrize("cell", [None, float("nan"), pd.NA])
def test_parse_codes_missing_is_unknown(cell: object) -> None:
    assert parse_codes(cell, empty_is_unknown=False) is None


@pytest.mark.parametrize("cell", ["", "  ", " ; "])
def test_parse_codes_empty_string(cell: str) -> None:
    assert parse_codes(cell, empty_is_unknown=True) is None
    assert parse_codes(cell, empty_is_unknown=False) == []


# -- read_labelled: CSV --------------------------------------------------------------------
def test_read_csv_list_formats(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "text,fault_types,primary_fault,sentiment,aspects,source\n"
        "开不了机,power,,negative,,评价\n"
        '漏水还有异响,"leak,noise",noise,negative,response;cost,投诉\n'
        "屏幕花屏还掉电快,display|battery,,negative,attitude|logistics,投诉\n"
        '很满意,"[""none""]",,positive,"[""attitude""]",回访\n'
        "只知道情感,,,neutral,,评价\n",
        encoding="utf-8",
    )
    frame = read_labelled(path)
    assert records(frame) == [
        {"text": "开不了机", "fault_types": ["power"], "primary_fault": None, "sentiment": "negative", "aspects": []},
        {
            "text": "漏水还有异响",
            "fault_types": ["leak", "noise"],
            "primary_fault": "noise",
            "sentiment": "negative",
            "aspects": ["response", "cost"],
        },
        {
            "text": "屏幕花屏还掉电快",
            "fault_types": ["display", "battery"],
            "primary_fault": None,
            "sentiment": "negative",
            "aspects": ["attitude", "logistics"],
        },
        {
            "text": "很满意",
            "fault_types": ["none"],
            "primary_fault": None,
            "sentiment": "positive",
            "aspects": ["attitude"],
        },
        # An empty fault_types cell is unknown; an empty aspects cell is "no aspect".
        {"text": "只知道情感", "fault_types": None, "primary_fault": None, "sentiment": "neutral", "aspects": []},
    ]
    # Other columns pass through.
    assert frame["source"].tolist() == ["评价", "投诉", "投诉", "回访", "评价"]


def test_read_csv_without_aspects_column_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "sentiment_only.csv"
    path.write_text("text,sentiment\n好用,positive\n太差,negative\n", encoding="utf-8")
    frame = read_labelled(path)
    assert frame["aspects"].tolist() == [None, None]
    assert frame["fault_types"].tolist() == [None, None]
    assert frame["primary_fault"].tolist() == [None, None]
    assert frame["sentiment"].tolist() == ["positive", "negative"]


def test_read_csv_keeps_na_like_texts(tmp_path: Path) -> None:
    path = tmp_path / "na.csv"
    path.write_text("text,sentiment\nNA,neutral\nnull,neutral\n", encoding="utf-8")
    assert read_labelled(path)["text"].tolist() == ["NA", "null"]


def test_read_tsv(tmp_path: Path) -> None:
    path = tmp_path / "labels.tsv"
    path.write_text("text\tfault_types\taspects\n有异响, 很吵\tnoise,leak\t\n", encoding="utf-8")
    assert records(read_labelled(path), ("text", "fault_types", "aspects")) == [
        {"text": "有异响, 很吵", "fault_types": ["noise", "leak"], "aspects": []}
    ]


# -- read_labelled: JSON lines and XLSX -----------------------------------------------------
def test_read_jsonl_null_is_unknown_and_empty_list_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    rows = [
        {"text": "物流很快", "fault_types": ["none"], "sentiment": "positive", "aspects": ["logistics"]},
        {"text": "只有情感", "fault_types": None, "sentiment": "negative", "aspects": None},
        {"text": "没有服务维度", "fault_types": ["power"], "primary_fault": "power", "sentiment": None, "aspects": []},
        {"text": "空字符串", "fault_types": "noise;leak", "aspects": ""},
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    frame = read_labelled(path)
    assert frame["fault_types"].tolist() == [["none"], None, ["power"], ["noise", "leak"]]
    assert frame["aspects"].tolist() == [["logistics"], None, [], []]
    assert frame["sentiment"].tolist() == ["positive", "negative", None, None]
    assert frame["primary_fault"].tolist() == [None, None, "power", None]


def test_read_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "labels.xlsx"
    pd.DataFrame(
        {
            "text": ["漏水", "不制冷，等了三天", "只知道情感"],
            "fault_types": ["leak", "temperature|none", None],
            "primary_fault": [None, "temperature", None],
            "sentiment": ["negative", "negative", "positive"],
            "aspects": [None, "response", None],
        }
    ).to_excel(path, index=False)
    frame = read_labelled(path)
    assert records(frame) == [
        {"text": "漏水", "fault_types": ["leak"], "primary_fault": None, "sentiment": "negative", "aspects": []},
        {
            "text": "不制冷，等了三天",
            "fault_types": ["temperature", "none"],
            "primary_fault": "temperature",
            "sentiment": "negative",
            "aspects": ["response"],
        },
        {"text": "只知道情感", "fault_types": None, "primary_fault": None, "sentiment": "positive", "aspects": []},
    ]


def test_read_parquet(tmp_path: Path) -> None:
    path = tmp_path / "labels.parquet"
    pd.DataFrame({"text": ["a", "b"], "fault_types": [["power"], None], "aspects": [[], None]}).to_parquet(path)
    frame = read_labelled(path)
    assert frame["fault_types"].tolist() == [["power"], None]
    assert frame["aspects"].tolist() == [[], None]


# -- read_labelled: errors ------------------------------------------------------------------
def test_missing_text_column_names_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "no_text.csv"
    path.write_text("内容,sentiment\n好,positive\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"needs a 'text' column \(found: 内容, sentiment\)") as info:
        read_labelled(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_labelled(tmp_path / "missing.csv")


def test_unreadable_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "a"\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="broken.jsonl: cannot read"):
        read_labelled(path)


# -- coerce_labelled ------------------------------------------------------------------------
def test_coerce_adds_missing_label_columns_and_copies() -> None:
    frame = pd.DataFrame({"text": ["a"], "fault_types": ["power;noise"]})
    out = coerce_labelled(frame)
    assert out["fault_types"].tolist() == [["power", "noise"]]
    assert out["primary_fault"].tolist() == [None]
    assert out["sentiment"].tolist() == [None]
    assert out["aspects"].tolist() == [None]
    assert frame["fault_types"].tolist() == ["power;noise"]
    assert list(frame.columns) == ["text", "fault_types"]


# -- validate_labelled ----------------------------------------------------------------------
def test_validate_fills_primary_from_first_fault(taxonomy: Taxonomy) -> None:
    frame = labelled_frame(
        [
            {"text": "漏水还有异响", "fault_types": ["leak", "noise", "leak"], "sentiment": "negative", "aspects": []},
            {"text": "异响", "fault_types": ["leak", "noise"], "primary_fault": "noise"},
            {"text": "情感", "sentiment": "positive"},
        ]
    )
    before = frame.copy(deep=True)
    out = validate_labelled(frame, taxonomy)
    assert out["primary_fault"].tolist() == ["leak", "noise", None]
    # Duplicated codes are kept once, in their first position.
    assert out["fault_types"].tolist() == [["leak", "noise"], ["leak", "noise"], None]
    # The input frame is not changed.
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param({"fault_types": ["power", "wifi"]}, r"row 2, fault_types: unknown code\(s\) wifi", id="unknown"),
        pytest.param(
            {"fault_types": ["none", "noise"]},
            r"row 2, fault_types: 'none' is exclusive but listed with \['none', 'noise'\]",
            id="none-with-another",
        ),
        pytest.param(
            {"fault_types": ["leak"], "primary_fault": "noise"},
            r"row 2, primary_fault: 'noise' is not among fault_types \['leak'\]",
            id="primary-not-listed",
        ),
        pytest.param({"primary_fault": "wifi"}, r"row 2, primary_fault: unknown code 'wifi'", id="primary-unknown"),
        pytest.param(
            {"sentiment": "angry"},
            r"row 2, sentiment: unknown code 'angry' \(expected one of negative, neutral, positive\)",
            id="unknown-sentiment",
        ),
        pytest.param({"aspects": ["price"]}, r"row 2, aspects: unknown code\(s\) price", id="unknown-aspect"),
        pytest.param({"fault_types": []}, r"row 2, fault_types: empty list \(use none\)", id="empty-faults"),
        pytest.param({"text": "  "}, r"row 2, text: empty", id="empty-text"),
    ],
)
def test_validate_errors_name_row_and_field(taxonomy: Taxonomy, row: dict, message: str) -> None:
    frame = labelled_frame([{"text": "好", "fault_types": ["none"]}, {"text": "第二行", **row}])
    with pytest.raises(InputFileError, match=message) as info:
        validate_labelled(frame, taxonomy, source="labels.csv")
    assert str(info.value).startswith("labels.csv: labels do not match taxonomy default@1")
    assert "row 1" not in str(info.value)


def test_validate_lists_every_problem_up_to_twenty(taxonomy: Taxonomy) -> None:
    frame = labelled_frame([{"text": f"t{i}", "sentiment": "bad"} for i in range(50)])
    with pytest.raises(InputFileError) as info:
        validate_labelled(frame, taxonomy)
    lines = str(info.value).splitlines()[1:]
    assert len(lines) == 20
    assert lines[0].strip().startswith("row 1, sentiment")
    assert lines[-1].strip().startswith("row 20, sentiment")


def test_validate_against_a_taxonomy_without_none_code() -> None:
    taxonomy = Taxonomy.from_dict({"name": "f", "fault_types": ["engine", "brakes"]})
    out = validate_labelled(labelled_frame([{"text": "a", "fault_types": ["brakes", "engine"]}]), taxonomy)
    assert out["primary_fault"].tolist() == ["brakes"]
    with pytest.raises(InputFileError, match=r"empty list \(use a code\)"):
        validate_labelled(labelled_frame([{"text": "a", "fault_types": []}]), taxonomy)


# -- multi_hot and writing ------------------------------------------------------------------
def test_multi_hot() -> None:
    known, y = multi_hot([["b", "a"], None, [], ["c", "zzz"]], ["a", "b", "c"])
    assert known.tolist() == [True, False, True, True]
    assert y.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert y.dtype == np.int8


def test_multi_hot_empty() -> None:
    known, y = multi_hot([], ["a", "b"])
    assert known.shape == (0,)
    assert y.shape == (0, 2)


def test_join_codes() -> None:
    assert join_codes(["power", "noise"]) == "power;noise"
    assert join_codes([], sep="|") == ""
    assert join_codes(None) == ""


def test_write_then_read_keeps_unknown_apart_from_empty(tmp_path: Path) -> None:
    frame = labelled_frame(
        [
            {"text": "开不了机", "fault_types": ["power"], "primary_fault": "power", "aspects": []},
            {"text": "NA", "sentiment": "neutral"},
            {"text": "0012", "fault_types": ("none",), "sentiment": "positive", "aspects": np.array(["cost"])},
        ]
    ).assign(n_calls=np.array([1, 2, 3], dtype=np.int64))
    path = write_labelled(frame, tmp_path / "out" / "labels.jsonl")
    assert path == tmp_path / "out" / "labels.jsonl"
    again = read_labelled(path)
    assert records(again) == [
        {"text": "开不了机", "fault_types": ["power"], "primary_fault": "power", "sentiment": None, "aspects": []},
        {"text": "NA", "fault_types": None, "primary_fault": None, "sentiment": "neutral", "aspects": None},
        {"text": "0012", "fault_types": ["none"], "primary_fault": None, "sentiment": "positive", "aspects": ["cost"]},
    ]
    assert again["n_calls"].tolist() == [1, 2, 3]
    # Chinese stays readable in the file.
    assert "开不了机" in path.read_text(encoding="utf-8")
