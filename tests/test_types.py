"""The library and the API type-check: ``mypy --strict`` with the settings in pyproject.toml
(``[tool.mypy]``: strict, the pydantic plugin, the untyped third-party modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_strict_on_the_library_and_the_api() -> None:
    mypy = Path(sys.executable).parent / "mypy"
    out = subprocess.run(
        [str(mypy), "--config-file", str(ROOT / "pyproject.toml"), "feedback_nlp", "api"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
