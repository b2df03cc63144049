"""Segmenter: domain dictionary, tokens, keywords, reload, isolation, threads, pickling."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jieba
import jieba.analyse
import jieba.finalseg
import pytest

from feedback_nlp.config import TextSettings
from feedback_nlp.errors import ConfigError
from feedback_nlp.text import DEFAULT_USER_DICT_PATH, NEGATION_WORDS, Segmenter, load_stopwords, normalise

PARTICLES = {"的", "了", "吧", "啊", "呢", "吗", "嘛", "呀", "就", "都", "很", "也", "还", "又", "这个", "一下", "还是"}
# Two dictionary words that a user may want as one: used to test user dictionaries.
NEW_WORD = "外机支架"


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture
def user_dict(tmp_path: Path) -> Path:
    path = tmp_path / "my_dict.txt"
    path.write_text("# our own words; lines starting with # are comments\n电辅热 2000 n\n", encoding="utf-8")
    return path


def append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def test_shipped_dictionary_is_pure_jieba_format() -> None:
    lines = DEFAULT_USER_DICT_PATH.read_text(encoding="utf-8").splitlines()
    assert 300 <= len(lines) <= 600
    for line in lines:
        # jieba.load_userdict would read a comment line as a word: the file has none.
        assert jieba.re_userdict.match(line).group(2), line
        assert not line.startswith("#")
    words = [line.split(" ")[0] for line in lines]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("空调不制冷", ["空调", "不制冷"]),
        ("外机噪音大", ["外机", "噪音大"]),
        ("压缩机异响", ["压缩机", "异响"]),
        ("电视花屏黑屏", ["电视", "花屏", "黑屏"]),
        ("手机充不进电电池鼓包", ["手机", "充不进电", "电池", "鼓包"]),
        ("热水器打不着火有煤气味", ["热水器", "打不着火", "有", "煤气味"]),
        ("洗衣机不排水", ["洗衣机", "不排水"]),
        ("冰箱冷藏室结冰", ["冰箱", "冷藏室", "结冰"]),
        ("扫地机器人配网失败", ["扫地机器人", "配网失败"]),
        ("油烟机漏油", ["油烟机", "漏油"]),
        ("内机漏水", ["内机", "漏水"]),
        ("4S店说变速箱顿挫", ["4S店", "说", "变速箱", "顿挫"]),
        ("车机中控屏死机", ["车机", "中控屏", "死机"]),
        ("中控屏幕上有竖线", ["中控屏幕", "上", "有", "竖线"]),
        ("门封条脱落", ["门封条", "脱落"]),
        ("上门收了安装费", ["上门", "收", "了", "安装费"]),
        ("空调漏氟要加氟", ["空调", "漏氟", "要", "加氟"]),
    ],
)
def test_domain_terms_are_single_tokens(segmenter: Segmenter, text: str, expected: list[str]) -> None:
    assert segmenter.cut(text) == expected


def test_common_phrases_are_not_broken(segmenter: Segmenter) -> None:
    assert segmenter.cut("开到16度也不凉快") == ["开到", "16", "度", "也", "不", "凉快"]
    assert "大小不一" in segmenter.cut("缝隙大小不一")


def test_cut_drops_whitespace(segmenter: Segmenter) -> None:
    assert segmenter.cut(" 空调  不制冷\t外机 ") == ["空调", "不制冷", "外机"]
    assert segmenter.cut("") == []


def test_tokens_drop_stopwords_and_punctuation_but_keep_negations(segmenter: Segmenter) -> None:
    text = normalise("客户表示空调不制冷，师傅没有上门，很不满意！！…… @#")
    tokens = segmenter.tokens(text)
    assert {"空调", "不制冷", "上门", "没有", "不", "满意"} <= set(tokens)
    assert not {"客户", "表示", "很", ",", "!", "……", "@", "#", " "} & set(tokens)


def test_negations_survive_a_stopword_list_that_has_them() -> None:
    segmenter = Segmenter(stopwords={"不", "没有", "无法", "的", "了"})
    assert segmenter.tokens("师傅没有来的，无法联系了，不满意") == ["师傅", "没有", "来", "无法", "联系", "不", "满意"]
    assert not NEGATION_WORDS & segmenter.stopwords


def test_load_stopwords(tmp_path: Path) -> None:
    extra = tmp_path / "stop.txt"
    extra.write_text("\ufeff# comment line\n\n 空调 \n不\n", encoding="utf-8")
    stopwords = load_stopwords([extra])
    assert {"的", "了", "客户", "表示", "问题", "空调"} <= stopwords
    assert "# comment line" not in stopwords
    assert not NEGATION_WORDS & stopwords
    assert "空调" not in load_stopwords()


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("空调用了才三个月就不制冷了，师傅上门看了说是缺氟，加了氟还是不行，真的很无语啊", "不制冷"),
        ("冰箱压缩机一直嗡嗡响，晚上吵得睡不着，这个问题客服一直也没给解决吧", "压缩机"),
        ("洗衣机底下漏水，地板都泡了，找了售后说要等配件，都一个星期了", "漏水"),
        ("电视看了半年就花屏了，屏幕上一条竖线，客户表示很不满意", "花屏"),
        ("提车才两个月，底盘异响，去了4S店好几趟都说是正常的", "异响"),
        ("手机充电的时候发烫，电池鼓包把后盖都顶起来了，要求换新", "鼓包"),
        ("燃气灶右边打不着火，点了好几次才着，还有一股煤气味", "打不着火"),
    ],
)
def test_keywords_find_the_fault_and_no_particle(segmenter: Segmenter, text: str, fault: str) -> None:
    keywords = segmenter.keywords(normalise(text), top_k=5)
    assert fault in keywords
    assert not PARTICLES & set(keywords)
    assert all(len(word) >= 2 for word in keywords)


def test_keywords_skip_numbers_codes_and_negations(segmenter: Segmenter) -> None:
    text = "型号KFR-35GW用了3个月,显示E1故障码,花了3999元,一百二十块,没有用,不是第一次了"
    keywords = segmenter.keywords(text, top_k=20)
    assert "故障码" in keywords
    assert not {"KFR", "35GW", "KFR-35GW", "3999", "E1", "一百二十", "没有", "不是"} & set(keywords)
    assert segmenter.keywords("", top_k=5) == []
    assert len(segmenter.keywords("空调不制冷外机噪音大压缩机异响还漏水", top_k=2)) == 2


def test_keywords_many_ranks_the_corpus_themes(segmenter: Segmenter) -> None:
    texts = [
        "空调不制冷,师傅上门加氟了",
        "空调又不制冷了,太失望了",
        "用了一个月就不制冷,外机噪音大",
        "洗衣机漏水,地板都泡了",
    ]
    ranked = segmenter.keywords_many(texts, top_k=5)
    assert ranked[0][0] == "不制冷"
    assert all(isinstance(word, str) and weight > 0 for word, weight in ranked)
    assert [weight for _, weight in ranked] == sorted((weight for _, weight in ranked), reverse=True)
    assert not PARTICLES & {word for word, _ in ranked}
    assert segmenter.keywords_many(iter(texts), top_k=5) == ranked
    assert segmenter.keywords_many([], top_k=5) == []


def test_user_dictionary_word_after_reload(user_dict: Path) -> None:
    segmenter = Segmenter([user_dict])
    assert "电辅热" in segmenter.cut("空调电辅热不工作")  # loaded, comment line skipped
    assert "# our own words; lines starting with # are comments" not in segmenter.domain_words
    before = segmenter.cut(f"{NEW_WORD}生锈了")
    assert NEW_WORD not in before

    append_line(user_dict, f"{NEW_WORD} 5000 n")
    assert segmenter.cut(f"{NEW_WORD}生锈了") == before  # not before reload()
    segmenter.reload()
    assert segmenter.cut(f"{NEW_WORD}生锈了") == [NEW_WORD, "生锈", "了"]
    assert NEW_WORD in segmenter.keywords(f"{NEW_WORD}生锈了")


def test_stopword_file_is_reread_on_reload(tmp_path: Path) -> None:
    path = tmp_path / "stop.txt"
    path.write_text("师傅\n", encoding="utf-8")
    segmenter = Segmenter(stopwords_paths=[path])
    assert segmenter.tokens("师傅说压缩机坏了") == ["压缩机", "坏"]
    append_line(path, "压缩机")
    segmenter.reload()
    assert segmenter.tokens("师傅说压缩机坏了") == ["坏"]


def test_freq_zero_forbids_a_word_without_touching_jieba_globals(tmp_path: Path) -> None:
    path = tmp_path / "forbid.txt"
    path.write_text("不制冷 0\n", encoding="utf-8")
    force_split_before = set(jieba.finalseg.Force_Split_Words)
    segmenter = Segmenter([path])
    assert segmenter.cut("空调不制冷") == ["空调", "不", "制冷"]
    assert "不制冷" not in segmenter.domain_words
    assert set(jieba.finalseg.Force_Split_Words) == force_split_before


def test_missing_or_bad_files_raise_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(ConfigError, match="nope.txt"):
        Segmenter([missing])
    with pytest.raises(ConfigError, match="nope.txt"):
        Segmenter(stopwords_paths=[missing])
    with pytest.raises(ConfigError, match="nope.txt"):
        load_stopwords([missing])
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("空调".encode("gb18030"))
    with pytest.raises(ConfigError, match="UTF-8"):
        Segmenter([latin1])
    with pytest.raises(TypeError, match="single path"):
        Segmenter(str(latin1))  # type: ignore[arg-type]


def test_reload_failure_keeps_the_current_dictionary(user_dict: Path) -> None:
    segmenter = Segmenter([user_dict])
    user_dict.unlink()
    with pytest.raises(ConfigError, match="my_dict.txt"):
        segmenter.reload()
    assert "电辅热" in segmenter.cut("空调电辅热不工作")


def test_cut_rejects_non_str(segmenter: Segmenter) -> None:
    with pytest.raises(TypeError, match="expects a str"):
        segmenter.cut(None)  # type: ignore[arg-type]


def test_segmenters_do_not_leak_into_each_other_or_jieba(tmp_path: Path, segmenter: Segmenter) -> None:
    text = f"{NEW_WORD}生锈了,空调不制冷"
    global_before = jieba.dt.lcut(text)
    path = tmp_path / "one.txt"
    path.write_text(f"{NEW_WORD} 5000 n\n", encoding="utf-8")
    custom = Segmenter([path])
    plain = Segmenter(include_default_dict=False)
    custom.reload()

    assert NEW_WORD in custom.cut(text)
    assert NEW_WORD not in segmenter.cut(text)
    assert NEW_WORD not in plain.cut(text)
    assert "不制冷" in custom.cut(text) and "不制冷" not in plain.cut(text)
    assert jieba.dt.lcut(text) == global_before
    assert NEW_WORD not in jieba.dt.FREQ
    assert jieba.analyse.default_tfidf.tokenizer is jieba.dt
    assert NEW_WORD not in jieba.analyse.default_tfidf.idf_freq


def test_cache_dir_is_used_not_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    segmenter = Segmenter(cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache").is_dir()
    assert segmenter.cut("空调不制冷") == ["空调", "不制冷"]
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


@pytest.fixture
def corpus() -> list[str]:
    base = [
        "空调不制冷,外机噪音大",
        "洗衣机不排水,显示E21",
        "手机充不进电,电池鼓包,续航短",
        "电视花屏黑屏,开不了机",
        "4S店说变速箱顿挫是正常的",
        "扫地机器人配网失败,APP显示离线",
        f"{NEW_WORD}生锈了,师傅说要换",
    ]
    return [f"{base[i % len(base)]}{i}" for i in range(500)]


def test_threads_with_concurrent_reload(tmp_path: Path, corpus: list[str]) -> None:
    path = tmp_path / "grow.txt"
    path.write_text("电辅热 2000 n\n", encoding="utf-8")
    segmenter = Segmenter([path])
    serial = [segmenter.cut(text) for text in corpus]

    started, stop = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    n_reloads = 0

    def keep_reloading() -> None:
        nonlocal n_reloads
        try:
            append_line(path, f"{NEW_WORD} 5000 n")
            started.set()
            while not stop.is_set():
                segmenter.reload()
                n_reloads += 1
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
            started.set()

    reloader = threading.Thread(target=keep_reloading)
    reloader.start()
    started.wait()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(segmenter.cut, corpus))
            keywords = list(pool.map(segmenter.keywords, corpus))
    finally:
        stop.set()
        reloader.join()

    assert errors == []
    assert n_reloads >= 1
    for text, got, expected in zip(corpus, results, serial, strict=True):
        if NEW_WORD not in text:  # the only text the reload changes
            assert got == expected, text
    assert all(keywords)


def test_pickle_round_trip(user_dict: Path, corpus: list[str]) -> None:
    segmenter = Segmenter([user_dict], stopwords={"师傅", "的"}, hmm=False)
    clone = pickle.loads(pickle.dumps(segmenter))
    assert clone is not segmenter
    assert clone.user_dict_paths == segmenter.user_dict_paths
    assert clone.stopwords == segmenter.stopwords
    assert clone.hmm is False
    for text in corpus[:50] + ["空调电辅热不工作"]:
        assert clone.cut(text) == segmenter.cut(text)
        assert clone.tokens(text) == segmenter.tokens(text)
        assert clone.keywords(text) == segmenter.keywords(text)


def test_default_pickle_round_trip(segmenter: Segmenter, corpus: list[str]) -> None:
    clone = pickle.loads(pickle.dumps(segmenter))
    assert [clone.cut(text) for text in corpus] == [segmenter.cut(text) for text in corpus]


def test_from_settings(tmp_path: Path, user_dict: Path) -> None:
    stop = tmp_path / "stop.txt"
    stop.write_text("电辅热\n", encoding="utf-8")
    settings = TextSettings(user_dict_paths=[user_dict], stopwords_paths=[stop], jieba_cache_dir=tmp_path / "cache")
    segmenter = Segmenter.from_settings(settings)
    assert segmenter.user_dict_paths == (user_dict,)
    assert segmenter.cache_dir == tmp_path / "cache"
    assert "电辅热" in segmenter.cut("空调电辅热不工作")
    assert "电辅热" not in segmenter.tokens("空调电辅热不工作")
    assert "客户" in segmenter.stopwords  # the shipped stopwords are kept


def test_content_tokens_of_a_cut_equal_tokens(segmenter):
    text = "空调外机噪音大，不是屏幕的问题，师傅说要加氟。"
    assert segmenter.content_tokens(segmenter.cut(text)) == segmenter.tokens(text)


def test_keywords_from_tokens_rank_fault_phrases_like_keywords(segmenter):
    text = "洗衣机不排水，而且脱水的时候异响很大，已经报修三次了"
    from_tokens = segmenter.keywords_from_tokens(segmenter.cut(text), top_k=5)
    assert set(from_tokens) & {"不排水", "异响"}
    assert not set(from_tokens) & {"的", "了", "而且", "已经"}
    assert set(from_tokens[:3]) & set(segmenter.keywords(text, top_k=5))
