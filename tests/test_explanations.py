"""ExplainedClassification: classify records with explanations, the same way for files, the CLI and the API."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

from feedback_nlp.classification import Classification, classify_file
from feedback_nlp.classifiers.baseline import TfidfClassifier
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.errors import ConfigError
from feedback_nlp.explanations import ExplainedClassification
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter

TEXTS = ["空調不製冷，外機噪音很大", "冰箱冷藏室結冰，報修三天了還沒人聯繫", "👍"]


@pytest.fixture(scope="module")
def job() -> Classification:
    segmenter = Segmenter()
    corpus = demo_corpus(500, seed=5)
    model = TfidfClassifier(Taxonomy.default(), max_char_features=2000, max_word_features=2000, segmenter=segmenter,
                            n_jobs=1)  # fmt: skip
    return Classification(model.fit(corpus["text"].tolist(), corpus), segmenter, max_text_length=100)


def test_records_are_classify_records_plus_explanations(job: Classification) -> None:
    explained = ExplainedClassification.of(job, top_k=2)
    assert explained.max_text_length == 100 and explained.classifier is job.classifier
    plain, records = job.classify(TEXTS), explained.classify(TEXTS)
    for before, after in zip(plain, records, strict=True):
        assert {k: v for k, v in after.items() if k not in ("explanations", "explanation_method")} == before
    assert "error" in records[2] and "explanations" not in records[2]
    for text, record in zip(TEXTS[:2], records[:2], strict=True):
        assert record["explanation_method"] == "linear"
        assert all(0 < len(spans) <= 2 for spans in record["explanations"].values())
        assert all(text[s["start"] : s["end"]] == s["text"] for spans in record["explanations"].values()
                   for s in spans)  # fmt: skip


def test_it_pickles_for_worker_processes_and_explains_files(job: Classification, tmp_path: Path) -> None:
    explained = pickle.loads(pickle.dumps(ExplainedClassification.of(job, top_k=3)))
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": TEXTS}).to_csv(source, index=False)
    counts = classify_file(explained, source, tmp_path / "out.jsonl", progress=False)
    assert counts == {"rows": 3, "classified": 2, "errors": 1}
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [("explanations" in line) for line in lines] == [True, True, False]


@pytest.mark.parametrize("top_k", [0, 21])
def test_top_k_is_bounded(job: Classification, top_k: int) -> None:
    with pytest.raises(ConfigError, match=f"top_k {top_k}"):
        ExplainedClassification.of(job, top_k=top_k)
