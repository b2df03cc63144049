"""The TF-IDF baseline against the Classifier contract, its artifacts and the model registry.

One model is trained per module on generated demo text and shared by the tests that
only read it; tests that break a model directory work on a copy in ``tmp_path``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from feedback_nlp.classifiers.artifacts import (
    METADATA_FILE,
    REQUIRED_KEYS,
    list_models,
    next_version,
    read_metadata,
    resolve_model,
)
from feedback_nlp.classifiers.base import PREDICTION_COLUMNS, PRIMARY, Classifier
from feedback_nlp.classifiers.baseline import LEGACY_WEIGHTS_FILE, WEIGHTS_FILE, TfidfClassifier
from feedback_nlp.classifiers.loading import load_classifier
from feedback_nlp.classifiers.registry import ACTIVE_MODEL_KEY, activate, active_model, resolve_active
from feedback_nlp.datasets.corpus import demo_corpus
from feedback_nlp.errors import ConfigError, ModelNotFoundError, NoModelError
from feedback_nlp.evaluation import EvaluationReport
from feedback_nlp.store import Store
from feedback_nlp.taxonomy import Taxonomy
from feedback_nlp.text import Segmenter, normalise
from feedback_nlp.training import evaluate_model

#: Texts that name a clear fault, praise, a service complaint and nothing at all.
SAMPLE_TEXTS = [
    "空调不制冷，外机还有异响，师傅上门也没修好",
    "电视开不了机，客服态度很差",
    "物流很快，安装师傅很专业，非常满意",
    "洗衣机漏水",
    "",
]
OLD, NEW = "2024-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"
#: Smaller than the defaults so the extra models of single tests train in a second or two.
SMALL = {"char_ngram_range": (1, 2), "min_df": 3}


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter()


@pytest.fixture(scope="module")
def train_frame() -> pd.DataFrame:
    return demo_corpus(2500, seed=1)


@pytest.fixture(scope="module")
def test_frame() -> pd.DataFrame:
    return demo_corpus(400, seed=2)


@pytest.fixture(scope="module")
def model(train_frame: pd.DataFrame, segmenter: Segmenter) -> TfidfClassifier:
    return TfidfClassifier(segmenter=segmenter).fit(train_frame["text"].tolist(), train_frame)


@pytest.fixture(scope="module")
def report(model: TfidfClassifier, test_frame: pd.DataFrame) -> EvaluationReport:
    return evaluate_model(model, test_frame)


@pytest.fixture(scope="module")
def model_dir(model: TfidfClassifier, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two saved versions of the module's model: ``baseline@v1`` (older) and ``baseline@v2``."""
    root = tmp_path_factory.mktemp("models")
    model.save(root / "baseline" / "v1", created_at=OLD, metrics={"test_fault_micro_f1": 0.9})
    second = TfidfClassifier.load(root / "baseline" / "v1")
    second.version = "v2"
    second.save(root / "baseline" / "v2", created_at=NEW)
    return root


@pytest.fixture
def model_copy(model_dir: Path, tmp_path: Path) -> Path:
    """A private copy of ``baseline@v1`` to break."""
    return Path(shutil.copytree(model_dir / "baseline" / "v1", tmp_path / "models" / "baseline" / "v1"))


