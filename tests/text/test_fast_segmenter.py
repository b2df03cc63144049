"""jieba-rs (rjieba) through FastCut gives jieba's words: on real reviews, on the cases where
jieba-rs alone differs, with user dictionaries, after a reload and after pickling."""

from __future__ import annotations

import pickle
from pathlib import Path

import jieba.finalseg
import pytest

from feedback_nlp.datasets import public
from feedback_nlp.text import Segmenter, normalise
from feedback_nlp.text.fast_cut import FastCut, fast_cut_available

pytestmark = pytest.mark.skipif(not fast_cut_available(), reason="rjieba (jieba-rs) is not installed")

PUBLIC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "public"
#: Texts per public file (7 files: ~4,500 texts, ~70 characters on average).
PER_FILE = 650
#: Texts where plain jieba-rs differs from jieba (each case of the fast_cut docstring).
DIFFERING = [
    "用了好几天,感觉挺好的,可惜充电口不是type-c",  # connector joined by jieba-rs's HMM
    "运行内存剩下2.5G,平板内存系统占的有点多",
    "欢迎交流 toryhellen@sina.com. 或者 www.smallstonesoft.com",
    "2009.03.08订的货,03.17才收到",
    "不过确实要指出的是,我对这个称呼很雷...T_T",
    "价格实惠,赞赞赞赞赞,骑士哥也非常给力",  # Viterbi tie
    "嘿呵嘿呵嘿哈呵哈呵哈嘿",  # a tie without three equal characters in a row
    "生僻字㐀㐁和𠀀𠀁,jieba不当汉字",  # CJK extension A and B
]


@pytest.fixture(scope="module")
def pair() -> tuple[Segmenter, Segmenter]:
    """The same dictionary cut by jieba-rs (fast) and by jieba alone (reference)."""
    fast, reference = Segmenter(), Segmenter(fast=False)
    assert fast.engine == "rjieba" and reference.engine == "jieba"
    return fast, reference


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    if not PUBLIC_DIR.is_dir():
        pytest.skip(f"public data not found at {PUBLIC_DIR} (shared/data/public beside the repository)")
    texts: list[str] = []
    for name in public.FILES:
        column = public.read_raw(PUBLIC_DIR, name)["text"]
        step = max(len(column) // PER_FILE, 1)
        texts.extend(column.iloc[::step].head(PER_FILE).astype(str))
    return texts


@pytest.mark.parametrize("hmm", [True, False], ids=["hmm", "no-hmm"])
def test_real_texts_cut_exactly_as_jieba(real_texts: list[str], hmm: bool) -> None:
    fast, reference = Segmenter(hmm=hmm), Segmenter(hmm=hmm, fast=False)
    normalised = [normalise(text) for text in real_texts]
    differing = [text for text in normalised if fast.cut(text) != reference.cut(text)]
    assert differing == []
    assert all(fast.tokens(text) == reference.tokens(text) for text in normalised)
    # Raw, not normalised text (full-width characters, newlines, emoji) too.
    assert [fast.cut(text) for text in real_texts] == [reference.cut(text) for text in real_texts]
    # Most texts really went through jieba-rs: the equality is not jieba against itself.
    fast_cut = fast._loaded.fast_cut
    assert fast_cut is not None
    routed = sum(fast_cut.needs_jieba(text, hmm) for text in normalised)
    assert routed < 0.06 * len(normalised), f"{routed} of {len(normalised)} texts went to jieba"


@pytest.mark.parametrize("text", DIFFERING)
def test_texts_where_jieba_rs_differs_go_to_jieba(pair: tuple[Segmenter, Segmenter], text: str) -> None:
    import rjieba

    fast, reference = pair
    fast_cut = fast._loaded.fast_cut
    assert fast_cut is not None and fast_cut.needs_jieba(text, hmm=True)
    assert fast.cut(text) == reference.cut(text)
    # The case is real: jieba-rs alone, on the same dictionary, cuts it otherwise.
    rust = rjieba.Jieba.empty()
    tokenizer = reference._loaded.tokenizer
    for word, freq in tokenizer.FREQ.items():
        if freq > 0:
            rust.add_word(word, freq, None)
    rust.add_word("\x00\x01", tokenizer.total - sum(tokenizer.FREQ.values()), None)
    assert rust.cut(text, True) != list(tokenizer.cut(text, HMM=True))


def test_lone_surrogate_and_empty_text(pair: tuple[Segmenter, Segmenter]) -> None:
    fast, reference = pair
    for text in ("空调\udc80不制冷", "", " ", "\x00漏水"):
        assert fast.cut(text) == reference.cut(text)


def test_user_dictionary_reload_and_pickle(tmp_path: Path) -> None:
    user_dict = tmp_path / "mine.txt"
    # A word with a frequency, one without (jieba suggests one), and one forbidden (freq 0).
    user_dict.write_text("外机支架 5000 n\n电辅热\n不制冷 0\n", encoding="utf-8")
    texts = ["外机支架松了,电辅热不制冷", "空调不制冷,外机支架生锈", "电辅热开了还是不热"]
    fast, reference = Segmenter([user_dict]), Segmenter([user_dict], fast=False)
    assert [fast.cut(t) for t in texts] == [reference.cut(t) for t in texts]
    assert "外机支架" in fast.cut(texts[0]) and "不制冷" not in fast.cut(texts[1])

    user_dict.write_text("外机支架 5000 n\n支架生锈 9000\n", encoding="utf-8")
    fast.reload()
    reference.reload()
    assert fast.engine == "rjieba"
    assert "支架生锈" in fast.cut(texts[1])
    assert [fast.cut(t) for t in texts] == [reference.cut(t) for t in texts]

    copy = pickle.loads(pickle.dumps(fast))
    assert copy.engine == "rjieba" and copy.cut(texts[1]) == fast.cut(texts[1])
    assert pickle.loads(pickle.dumps(reference)).engine == "jieba"


def test_force_split_words_send_everything_to_jieba(pair: tuple[Segmenter, Segmenter]) -> None:
    """jieba.add_word(w, 0) on jieba's global tokenizer changes every HMM cut; jieba-rs cannot follow."""
    fast, _ = pair
    fast_cut = fast._loaded.fast_cut
    assert isinstance(fast_cut, FastCut) and not fast_cut.needs_jieba("空调不制冷", hmm=True)
    jieba.finalseg.Force_Split_Words.add("制冷")
    try:
        assert fast_cut.needs_jieba("空调不制冷", hmm=True)
    finally:
        jieba.finalseg.Force_Split_Words.discard("制冷")
