"""One tabular reader: a file that ingests also classifies, trains and imports as labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.classification import iter_input
from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling.tabular import read_table
from feedback_nlp.labels import read_labelled
from feedback_nlp.tabular import check_encoding, detect_encoding, file_kind, iter_frames, read_frame
from feedback_nlp.taxonomy import Taxonomy

ROWS = [("空调不制冷，外机噪音很大", "temperature;noise", "temperature", "negative", "response"),
        ("师傅很专业，上门很快", "none", "none", "positive", "professionalism;response"),
        ("冰箱漏水", "leak", "leak", "negative", "")]  # fmt: skip
COLUMNS = ["text", "fault_types", "primary_fault", "sentiment", "aspects"]


def _csv(path: Path, encoding: str) -> Path:
    lines = [",".join(COLUMNS)] + [",".join(row) for row in ROWS]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                    ("gb18030", "gb18030")])  # fmt: skip
def test_every_reader_takes_the_encodings_ingest_takes(tmp_path: Path, encoding: str, detected: str) -> None:
    path = _csv(tmp_path / "labels.csv", encoding)
    assert detect_encoding(path) == detected
    assert read_frame(path)["text"].tolist() == [r[0] for r in ROWS]
    assert [t for chunk in iter_input(path, batch_size=2) for t in chunk["text"]] == [r[0] for r in ROWS]
    labelled = read_labelled(path)
    assert labelled["fault_types"].tolist() == [["temperature", "noise"], ["none"], ["leak"]]
    assert labelled["aspects"].tolist()[2] == []
    parsed = read_table(path, Taxonomy.default(), labeller="anna")
    assert len(parsed.records) == 3 and not parsed.errors


def test_excel_jsonl_and_parquet_read_alike(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    frame.to_json(tmp_path / "t.jsonl", orient="records", lines=True, force_ascii=False)
    frame.to_parquet(tmp_path / "t.parquet")
    for name in ("t.xlsx", "t.jsonl", "t.parquet"):
        texts = [t for chunk in iter_frames(tmp_path / name, batch_size=2) for t in chunk["text"]]
        assert texts == frame["text"].tolist(), name
        assert read_labelled(tmp_path / name)["sentiment"].tolist() == ["negative", "positive", "negative"]


def test_refusals_name_the_file_and_the_reason(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_frame(tmp_path / "missing.csv")
    with pytest.raises(InputFileError, match="unsupported file type"):
        file_kind(tmp_path / "notes.docx")
    big5 = tmp_path / "big5.csv"
    big5.write_bytes("text\n繁體中文的評論，螢幕壞了\n".encode("big5"))
    assert read_frame(big5, encoding="big5")["text"].tolist() == ["繁體中文的評論，螢幕壞了"]
    with pytest.raises(InputFileError, match="not a character set"):
        check_encoding(big5, "base64")
    with pytest.raises(InputFileError, match="byte-order mark"):
        read_frame(big5, encoding="utf-16")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        read_frame(empty)


def test_a_gzipped_csv_reads_as_utf8(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("text\n洗衣机不脱水\n")
    assert file_kind(path) == "csv" and read_frame(path)["text"].tolist() == ["洗衣机不脱水"]
