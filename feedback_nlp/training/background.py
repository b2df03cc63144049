"""The library side of a fine-tune run in the background by the server (``api.background_training``).

The server holds the store, so the job must never open it: these functions build the
job's command line (``feedback-nlp train --activate never --no-store-labels``, with the
store's labels passed as a file), read what it reports, and judge the model it made
against the serving one by the product's selection rule. The server only starts and
watches the process and swaps the model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from feedback_nlp.classifiers.artifacts import TRANSFORMER_KIND, list_models
from feedback_nlp.classifiers.selection import compare_models
from feedback_nlp.errors import ModelError


def needs_transformer(model_dir: Path) -> bool:
    """True when the model folder holds no fine-tuned transformer yet."""
    return not any(info.kind == TRANSFORMER_KIND for info in list_models(model_dir))


def finetune_command(minutes: float, result_path: Path, labels: Path | None = None) -> list[str]:
    """``feedback-nlp train`` for the job: fine-tune within ``minutes``, never activate, report to ``result_path``."""
    argv = [sys.executable, "-m", "feedback_nlp.cli", "train", "--minutes", str(minutes),
            "--activate", "never", "--no-store-labels", "--json-out", str(result_path)]
    return argv + (["--labels", str(labels)] if labels is not None else [])


def read_result(result_path: Path, log: Path) -> str:
    """The ``name@version`` of the transformer the job made; :class:`ModelError` naming ``log`` otherwise."""
    try:
        result = json.loads(Path(result_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"the fine-tune left no readable result ({exc}); see {log}") from None
    ref = result.get("transformer")
    if not ref:
        raise ModelError(f"the fine-tune made no transformer; see {log}")
    return str(ref)


def judge(ref: str, serving: str | None, model_dir: Path) -> tuple[bool, str]:
    """Whether ``ref`` should replace the ``serving`` model, and why (the rule of ``compare_models``)."""
    infos = {info.ref: info for info in list_models(model_dir)}
    candidate, incumbent = infos.get(ref), infos.get(serving or "")
    if candidate is None:
        raise ModelError(f"{ref} is not in {model_dir}")
    if incumbent is None:
        return True, f"no model was serving; {ref} is the first"
    comparison = compare_models(ref, candidate.metrics, incumbent.ref, incumbent.metrics)
    return comparison.wins, comparison.reason
