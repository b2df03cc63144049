"""Taxonomy: the shipped default, user files (YAML and JSON), validation errors, fingerprints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from feedback_nlp.errors import ConfigError
from feedback_nlp.taxonomy import DEFAULT_TAXONOMY_PATH, HEADS, Taxonomy

DEFAULT_FAULT_CODES = [
    "power",
    "display",
    "battery",
    "noise",
    "leak",
    "temperature",
    "software",
    "function",
    "appearance",
    "safety",
    "accessory",
    "installation",
    "none",
]
DEFAULT_ASPECT_CODES = ["response", "attitude", "professionalism", "cost", "parts", "communication", "logistics"]
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def user_taxonomy_dict(**overrides: Any) -> dict[str, Any]:
    """A small valid taxonomy for a car dealer (4S店); keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "name": "car-4s",
        "version": "3",
        "description": "4S店售后",
        "fault_types": {
            "none_code": "ok",
            "labels": [
                {"code": "engine", "name_zh": "发动机", "description": "engine faults", "examples": ["打不着火"]},
                {"code": "gearbox", "name_zh": "变速箱", "examples": ["顿挫"]},
                {"code": "ok", "name_zh": "无故障"},
            ],
        },
        "sentiment": {"labels": [{"code": "bad", "name_zh": "差评"}, {"code": "good", "name_zh": "好评"}]},
        "aspects": {"labels": [{"code": "wait", "name_zh": "等待"}]},
    }
    data.update(overrides)
    return data


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# -- the default ------------------------------------------------------------------------
def test_default_taxonomy_matches_the_spec() -> None:
    taxonomy = Taxonomy.default()
    assert taxonomy.name == "default"
    assert taxonomy.fault_types.codes == DEFAULT_FAULT_CODES
    assert taxonomy.fault_types.none_code == "none"
    assert taxonomy.sentiment.codes == ["negative", "neutral", "positive"]
    assert taxonomy.sentiment.none_code is None
    assert taxonomy.aspects.codes == DEFAULT_ASPECT_CODES
    assert taxonomy.active_heads == list(HEADS)


def test_default_taxonomy_has_chinese_names() -> None:
    taxonomy = Taxonomy.default()
    for head in HEADS:
        for label in taxonomy.head(head).labels:
            assert _HAS_CJK.search(label.name_zh), f"{head}.{label.code} has no Chinese name"
    assert taxonomy.name_zh("fault_types", "power") == "电源/无法开机"
    assert taxonomy.name_zh("sentiment", "negative") == "负面"
    assert taxonomy.name_zh("aspects", "logistics") == "物流配送"
    # An unknown code shows as itself rather than failing a report.
    assert taxonomy.name_zh("aspects", "unknown-code") == "unknown-code"


def test_default_is_loaded_from_the_shipped_file() -> None:
    assert DEFAULT_TAXONOMY_PATH.is_file()
    assert Taxonomy.load(DEFAULT_TAXONOMY_PATH) == Taxonomy.default()


def test_head_rejects_an_unknown_head() -> None:
    with pytest.raises(KeyError, match="fault_types"):
        Taxonomy.default().head("faults")


# -- user files -------------------------------------------------------------------------
def test_user_yaml_loads(tmp_path: Path) -> None:
    taxonomy = Taxonomy.load(write_yaml(tmp_path / "car.yaml", user_taxonomy_dict()))
    assert taxonomy.label == "car-4s@3"
    assert taxonomy.description == "4S店售后"
    assert taxonomy.fault_types.codes == ["engine", "gearbox", "ok"]
    assert taxonomy.fault_types.none_code == "ok"
    assert taxonomy.sentiment.codes == ["bad", "good"]
    assert taxonomy.aspects.codes == ["wait"]
    engine = taxonomy.fault_types.labels[0]
    assert (engine.name_zh, engine.description, engine.examples) == ("发动机", "engine faults", ("打不着火",))
    assert "gearbox" in taxonomy.fault_types
    assert "power" not in taxonomy.fault_types


def test_user_json_loads(tmp_path: Path) -> None:
    path = tmp_path / "car.json"
    path.write_text(json.dumps(user_taxonomy_dict(), ensure_ascii=False), encoding="utf-8")
    assert Taxonomy.load(path) == Taxonomy.from_dict(user_taxonomy_dict())


