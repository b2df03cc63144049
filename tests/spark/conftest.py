"""Spark fixtures: one local[2] session for the whole run, a tiny trained baseline, a demo lake.

Every test here is skipped, with the reason, when pyspark or Java is missing
(``pip install 'feedback-nlp[spark]'``; ``sudo apt-get install default-jre-headless``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedback_nlp.spark.session import java_available

if importlib.util.find_spec("pyspark") is None:
    pytest.skip("pyspark is not installed: pip install 'feedback-nlp[spark]'", allow_module_level=True)
if not java_available():
    pytest.skip("Java is not installed: sudo apt-get install default-jre-headless", allow_module_level=True)

TZ = "Asia/Shanghai"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from feedback_nlp.spark.session import spark_session

    session = spark_session(
        "local[2]",
        app_name="feedback-nlp tests",
        conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2", "spark.ui.enabled": "false"},
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small baseline (demo@v1) trained once, as tests/test_cli_classify.py trains it."""
    from feedback_nlp.classifiers.baseline import TfidfClassifier
    from feedback_nlp.datasets.corpus import demo_corpus
    from feedback_nlp.taxonomy import Taxonomy
    from feedback_nlp.text import Segmenter

    corpus = demo_corpus(600, seed=1)
    model = TfidfClassifier(
        Taxonomy.default(),
        name="demo",
        version="v1",
        max_char_features=2000,
        max_word_features=2000,
        segmenter=Segmenter(),
    )
    model.fit(corpus["text"].tolist(), corpus)
    return model.save(tmp_path_factory.mktemp("spark_models") / "demo" / "v1")


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> tuple[Any, Path]:
    """The demo store (250 tickets, classified by ``tiny_model``) and its ``db export --parquet`` folder,
    with the store's predictions written beside the tables as ``predictions.parquet``."""
    from feedback_nlp.bootstrap import load_demo
    from feedback_nlp.classification import Classification
    from feedback_nlp.demo.tables import generate_demo_data
    from feedback_nlp.demo.writer import write_demo_files
    from feedback_nlp.predictions import classify_store
    from feedback_nlp.store import Store
    from feedback_nlp.text import Segmenter

    root = tmp_path_factory.mktemp("spark_lake")
    write_demo_files(generate_demo_data(250, seed=3), root / "demo", dirty=True)
    store = Store(root / "demo.duckdb", timezone=TZ)
    load_demo(store, root / "demo", timezone=TZ, max_text_length=5000)
    classify_store(store, Classification.from_model(tiny_model, Segmenter()))
    store.export_parquet(root / "lake")
    with store.reader() as db:
        db.frame("SELECT * FROM predictions").to_parquet(root / "lake" / "predictions.parquet")
    return store, root / "lake"
