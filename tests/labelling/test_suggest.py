"""Suggest: which texts the loop asks people to label next."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from feedback_nlp.errors import InputFileError
from feedback_nlp.labelling import suggest, text_key
from feedback_nlp.labelling.suggest import disagreement, margins


class ToyModel:
    """Sentiment scores read off the text: ``"… #k"`` has a top-two margin of k / 100."""

    thresholds_: dict[str, np.ndarray] = {}

    def predict_proba(self, X: Sequence[str], **_: object) -> dict[str, pd.DataFrame]:
        margin = np.array([int(t.rsplit("#", 1)[1]) / 100 for t in X])
        top = (1 + margin) / 2
        return {"sentiment": pd.DataFrame({"negative": top, "neutral": 0.0, "positive": 1 - top})}

    def predict(self, X: Sequence[str], **_: object) -> pd.DataFrame:
        faults = [["noise"] if "响" in t else ["none"] for t in X]
        return pd.DataFrame({"fault_types": faults, "primary_fault": [f[0] for f in faults],
                             "sentiment": ["negative"] * len(X), "aspects": [[] for _ in X]})


THEMES = ["空调外机噪音很大晚上睡不着", "手机屏幕碎了触摸失灵", "酒店前台服务态度冷淡", "快递送得太慢包装破损"]


def pool(n_per_theme: int = 10) -> pd.DataFrame:
    texts = [f"{theme}{'！' * (i % 3)}第{i}次 #{(7 * i + 13 * j) % 97 + 1}"
             for j, theme in enumerate(THEMES) for i in range(n_per_theme)]
    return pd.DataFrame({"id": range(len(texts)), "text": texts})


def test_margins_of_multiclass_and_multilabel_heads() -> None:
    proba = {"sentiment": pd.DataFrame({"a": [0.6, 0.9], "b": [0.4, 0.1]}),
             "aspects": pd.DataFrame({"x": [0.9, 0.52], "y": [0.1, 0.0]})}
    assert margins(proba, {"aspects": np.array([0.5, 0.5])}) == pytest.approx([0.2, 0.02])


def test_uncertainty_picks_the_lowest_margins() -> None:
    frame = pool()
    margin = frame["text"].map(lambda t: int(t.rsplit("#", 1)[1]))
    lowest = set(frame.loc[margin.nsmallest(5).index, "text"])
    exact = suggest(frame, n=5, strategy="uncertainty", model=ToyModel(), diversify=False)
    assert set(exact["text"]) == lowest
    assert list(exact["score"]) == sorted(exact["score"])
    spread_out = suggest(frame, n=5, strategy="uncertainty", model=ToyModel())
    candidates = set(frame.loc[margin.nsmallest(20).index, "text"])  # 4 candidates per pick
    assert set(spread_out["text"]) <= candidates and len(spread_out) == 5


def test_diverse_covers_every_cluster() -> None:
    picked = suggest(pool(), n=4, strategy="diverse")
    themes = {next(theme for theme in THEMES if t.startswith(theme)) for t in picked["text"]}
    assert themes == set(THEMES)
    assert picked["cluster"].nunique() == 4


def test_labelled_texts_are_never_suggested() -> None:
    frame = pool()
    labelled = frame["text"].iloc[:20].tolist()
    picked = suggest(frame, n=30, strategy="uncertainty", model=ToyModel(), exclude={text_key(t) for t in labelled})
    assert not set(picked["text"]) & set(labelled)
    assert len(picked) == 20  # only 20 unlabelled texts remain
    # the key is of the normalised text: a full-width copy of a labelled text is excluded too
    assert suggest(pd.DataFrame({"text": ["ＡＢＣ空调不制冷 #3"]}), n=1, strategy="uncertainty", model=ToyModel(),
                   exclude={text_key("ABC空调不制冷 #3")}).empty


def test_disagreement_ranks_texts_two_models_label_differently() -> None:
    a = ToyModel().predict(["空调嗡嗡响", "很好"])
    b = a.copy()
    b.at[0, "fault_types"] = ["display"]
    b.at[0, "primary_fault"] = "display"
    b.at[0, "sentiment"] = "positive"
    assert list(disagreement(a, b)) == [3.0, 0.0]
    picked = suggest(pd.DataFrame({"text": ["很好 #5", "空调嗡嗡响 #9"]}), n=1, strategy="disagreement",
                     model=ToyModel(), second_model=_Flipped())
    assert list(picked["text"]) == ["空调嗡嗡响 #9"]


class _Flipped(ToyModel):
    def predict(self, X: Sequence[str], **_: object) -> pd.DataFrame:
        out = super().predict(X)
        out["sentiment"] = ["positive" if "响" in t else "negative" for t in X]
        return out


def test_bad_requests_are_refused() -> None:
    with pytest.raises(InputFileError, match="unknown strategy"):
        suggest(pool(), n=3, strategy="random")
    with pytest.raises(InputFileError, match="needs a model"):
        suggest(pool(), n=3, strategy="uncertainty")
    with pytest.raises(InputFileError, match="needs two models"):
        suggest(pool(), n=3, strategy="disagreement", model=ToyModel())