def test_short_forms_plain_code_lists(tmp_path: Path) -> None:
    """A head may be a bare list, and a label a bare code."""
    text = "name: short\nfault_types: [a, b]\nsentiment:\n  labels: [neg, pos]\n"
    path = tmp_path / "short.yml"
    path.write_text(text, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.version == "1"
    assert taxonomy.fault_types.codes == ["a", "b"]
    assert taxonomy.fault_types.none_code is None
    assert taxonomy.sentiment.codes == ["neg", "pos"]
    # Without a Chinese name, people see the code.
    assert taxonomy.name_zh("fault_types", "a") == "a"


def test_fault_only_taxonomy(tmp_path: Path) -> None:
    data = {"name": "faults-only", "fault_types": {"labels": [{"code": "engine"}, {"code": "brakes"}]}}
    taxonomy = Taxonomy.load(write_yaml(tmp_path / "faults.yaml", data))
    assert taxonomy.active_heads == ["fault_types"]
    assert len(taxonomy.sentiment) == 0
    assert taxonomy.aspects.codes == []


def test_sentiment_only_taxonomy() -> None:
    taxonomy = Taxonomy.from_dict({"name": "s", "sentiment": ["neg", "neu", "pos"]})
    assert taxonomy.active_heads == ["sentiment"]


# -- errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"name": ""}, r"'name' is required", id="missing-name"),
        pytest.param(
            {"fault_types": {"labels": [{"code": "engine"}, {"code": "engine"}]}},
            r"fault_types has the code 'engine' twice",
            id="duplicate-code",
        ),
        pytest.param(
            {"fault_types": {"labels": [{"code": "engine"}, {"code": "发动机"}]}},
            r"fault_types\.labels\[1\] has code '发动机'.*ASCII",
            id="non-ascii-code",
        ),
        pytest.param(
            {"aspects": {"labels": [{"name_zh": "等待"}]}},
            r"aspects\.labels\[0\] has code ''",
            id="missing-code",
        ),
        pytest.param(
            {"fault_types": {"none_code": "none", "labels": [{"code": "engine"}, {"code": "ok"}]}},
            r"fault_types\.none_code 'none' is not one of its codes",
            id="none-code-not-a-code",
        ),
        pytest.param(
            {"sentiment": {"labels": [{"code": "bad"}]}},
            r"sentiment needs at least two labels",
            id="single-label-sentiment",
        ),
        pytest.param(
            {"sentiment": {"none_code": "bad", "labels": ["bad", "good"]}},
            r"none_code is only meaningful for fault_types",
            id="none-code-on-sentiment",
        ),
        pytest.param({"aspects": {"codes": ["wait"]}}, r"aspects must have a 'labels' list", id="no-labels-list"),
        pytest.param({"aspects": {"labels": [42.5]}}, r"aspects\.labels\[0\] must be a mapping", id="not-a-label"),
        pytest.param(
            {"fault_types": None, "sentiment": None, "aspects": None},
            r"needs labels for at least one of fault_types, sentiment, aspects",
            id="no-heads",
        ),
        pytest.param(
            {"fault_types": {"labels": []}, "sentiment": None, "aspects": {"labels": []}},
            r"needs labels for at least one",
            id="empty-heads",
        ),
    ],
)
def test_invalid_taxonomy_raises_config_error(tmp_path: Path, overrides: dict[str, Any], message: str) -> None:
    path = write_yaml(tmp_path / "bad.yaml", user_taxonomy_dict(**overrides))
    with pytest.raises(ConfigError, match=message) as info:
        Taxonomy.load(path)
    # The message names the file it came from, so a user knows which one to fix.
    assert str(path) in str(info.value)


def test_from_dict_names_its_source() -> None:
    with pytest.raises(ConfigError, match=r"^model x@1: 'name' is required"):
        Taxonomy.from_dict({"fault_types": ["a"]}, source="model x@1")


def test_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- power\n- noise\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        Taxonomy.load(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match="cannot read taxonomy file") as info:
        Taxonomy.load(path)
    assert str(path) in str(info.value)


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read taxonomy file"):
        Taxonomy.load(tmp_path)


def test_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 默认\nfault_types: [a]\n".encode("gbk"))
    with pytest.raises(ConfigError, match="gbk.yaml"):
        Taxonomy.load(path)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nfault_types: [power, noise\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML") as info:
        Taxonomy.load(path)
    assert str(path) in str(info.value)


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "broken", "fault_types": [', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        Taxonomy.load(path)


def test_config_error_is_a_feedback_nlp_error() -> None:
    from feedback_nlp import FeedbackNLPError

    with pytest.raises(FeedbackNLPError):
        Taxonomy.from_dict({"name": "x"})


# -- fingerprint and round trip -----------------------------------------------------------
def test_fingerprint_depends_on_codes_only() -> None:
    base = Taxonomy.from_dict(user_taxonomy_dict())
    renamed = user_taxonomy_dict(name="other", version="9", description="")
    renamed["fault_types"]["labels"][0] = {"code": "engine", "name_zh": "引擎", "description": "changed"}
    assert Taxonomy.from_dict(renamed).fingerprint() == base.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{12}", base.fingerprint())


def test_fingerprint_changes_with_order() -> None:
    base = Taxonomy.from_dict(user_taxonomy_dict())
    reordered = user_taxonomy_dict()
    reordered["fault_types"]["labels"] = list(reversed(reordered["fault_types"]["labels"]))
    assert Taxonomy.from_dict(reordered).fingerprint() != base.fingerprint()


def test_fingerprint_changes_with_codes_and_none_code() -> None:
    base = Taxonomy.from_dict(user_taxonomy_dict())
    added = user_taxonomy_dict(aspects={"labels": ["wait", "price"]})
    assert Taxonomy.from_dict(added).fingerprint() != base.fingerprint()
    without_none = user_taxonomy_dict()
    del without_none["fault_types"]["none_code"]
    assert Taxonomy.from_dict(without_none).fingerprint() != base.fingerprint()


def test_to_dict_from_dict_round_trip() -> None:
    for taxonomy in (Taxonomy.default(), Taxonomy.from_dict(user_taxonomy_dict())):
        data = taxonomy.to_dict()
        again = Taxonomy.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
        assert again == taxonomy
        assert again.fingerprint() == taxonomy.fingerprint()
        assert again.to_dict() == data


def test_to_dict_keeps_every_head_and_none_code() -> None:
    data = Taxonomy.from_dict({"name": "f", "fault_types": ["a", "b"]}).to_dict()
    assert set(data) == {"name", "version", "description", *HEADS}
    assert data["sentiment"] == {"labels": []}
    assert "none_code" not in data["fault_types"]
    assert Taxonomy.default().to_dict()["fault_types"]["none_code"] == "none"


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    taxonomy = Taxonomy.default()
    path = write_yaml(tmp_path / "copy.yaml", taxonomy.to_dict())
    assert Taxonomy.load(path) == taxonomy
