"""Label import: Label Studio exports and CSV files → validated rows in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling import import_labels, read_labels, text_key
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy

DATA = Path(__file__).parent / "data"
TAXONOMY = Taxonomy.default()


def test_label_studio_export_rows_errors_and_skips(tmp_path: Path) -> None:
    parsed = read_labels(DATA / "labelstudio_export.json", TAXONOMY)
    assert [str(e) for e in parsed.errors] == [
        "row 3 (task 103), fault_types: unknown code(s) engine",
        "row 5 (task 105), fault_types: 'none' is exclusive but listed with none, power",
        "row 6 (task 106), primary_fault: 'noise' is not among the fault types display, function",
        "row 7 (task 107), text: empty",
    ]
    assert parsed.skipped == ["row 2 (task 102): skipped by the labeller", "row 8 (task 108): not labelled"]
    first, second = parsed.records
    # the hand-edited annotation wins over the model's pre-annotation (display/positive)
    assert (first["fault_types"], first["primary_fault"], first["sentiment"], first["aspects"]) == (
        ["noise"], "noise", "negative", [])
    assert first["labeller"] == "anna@example.com" and first["labelled_at"] == "2026-11-30T08:05:00.000000Z"
    assert second["fault_types"] == ["temperature", "leak"] and second["aspects"] == ["professionalism", "response"]
    assert second["labeller"] == "ben@example.com"


def test_import_stores_only_valid_rows_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    export = DATA / "labelstudio_export.json"
    report = import_labels(store, export, TAXONOMY)
    assert (report.inserted, report.unchanged, len(report.errors), len(report.skipped)) == (2, 0, 4, 2)
    current = store.current_labels()
    expected = ["空调外机嗡嗡响，晚上根本睡不着", "冰箱不制冷，换了压缩机又漏水，师傅来了三次"]
    assert sorted(current["text"]) == sorted(expected)
    assert set(current["source_file"]) == {"labelstudio_export.json"}
    again = import_labels(store, export, TAXONOMY)
    assert (again.inserted, again.unchanged) == (0, 2)
    assert len(store.label_history()) == 2


def test_csv_bad_rows_named_and_not_stored(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    pd.DataFrame(
        [
            {"text": "手机充不进电", "fault_types": "battery", "primary_fault": "", "sentiment": "negative",
             "aspects": ""},
            {"text": "", "fault_types": "none", "primary_fault": "none", "sentiment": "neutral", "aspects": ""},
            {"text": "屏幕闪", "fault_types": "display;none", "primary_fault": "display", "sentiment": "negative",
             "aspects": ""},
            {"text": "噪音大还漏水", "fault_types": "noise;leak", "primary_fault": "", "sentiment": "negative",
             "aspects": ""},
            {"text": "客服态度差", "fault_types": "none", "primary_fault": "none", "sentiment": "angry",
             "aspects": "attitude"},
            {"text": "安装师傅收费乱", "fault_types": "none", "primary_fault": "none", "sentiment": "negative",
             "aspects": "cost;price"},
            {"text": "滚筒不转了，等配件一周", "fault_types": "function", "primary_fault": "function",
             "sentiment": "negative", "aspects": "parts;response"},
        ]
    ).to_csv(path, index=False, encoding="utf-8-sig")
    report = import_labels(store, path, TAXONOMY, labeller="carol")
    assert [str(e) for e in report.errors] == [
        "row 3, text: empty",
        "row 4, fault_types: 'none' is exclusive but listed with display, none",
        "row 5, primary_fault: missing; required when there are several fault types",
        "row 6, sentiment: unknown code 'angry' (expected one of negative, neutral, positive)",
        "row 7, aspects: unknown code(s) price",
    ]
    current = store.current_labels().set_index("text")
    assert sorted(current.index) == ["手机充不进电", "滚筒不转了，等配件一周"]
    assert current.loc["手机充不进电", "primary_fault"] == "battery"  # filled: the only fault
    assert list(current.loc["滚筒不转了，等配件一周", "aspects"]) == ["parts", "response"]
    assert set(current["labeller"]) == {"carol"}
    assert import_labels(store, path, TAXONOMY, labeller="carol").inserted == 0


def test_later_label_wins_and_history_is_kept(store: Store, tmp_path: Path) -> None:
    def write(sentiment: str, name: str) -> Path:
        path = tmp_path / name
        pd.DataFrame([{"text": "洗碗机洗不干净", "fault_types": "function", "sentiment": sentiment}]).to_csv(
            path, index=False)
        return path

    import_labels(store, write("negative", "a.csv"), TAXONOMY, labeller="dan")
    import_labels(store, write("neutral", "b.csv"), TAXONOMY, labeller="dan")
    import_labels(store, write("negative", "c.csv"), TAXONOMY, labeller="dan")  # back to the first answer
    current = store.current_labels()
    assert list(current["sentiment"]) == ["negative"] and list(current["source_file"]) == ["c.csv"]
    history = store.label_history(text_key("洗碗机洗不干净"))
    assert list(history["sentiment"]) == ["negative", "neutral", "negative"]


def test_label_studio_time_orders_annotations(store: Store, tmp_path: Path) -> None:
    tasks = json.loads((DATA / "labelstudio_export.json").read_text(encoding="utf-8"))[:1]
    later = json.loads(json.dumps(tasks[0]["annotations"][0]))
    later.update(id=9100, updated_at="2026-12-01T08:00:00Z", completed_by={"email": "ben@example.com"})
    later["result"][2]["value"]["choices"] = ["neutral"]
    tasks[0]["annotations"].insert(0, later)  # listed first, made later: time decides
    path = tmp_path / "two.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert import_labels(store, path, TAXONOMY).inserted == 2
    assert list(store.current_labels()["labeller"]) == ["ben@example.com"]
    assert import_labels(store, path, TAXONOMY).inserted == 0


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "export.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match="not a Label Studio JSON export"):
        read_labels(bad, TAXONOMY)
    with pytest.raises(InputFileError, match="no such file"):
        read_labels(tmp_path / "missing.csv", TAXONOMY)
    no_labels = tmp_path / "texts.csv"
    pd.DataFrame({"text": ["空调不制冷"]}).to_csv(no_labels, index=False)
    with pytest.raises(InputFileError, match="missing column"):
        read_labels(no_labels, TAXONOMY)


def test_pointer_file_reads_public_texts(tmp_path: Path) -> None:
    public_dir = Path(__file__).resolve().parents[3] / "shared" / "data" / "public"
    if not public_dir.exists():
        pytest.skip("public data not present")
    gold = Path(__file__).resolve().parents[2] / "training" / "gold" / "real_gold.csv"
    head = tmp_path / "pointers.csv"
    pd.read_csv(gold, dtype=str).head(5).assign(labeller="gold").to_csv(head, index=False)
    parsed = read_labels(head, TAXONOMY, public_dir=public_dir)
    assert len(parsed.records) == 5 and not parsed.errors
    broken = tmp_path / "broken.csv"
    shutil.copy(head, broken)
    frame = pd.read_csv(broken, dtype=str)
    frame.loc[0, "text_hash"] = "000000000000"
    frame.to_csv(broken, index=False)
    with pytest.raises(InputFileError, match="no longer match"):
        read_labels(broken, TAXONOMY, public_dir=public_dir)
