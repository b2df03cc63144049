"""The import graph follows the layers declared in pyproject.toml (``[tool.importlinter]``):
each layer imports only from layers below it, no package has an import cycle, and only
the store imports DuckDB and runs statements on it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layers_and_no_cycles() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout and out.stdout.count(" KEPT") >= 4
    assert "Only the store speaks to DuckDB KEPT" in out.stdout


#: Methods of a DuckDB connection or cursor that run a statement, fetch its rows or hand
#: out a connection (``Store.cursor``/``connection``); only the store may call them.
_STATEMENT_METHODS = frozenset({"execute", "executemany", "sql", "fetchone", "fetchall", "fetchmany",
                                "fetchdf", "fetch_df", "fetch_arrow_table", "cursor", "connection"})
_STORE = ROOT / "feedback_nlp" / "store"
_SPARK = ROOT / "feedback_nlp" / "spark"  # runs the KPI SQL on a SparkSession (spark.sql), never on DuckDB


def _statement_calls(path: Path) -> list[str]:
    """``file:line .name(`` of every call of a statement method in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}("
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in _STATEMENT_METHODS]


def test_only_the_store_runs_statements() -> None:
    """KPIs, themes, predictions, the CLI and the API ask the store (its methods or a
    ``StoreReader``); none runs SQL on a connection or cursor of its own."""
    sources = sorted(p for top in ("feedback_nlp", "api") for p in (ROOT / top).rglob("*.py"))
    assert any(p.is_relative_to(_STORE) for p in sources), "the store package moved: update this test"
    outside = [call for p in sources if not p.is_relative_to(_STORE) for call in _statement_calls(p)
               if not (p.is_relative_to(_SPARK) and call.endswith(" .sql("))]
    assert not outside, "statements outside feedback_nlp/store/:\n" + "\n".join(outside)
