"""The store ↔ Parquet round trip: `db export --parquet` writes what `ingest` reads back, unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from feedback_nlp.bootstrap import load_demo
from feedback_nlp.cli import app
from feedback_nlp.config import get_settings
from feedback_nlp.demo.tables import generate_demo_data
from feedback_nlp.demo.writer import write_demo_files
from feedback_nlp.errors import InputFileError, StoreError
from feedback_nlp.ingest import ingest_file
from feedback_nlp.kpis import Query, compute_kpis
from feedback_nlp.schema import TABLE_NAMES, TABLES
from feedback_nlp.store import Store

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("parquet_demo")
    files = root / "demo"
    write_demo_files(generate_demo_data(400, seed=3), files, dirty=True)
    store = Store(root / "a.duckdb", timezone=TZ)
    load_demo(store, files, timezone=TZ, max_text_length=5000)
    return store


def _reingest(export_dir: Path, target: Store) -> dict[str, tuple[int, int, int, int]]:
    out = {}
    for name in ("tickets", "feedback", "followups", "orders"):  # the order the demo loads them in
        r = ingest_file(target, name, export_dir / f"{name}.parquet", timezone=TZ)
        out[name] = (r.inserted, r.updated, r.unchanged, r.rejected)
    return out


def test_export_then_ingest_gives_back_the_same_tables_and_kpis(demo_store: Store, tmp_path: Path) -> None:
    written = demo_store.export_parquet(tmp_path / "lake")
    assert set(written) == set(TABLE_NAMES)
    assert all(written[n] == demo_store.info().tables[n] > 0 for n in TABLE_NAMES)
    for name in TABLE_NAMES:  # canonical columns only, nothing left half-written
        names = pq.ParquetFile(tmp_path / "lake" / f"{name}.parquet").schema_arrow.names
        assert names == list(TABLES[name].column_names)
    assert not list((tmp_path / "lake").glob(".*partial"))

    with Store(tmp_path / "b.duckdb", timezone=TZ) as fresh:
        counts = _reingest(tmp_path / "lake", fresh)
        assert all(c[0] == written[n] and c[3] == 0 for n, c in counts.items()), counts
        for name in TABLE_NAMES:
            cols = list(TABLES[name].column_names)
            pd.testing.assert_frame_equal(demo_store.read_table(name, cols), fresh.read_table(name, cols))
        query = Query(group_by="product_line", period="month")
        before = pd.DataFrame(compute_kpis(demo_store, query).to_records())
        after = pd.DataFrame(compute_kpis(fresh, query).to_records())
        pd.testing.assert_frame_equal(before, after)

        again = _reingest(tmp_path / "lake", fresh)  # idempotent: every row unchanged
        assert all(c[:2] == (0, 0) and c[2] == written[n] for n, c in again.items()), again


def test_a_bad_parquet_row_is_rejected_by_position_and_the_rest_loaded(store: Store, tmp_path: Path) -> None:
    table = pa.table({
        "ticket_id": ["T1", "T2", "T3"],
        "customer_id": ["C1", "C2", None],
        "created_at": pa.array([pd.Timestamp("2024-03-01 09:00", tz="UTC")] * 3),
        "status": ["closed", "不存在的状态", "open"],
        "labour_cost": pa.array([1.5, 2.0, 3.0]),
    })
    pq.write_table(table, tmp_path / "t.parquet")
    report = ingest_file(store, "tickets", tmp_path / "t.parquet")
    assert (report.inserted, report.rejected) == (1, 2)
    rejected = report.rejections.set_index("row")
    assert set(rejected.index) == {2, 3}
    assert rejected.loc[2, "column"] == "status" and rejected.loc[3, "column"] == "customer_id"
    stored = store.read_table("tickets")
    assert stored["ticket_id"].tolist() == ["T1"]
    assert stored["created_at"].iloc[0] == pd.Timestamp("2024-03-01 09:00", tz="UTC")


def test_a_damaged_parquet_file_is_refused_in_one_line(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(InputFileError, match="broken.parquet: not a readable Parquet file") as info:
        ingest_file(store, "tickets", bad)
    assert "\n" not in str(info.value)
    assert store.info().tables["tickets"] == 0


def test_export_refuses_an_unknown_table(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown table 'tix'"):
        store.export_parquet(tmp_path / "out", ["tix"])


def test_cli_db_export_writes_one_file_per_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 demo_store: Store) -> None:
    demo_store.export_parquet(tmp_path / "src")
    monkeypatch.setenv("FEEDBACK_NLP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        loaded = runner.invoke(app, ["ingest", "tickets", str(tmp_path / "src" / "tickets.parquet")])
        assert loaded.exit_code == 0, loaded.output
        result = runner.invoke(app, ["db", "export", "--parquet", str(tmp_path / "out"), "-t", "tickets", "--json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.output)
        assert payload["rows"] == {"tickets": demo_store.info().tables["tickets"]}
        assert pq.read_table(payload["files"]["tickets"]).num_rows == payload["rows"]["tickets"]
        bad = runner.invoke(app, ["db", "export", "--parquet", str(tmp_path / "out2"), "-t", "nope"])
        assert bad.exit_code != 0 and "unknown table 'nope'" in bad.output and "Traceback" not in bad.output
    finally:
        get_settings.cache_clear()
