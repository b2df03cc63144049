"""The public surface: `__all__` is sorted, complete and importable without side effects."""

from __future__ import annotations

import subprocess
import sys

import feedback_nlp


def test_all_is_sorted_and_resolves() -> None:
    assert feedback_nlp.__all__ == sorted(feedback_nlp.__all__)
    for name in feedback_nlp.__all__:
        assert hasattr(feedback_nlp, name), name


def test_import_has_no_side_effects(tmp_path) -> None:  # noqa: ANN001
    code = "import feedback_nlp, sys; print('torch' in sys.modules, 'jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]  # heavy libraries load only when used
    assert list(tmp_path.iterdir()) == []  # no store or data directory created on import
