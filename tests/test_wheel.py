"""The installed wheel is the whole product: built, installed into a fresh virtualenv outside
the source tree, and used as a user would (demo data → ingest → train → classify → kpis →
serve + HTTP), with no path into the checkout.

The wheel is installed with ``--no-deps``; the new environment borrows the dependencies of
the environment running the tests through a ``.pth`` line (the same pinned registry
packages, not re-downloaded: keeps CI in minutes). That line does not process the dev
environment's own ``.pth`` files, so the editable install of the checkout is not visible.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ROOT.parent / "shared" / "data" / "public"


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel, bin folder of a fresh virtualenv with only the wheel installed)."""
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_NLP_")}
    # built from a copy: setuptools writes build/ and *.egg-info next to the sources
    source = base / "source"
    at_root = {".git", ".venv", "data", "models", "build", "dist", ".pytest_cache", ".ruff_cache"}
    shutil.copytree(ROOT, source, symlinks=True, ignore=lambda folder, names: [
        n for n in names if (Path(folder) == ROOT and n in at_root) or n == "__pycache__" or n.endswith(".egg-info")])
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(base / "dist"), str(source)],
         cwd=base, env=env)  # fmt: skip
    (wheel,) = (base / "dist").glob("feedback_nlp-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=base, env=env)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=base, env=env).strip())  # fmt: skip
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return wheel, venv / "bin"


def test_the_wheel_ships_the_library_and_its_data_not_the_checkout(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("taxonomy_default.yaml", "user_dict.txt", "labelled/real_gold.csv", "labelled/real_holdout.csv",
                 "labelled/real_labels.csv", "labelled/written_labels.csv"):  # fmt: skip
        assert f"feedback_nlp/data/{data}" in names, data
    for table in ("phrases", "phrases_faults", "catalog"):  # the demo generator's phrase tables
        assert f"feedback_nlp/demo/data/{table}.yaml" in names, table
    for module in ("training/pipeline.py", "training/finetune.py", "training/baseline.py", "training/data.py"):
        assert f"feedback_nlp/{module}" in names, module
    assert "api/app.py" in names
    for static in ("dashboard/index.html", "dashboard/app.js", "dashboard/api.js", "dashboard/format.js",
                   "dashboard/style.css", "vendor/echarts-5.6.0/echarts.min.js", "vendor/echarts-5.6.0/LICENSE",
                   "vendor/echarts-5.6.0/NOTICE", "vendor/echarts-5.6.0/LICENSE-d3"):  # fmt: skip
        assert f"api/static/{static}" in names, static  # the dashboard at /
    assert not [n for n in names if n.startswith(("tests/", "training/", "benchmarks/"))]


@pytest.mark.slow
def test_the_installed_product_runs_from_anywhere(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    cli = str(bin_dir / "feedback-nlp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_NLP_")}
    env |= {"FEEDBACK_NLP_PUBLIC_DATA_DIR": str(tmp_path / "no-public-data"), "PYTHONPATH": ""}
    code = "import feedback_nlp, api; print(feedback_nlp.__file__, api.__file__)"
    where = _run([str(bin_dir / "python"), "-c", code], cwd=tmp_path, env=env)
    assert str(ROOT) not in where and str(bin_dir.parent) in where

    _run([cli, "demo-data", "--out", "demo", "--tickets", "300", "--no-dirty"], cwd=tmp_path, env=env)
    for table, file in (("tickets", "tickets.csv"), ("feedback", "feedback.jsonl")):
        _run([cli, "ingest", table, f"demo/{file}", "--strict"], cwd=tmp_path, env=env)
    trained = _run([cli, "train", "--minutes", "0", "--n-demo", "1500", "--json-out", "train.json"],
                   cwd=tmp_path, env=env)
    assert "baseline: baseline@v1" in trained
    result = json.loads((tmp_path / "train.json").read_text(encoding="utf-8"))  # what a background job reports
    assert result["baseline"] == "baseline@v1" and result["transformer"] is None and result["seconds"]["baseline"] > 0
    (tmp_path / "texts.csv").write_text("text\n空调不制冷，外机噪音很大\n客服态度很好\n", encoding="utf-8")
    _run([cli, "classify", "--in", "texts.csv", "--out", "out.jsonl", "--no-progress"], cwd=tmp_path, env=env)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[0]["sentiment"] == "negative"
    kpis = json.loads(_run([cli, "kpis", "--format", "json"], cwd=tmp_path, env=env))
    assert kpis

    key = json.loads(_run([cli, "api-key", "create", "--name", "smoke", "--scopes", "classify", "--json"],
                          cwd=tmp_path, env=env))  # fmt: skip
    port = free_port()
    server_env = env | {"FEEDBACK_NLP_API__API_KEYS": json.dumps([key["entry"]])}
    proc = subprocess.Popen([cli, "serve", "--port", str(port)], cwd=tmp_path, env=server_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/health", timeout=120, what="the installed server")
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/classify", json={"text": "洗衣机漏水"},
                            headers={"X-API-Key": key["key"]}, timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert answer.json()["model"] == "baseline@v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.skipif(not PUBLIC.exists(), reason="needs the public data sets")
def test_the_installed_gold_files_join_the_public_data(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bin_dir = installed
    code = ("from feedback_nlp.training import GOLD_FILE, HOLDOUT_FILE, shipped_label_files\n"
            "from feedback_nlp.datasets.public import load_gold\n"
            f"public = {str(PUBLIC)!r}\n"
            "print(len(load_gold(GOLD_FILE, public)), len(load_gold(HOLDOUT_FILE, public)), "
            "[f.name for f in shipped_label_files()])")  # fmt: skip
    out = _run([str(bin_dir / "python"), "-c", code], cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""})
    gold, holdout, files = out.strip().split(" ", 2)
    assert int(gold) >= 532 and int(holdout) == 296
    assert files == "['real_labels.csv', 'written_labels.csv']"