def edit_metadata(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    file = path / METADATA_FILE
    meta = json.loads(file.read_text(encoding="utf-8"))
    edit(meta)
    file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


# -- quality ----------------------------------------------------------------------------------
def test_quality_floors(report: EvaluationReport) -> None:
    summary = report.summary()
    assert summary["fault_micro_f1"] > 0.8, summary
    assert summary["sentiment_accuracy"] > 0.85, summary
    assert summary["primary_accuracy"] > 0.7, summary
    assert summary["aspects_micro_f1"] > 0.8, summary
    assert report.n == 400


# -- the Classifier contract ------------------------------------------------------------------
def test_satisfies_the_classifier_protocol(model: TfidfClassifier) -> None:
    assert isinstance(model, Classifier)
    assert model.name == "baseline"
    assert model.version == "v1"
    assert model.taxonomy_ == Taxonomy.default()


def test_init_stores_parameters_unchanged() -> None:
    clf = TfidfClassifier(name="x", version="v7", C=0.5, char_ngram_range=(2, 4))
    assert (clf.name, clf.version, clf.C, clf.char_ngram_range, clf.taxonomy) == ("x", "v7", 0.5, (2, 4), None)
    assert not hasattr(clf, "taxonomy_")


def test_predict_output_is_consistent(model: TfidfClassifier, test_frame: pd.DataFrame) -> None:
    texts = [*SAMPLE_TEXTS, *test_frame["text"].head(100)]
    predicted = model.predict(texts)
    assert list(predicted.columns) == list(PREDICTION_COLUMNS)
    assert len(predicted) == len(texts)
    taxonomy = model.taxonomy_
    for row in predicted.itertuples(index=False):
        assert row.fault_types, row
        assert set(row.fault_types) <= set(taxonomy.fault_types.codes)
        assert "none" not in row.fault_types or row.fault_types == ["none"], row
        assert row.primary_fault in row.fault_types
        assert row.sentiment in taxonomy.sentiment.codes
        assert set(row.aspects) <= set(taxonomy.aspects.codes)
        assert len(set(row.aspects)) == len(row.aspects)


def test_predict_obvious_texts(model: TfidfClassifier) -> None:
    predicted = model.predict(["洗衣机漏水，太失望了", "电视开不了机"])
    assert "leak" in predicted.loc[0, "fault_types"]
    assert predicted.loc[0, "sentiment"] == "negative"
    assert predicted.loc[1, "primary_fault"] == "power"


def test_predict_proba_columns_follow_taxonomy(model: TfidfClassifier) -> None:
    proba = model.predict_proba(SAMPLE_TEXTS)
    taxonomy = model.taxonomy_
    assert set(proba) == {"fault_types", "sentiment", "aspects", PRIMARY}
    for head in ("fault_types", "sentiment", "aspects"):
        assert list(proba[head].columns) == taxonomy.head(head).codes
        assert proba[head].shape == (len(SAMPLE_TEXTS), len(taxonomy.head(head)))
        values = proba[head].to_numpy()
        assert ((values >= 0) & (values <= 1)).all()
    assert list(proba[PRIMARY].columns) == taxonomy.fault_types.codes
    np.testing.assert_allclose(proba["sentiment"].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(proba[PRIMARY].sum(axis=1), 1.0, rtol=1e-5)


def test_empty_input(model: TfidfClassifier) -> None:
    predicted = model.predict([])
    assert list(predicted.columns) == list(PREDICTION_COLUMNS)
    assert len(predicted) == 0
    proba = model.predict_proba([])
    assert list(proba["fault_types"].columns) == model.taxonomy_.fault_types.codes
    assert len(proba["sentiment"]) == 0


def test_explicit_tokens_match_computed_ones(model: TfidfClassifier, segmenter: Segmenter) -> None:
    tokens = [segmenter.tokens(normalise(text)) for text in SAMPLE_TEXTS]
    given = model.predict_proba(SAMPLE_TEXTS, tokens=tokens)
    computed = model.predict_proba(SAMPLE_TEXTS)
    for head in computed:
        pd.testing.assert_frame_equal(given[head], computed[head])
    pd.testing.assert_frame_equal(model.predict(SAMPLE_TEXTS, tokens=tokens), model.predict(SAMPLE_TEXTS))


def test_token_count_must_match(model: TfidfClassifier) -> None:
    with pytest.raises(ValueError, match="2 texts but 1 token lists"):
        model.predict_proba(["漏水", "异响"], tokens=[["漏水"]])


def test_unfitted_model_raises() -> None:
    with pytest.raises(ConfigError, match="not fitted"):
        TfidfClassifier().predict(["漏水"])


def test_fit_rejects_mismatched_lengths(train_frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="X has 3 texts but y has 5 rows"):
        TfidfClassifier().fit(["a", "b", "c"], train_frame.head(5))
    # Without a text column in y the mismatch is still refused (pandas' message, before fit's own check).
    with pytest.raises(ValueError):
        TfidfClassifier().fit(["a", "b", "c"], train_frame.head(5).drop(columns=["text"]))


def test_thresholds_and_calibration(model: TfidfClassifier) -> None:
    assert model.thresholds_["fault_types"].shape == (13,)
    assert model.thresholds_["aspects"].shape == (7,)
    assert set(model.calibration_) == {"fault_types", "sentiment", "aspects"}
    # Logistic regression is fitted by likelihood: its probabilities should be roughly calibrated.
    assert all(0 <= ece < 0.1 for ece in model.calibration_.values()), model.calibration_


# -- persistence ------------------------------------------------------------------------------
def test_save_and_load_give_identical_probabilities(model: TfidfClassifier, model_dir: Path) -> None:
    loaded = load_classifier(model_dir / "baseline" / "v1")
    assert isinstance(loaded, TfidfClassifier)
    assert isinstance(loaded, Classifier)
    assert (loaded.name, loaded.version) == ("baseline", "v1")
    assert loaded.taxonomy_ == model.taxonomy_
    original, again = model.predict_proba(SAMPLE_TEXTS), loaded.predict_proba(SAMPLE_TEXTS)
    assert set(again) == set(original)
    for head in original:
        pd.testing.assert_frame_equal(again[head], original[head], check_exact=True)
    for head, values in model.thresholds_.items():
        np.testing.assert_allclose(loaded.thresholds_[head], values, atol=1e-4)
    pd.testing.assert_frame_equal(loaded.predict(SAMPLE_TEXTS), model.predict(SAMPLE_TEXTS))


def test_load_uses_the_given_segmenter(model_dir: Path, segmenter: Segmenter) -> None:
    assert load_classifier(model_dir / "baseline" / "v1", segmenter=segmenter).segmenter is segmenter


def test_metadata_contents(model: TfidfClassifier, model_dir: Path) -> None:
    meta = json.loads((model_dir / "baseline" / "v1" / METADATA_FILE).read_text(encoding="utf-8"))
    for key in (*REQUIRED_KEYS, "n_train", "calibration_ece"):
        assert key in meta, key
    assert (meta["name"], meta["version"], meta["kind"]) == ("baseline", "v1", "tfidf-linear")
    assert meta["created_at"] == OLD
    assert meta["metrics"] == {"test_fault_micro_f1": 0.9}
    taxonomy = Taxonomy.default()
    assert Taxonomy.from_dict(meta["taxonomy"]) == taxonomy
    assert meta["labels"] == {head: taxonomy.head(head).codes for head in taxonomy.active_heads}
    assert {head: len(values) for head, values in meta["thresholds"].items()} == {"fault_types": 13, "aspects": 7}
    assert set(meta["n_train"]) == {"fault_types", "sentiment", "aspects", PRIMARY}
    assert all(n > 1500 for n in meta["n_train"].values())
    assert meta["n_train"]["fault_types"] + meta["n_valid"] == 2500
    assert "scikit-learn" in meta["library_versions"]
    # Chinese names stay readable in the file.
    assert "电源/无法开机" in (model_dir / "baseline" / "v1" / METADATA_FILE).read_text(encoding="utf-8")
    assert read_metadata(model_dir / "baseline" / "v1") == meta


def test_missing_metadata_raises(model_copy: Path) -> None:
    (model_copy / METADATA_FILE).unlink()
    with pytest.raises(ConfigError, match="metadata.json is missing"):
        load_classifier(model_copy)
    with pytest.raises(ConfigError, match="not a model directory"):
        TfidfClassifier.load(model_copy)


def test_corrupt_metadata_raises(model_copy: Path) -> None:
    (model_copy / METADATA_FILE).write_text('{"name": "baseline", "vers', encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable model metadata"):
        load_classifier(model_copy)


@pytest.mark.parametrize("key", ["labels", "thresholds", "taxonomy", "kind"])
def test_metadata_without_a_required_key_raises(model_copy: Path, key: str) -> None:
    edit_metadata(model_copy, lambda meta: meta.pop(key))
    with pytest.raises(ConfigError, match=f"lacks {key}"):
        load_classifier(model_copy)


def test_metadata_labels_must_match_taxonomy(model_copy: Path) -> None:
    edit_metadata(model_copy, lambda meta: meta["labels"]["sentiment"].reverse())
    with pytest.raises(ConfigError, match="labels of sentiment .* do not match its taxonomy"):
        load_classifier(model_copy)


def test_unknown_kind_raises(model_copy: Path) -> None:
    edit_metadata(model_copy, lambda meta: meta.update(kind="fasttext"))
    with pytest.raises(ConfigError, match="unknown model kind 'fasttext'"):
        load_classifier(model_copy)
    with pytest.raises(ConfigError, match="holds a 'fasttext' model"):
        TfidfClassifier.load(model_copy)


def test_weights_saved_by_earlier_versions_still_load(model_copy: Path, test_frame: pd.DataFrame) -> None:
    import gzip
    import pickle

    import joblib

    texts = test_frame["text"].tolist()[:30]
    expected = load_classifier(model_copy).predict_proba(texts)
    with gzip.open(model_copy / WEIGHTS_FILE, "rb") as stream:
        state = pickle.load(stream)
    joblib.dump(state, model_copy / LEGACY_WEIGHTS_FILE, compress=3)  # what models saved before 2026-12 hold
    (model_copy / WEIGHTS_FILE).unlink()
    got = load_classifier(model_copy).predict_proba(texts)
    for head, frame in expected.items():
        assert np.array_equal(got[head].to_numpy(), frame.to_numpy()), head


def test_missing_weights_raise(model_copy: Path) -> None:
    (model_copy / WEIGHTS_FILE).unlink()
    with pytest.raises(ConfigError, match="model.pkl.gz is missing"):
        load_classifier(model_copy)


def test_corrupt_weights_raise_config_error(model_copy: Path) -> None:
    (model_copy / WEIGHTS_FILE).write_bytes(b"not a gzip file")
    with pytest.raises(ConfigError, match="model.pkl.gz"):
        load_classifier(model_copy)


# -- partial labels and user taxonomies -------------------------------------------------------
def test_partial_labels_train_each_head_on_its_known_rows(
    train_frame: pd.DataFrame, test_frame: pd.DataFrame, segmenter: Segmenter
) -> None:
    frame = train_frame.head(800).reset_index(drop=True)
    half = len(frame) // 2
    frame["sentiment"] = [None] * half + frame["sentiment"].tolist()[half:]
    frame["fault_types"] = frame["fault_types"].tolist()[:half] + [None] * (len(frame) - half)
    frame["primary_fault"] = frame["primary_fault"].tolist()[:half] + [None] * (len(frame) - half)
    valid = test_frame.head(200)
    clf = TfidfClassifier(segmenter=segmenter, **SMALL).fit(
        frame["text"].tolist(), frame, X_valid=valid["text"].tolist(), y_valid=valid
    )
    assert clf.n_train_ == {"fault_types": half, "sentiment": half, "aspects": len(frame), PRIMARY: half}
    summary = evaluate_model(clf, test_frame.tail(200)).summary()
    assert summary["fault_micro_f1"] > 0.6, summary
    assert summary["sentiment_accuracy"] > 0.7, summary


def test_partial_labels_with_internal_validation_split(train_frame: pd.DataFrame, segmenter: Segmenter) -> None:
    frame = train_frame.head(600).reset_index(drop=True)
    frame["sentiment"] = [None if i % 2 else s for i, s in enumerate(frame["sentiment"])]
    clf = TfidfClassifier(segmenter=segmenter, validation_fraction=0.2, **SMALL).fit(frame["text"].tolist(), frame)
    assert clf.n_train_["fault_types"] + clf.n_valid_ == len(frame)
    assert clf.n_train_["sentiment"] < 0.6 * clf.n_train_["fault_types"]
    assert clf.predict(["漏水"])["sentiment"].iloc[0] in {"negative", "neutral", "positive"}


def test_head_without_any_known_row_raises(train_frame: pd.DataFrame, segmenter: Segmenter) -> None:
    frame = train_frame.head(300).assign(aspects=None)
    with pytest.raises(ConfigError, match="no training row labels aspects"):
        TfidfClassifier(segmenter=segmenter, **SMALL).fit(frame["text"].tolist(), frame)


def test_fault_only_user_taxonomy(
    train_frame: pd.DataFrame, test_frame: pd.DataFrame, segmenter: Segmenter, tmp_path: Path
) -> None:
    codes = ["power", "noise", "leak"]
    taxonomy = Taxonomy.from_dict(
        {"name": "three-faults", "version": "2", "fault_types": [{"code": c, "name_zh": c.upper()} for c in codes]}
    )

    def only_these(frame: pd.DataFrame) -> pd.DataFrame:
        keep = frame["fault_types"].map(lambda ft: bool(ft) and set(ft) <= set(codes))
        return frame.loc[keep, ["text", "fault_types", "primary_fault"]].reset_index(drop=True)

    train, test = only_these(train_frame), only_these(test_frame)
    assert len(train) > 200 and len(test) > 20
    clf = TfidfClassifier(taxonomy, name="faults", segmenter=segmenter, **SMALL).fit(train["text"].tolist(), train)
    assert clf.taxonomy_.active_heads == ["fault_types"]

    proba = clf.predict_proba(test["text"].tolist())
    assert set(proba) == {"fault_types", PRIMARY}
    assert list(proba["fault_types"].columns) == codes
    predicted = clf.predict(test["text"].tolist())
    assert predicted["sentiment"].isna().all()
    assert predicted["aspects"].map(len).eq(0).all()
    assert predicted["fault_types"].map(lambda ft: bool(ft) and set(ft) <= set(codes)).all()
    assert all(p in ft for p, ft in zip(predicted["primary_fault"], predicted["fault_types"], strict=True))
    summary = evaluate_model(clf, test).summary()
    assert summary["fault_micro_f1"] > 0.8, summary
    assert "sentiment_accuracy" not in summary

    path = clf.save(tmp_path / "faults" / "v1")
    meta = read_metadata(path)
    assert meta["labels"] == {"fault_types": codes}
    assert set(meta["thresholds"]) == {"fault_types", "aspects"}
    loaded = load_classifier(path, segmenter=segmenter)
    assert loaded.taxonomy_ == taxonomy
    assert loaded.taxonomy_.fingerprint() == taxonomy.fingerprint()
    pd.testing.assert_frame_equal(loaded.predict(test["text"].tolist()), predicted)


# -- artifacts: listing and resolving ---------------------------------------------------------
def test_list_models_newest_first(model_dir: Path) -> None:
    infos = list_models(model_dir)
    assert [info.ref for info in infos] == ["baseline@v2", "baseline@v1"]
    newest = infos[0]
    assert newest.path == model_dir / "baseline" / "v2"
    assert (newest.kind, newest.created_at, newest.taxonomy) == ("tfidf-linear", NEW, "default@1")
    assert infos[1].metrics == {"test_fault_micro_f1": 0.9}


def test_list_models_skips_broken_directories(model_dir: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(model_dir, tmp_path / "models"))
    (root / "broken" / "v1").mkdir(parents=True)
    (root / "broken" / "v1" / METADATA_FILE).write_text("{", encoding="utf-8")
    (root / "empty" / "v1").mkdir(parents=True)
    assert [info.ref for info in list_models(root)] == ["baseline@v2", "baseline@v1"]
    assert list_models(tmp_path / "nowhere") == []


def test_resolve_model(model_dir: Path) -> None:
    v1, v2 = model_dir / "baseline" / "v1", model_dir / "baseline" / "v2"
    assert resolve_model(None, model_dir) == v2
    assert resolve_model("baseline", model_dir) == v2
    assert resolve_model("baseline@v1", model_dir) == v1
    assert resolve_model("baseline@v2", model_dir) == v2
    assert resolve_model(v1, model_dir) == v1
    assert resolve_model(str(v1), "/nonexistent") == v1
    assert resolve_model(None, model_dir, active="baseline@v1") == v1


@pytest.mark.parametrize("ref", ["other", "baseline@v9"])
def test_resolve_unknown_model_lists_known(model_dir: Path, ref: str) -> None:
    with pytest.raises(ModelNotFoundError, match="known: baseline@v1, baseline@v2") as info:
        resolve_model(ref, model_dir)
    assert repr(ref) in str(info.value)


def test_resolve_in_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(NoModelError, match="no model in"):
        resolve_model(None, tmp_path)
    with pytest.raises(ModelNotFoundError, match=r"known: none"):
        resolve_model("baseline", tmp_path)


def test_next_version(model_dir: Path, tmp_path: Path) -> None:
    assert next_version(model_dir, "baseline") == "v3"
    assert next_version(model_dir, "other") == "v1"
    assert next_version(tmp_path / "nowhere", "baseline") == "v1"
    (tmp_path / "m" / "v9").mkdir(parents=True)
    (tmp_path / "m" / "v10").mkdir()
    (tmp_path / "m" / "vlatest").mkdir()
    assert next_version(tmp_path, "m") == "v11"


def test_newest_of_versions_saved_in_the_same_second(model_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    for version in ("v1", "v2"):
        folder = root / "baseline" / version
        folder.mkdir(parents=True)
        shutil.copy(model_dir / "baseline" / "v1" / METADATA_FILE, folder / METADATA_FILE)
        edit_metadata(folder, lambda meta, version=version: meta.update(version=version, created_at=OLD))
    assert resolve_model(None, root) == root / "baseline" / "v2"
    assert resolve_model("baseline", root) == root / "baseline" / "v2"


# -- registry: the active model ---------------------------------------------------------------
def test_activate_and_resolve_active(model_dir: Path, store: Store) -> None:
    v1, v2 = model_dir / "baseline" / "v1", model_dir / "baseline" / "v2"
    assert active_model(store) is None
    assert resolve_active(None, model_dir, store) == v2

    info = activate(store, "baseline@v1", model_dir)
    assert info.ref == "baseline@v1"
    assert info.path == v1
    assert store.get_state(ACTIVE_MODEL_KEY) == "baseline@v1"
    assert active_model(store) == "baseline@v1"
    assert resolve_active(None, model_dir, store) == v1
    # An explicit reference wins over the active model.
    assert resolve_active("baseline@v2", model_dir, store) == v2
    assert resolve_active("baseline", model_dir, store) == v2

    assert activate(store, "baseline", model_dir).ref == "baseline@v2"
    assert resolve_active(None, model_dir, store) == v2
    assert activate(store, str(v1), model_dir).ref == "baseline@v1"
    assert store.get_state(ACTIVE_MODEL_KEY) == "baseline@v1"


def test_active_model_survives_reopening_the_store(model_dir: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        activate(store, "baseline@v1", model_dir)
    with Store(tmp_path / "store.duckdb") as store:
        assert resolve_active(None, model_dir, store) == model_dir / "baseline" / "v1"


def test_without_a_store_the_newest_is_used(model_dir: Path) -> None:
    assert active_model(None) is None
    assert resolve_active(None, model_dir, None) == model_dir / "baseline" / "v2"


def test_activate_unknown_model_raises(model_dir: Path, store: Store) -> None:
    with pytest.raises(ModelNotFoundError, match="known: baseline@v1, baseline@v2"):
        activate(store, "nope@v1", model_dir)
    assert active_model(store) is None


def test_activate_outside_the_model_folder_raises(model_copy: Path, model_dir: Path, store: Store) -> None:
    with pytest.raises(ConfigError, match="not under the model folder"):
        activate(store, str(model_copy), model_dir)
    assert active_model(store) is None


def test_stale_active_model_raises(model_dir: Path, store: Store) -> None:
    store.set_state(ACTIVE_MODEL_KEY, "baseline@v7")
    with pytest.raises(ModelNotFoundError, match="'baseline@v7' not found"):
        resolve_active(None, model_dir, store)


def test_a_newer_transformer_is_not_the_default_until_activated(model_dir: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(model_dir, tmp_path / "models"))
    meta = json.loads((root / "baseline" / "v2" / METADATA_FILE).read_text(encoding="utf-8"))
    newer = {
        **meta,
        "name": "fine-tuned",
        "version": "v1",
        "kind": "transformer",
        "created_at": "2099-01-01T00:00:00+00:00",
    }
    (root / "fine-tuned" / "v1").mkdir(parents=True)
    (root / "fine-tuned" / "v1" / METADATA_FILE).write_text(json.dumps(newer), encoding="utf-8")
    assert list_models(root)[0].ref == "fine-tuned@v1"
    assert resolve_model(None, root) == root / "baseline" / "v2"
    assert resolve_model(None, root, active="fine-tuned@v1") == root / "fine-tuned" / "v1"


def test_fits_in_worker_processes_give_the_same_model(
    train_frame: pd.DataFrame, segmenter: Segmenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedback_nlp.classifiers import baseline

    frame = train_frame.head(600)
    texts = frame["text"].tolist()
    one = TfidfClassifier(segmenter=segmenter, n_jobs=1).fit(texts, frame)
    monkeypatch.setattr(baseline, "PARALLEL_MIN_ROWS", 1)  # small data would otherwise stay in-process
    monkeypatch.setattr(baseline, "MEMMAP_MIN_BYTES", 1)  # and reach the workers as writable copies
    two = TfidfClassifier(segmenter=segmenter, n_jobs=2).fit(texts, frame)
    assert set(one.heads_) == set(two.heads_) == {"fault_types", "sentiment", "aspects", PRIMARY}
    for head, weights in one.heads_.items():
        assert np.array_equal(weights.coef, two.heads_[head].coef), head
        assert np.array_equal(weights.intercept, two.heads_[head].intercept), head
