"""A tiny randomly initialised BERT with a character tokenizer, for tests and smoke runs.

The real base checkpoint is ~100 MB and fine-tunes in minutes; the fine-tuning path is
tested end to end on this one in seconds instead (same code, same artifact format).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def make_tiny_base(
    out_dir: str | Path, texts: Iterable[str], *, hidden: int = 32, layers: int = 2, seed: int = 0
) -> Path:
    """Write a 2-layer BERT and a character-level WordPiece tokenizer covering ``texts``."""
    import torch
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chars = sorted({c for text in texts for c in text.lower() if not c.isspace()})
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + [c for c in chars if c not in SPECIAL_TOKENS])}
    tokenizer = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=1))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, handle_chinese_chars=True)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.Split("", "isolated")]
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # transformers leaves __init__ unannotated
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]",
    )  # fmt: skip
    fast.save_pretrained(out_dir)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
        intermediate_size=hidden * 2, max_position_embeddings=256,
    )  # fmt: skip
    BertModel(config, add_pooling_layer=False).save_pretrained(out_dir)
    return out_dir
