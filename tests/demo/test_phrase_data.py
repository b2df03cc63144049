"""The demo's phrase banks and catalogue are data files: what the modules expose is what the
files say, with the types callers rely on, and the generated demo is the one the tables
gave when they were Python literals."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from types import MappingProxyType

import pandas as pd
import pytest
import yaml

from feedback_nlp.demo import banks, catalog, datafiles, phrases, phrases_faults
from feedback_nlp.demo.tables import generate_demo_data
from feedback_nlp.demo.text import FAULT_CODES, TextGenerator
from feedback_nlp.errors import ConfigError

# --------------------------------------------------------------------------- helpers


def _canon(x: object) -> object:
    """JSON-able form of a table that keeps types and order; a multi-line str becomes its stripped lines.

    (The pre-move banks were indented triple-quoted strings, the YAML blocks are not indented:
    the generator reads either one fragment a stripped line, so that is what is compared.)
    """
    if isinstance(x, str):
        return {"block": [line.strip() for line in x.splitlines() if line.strip()]} if "\n" in x else x
    if isinstance(x, bool | int | float) or x is None:
        return x
    if isinstance(x, tuple):
        return {"tuple": [_canon(v) for v in x]}
    if isinstance(x, list):
        return {"list": [_canon(v) for v in x]}
    if isinstance(x, frozenset):
        return {"frozenset": sorted(json.dumps(_canon(v), ensure_ascii=False) for v in x)}
    if isinstance(x, MappingProxyType):
        return {"mappingproxy": [[_canon(k), _canon(v)] for k, v in x.items()]}
    if isinstance(x, dict):
        return {"dict": [[_canon(k), _canon(v)] for k, v in x.items()]}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {type(x).__name__: [[f.name, _canon(getattr(x, f.name))] for f in dataclasses.fields(x)]}
    raise TypeError(type(x))


def _d16(obj: object) -> str:
    return hashlib.sha256(json.dumps(_canon(obj), ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()[:16]


def _text16(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()[:16]


def _as_yaml(x: object) -> object:
    """What a value looks like as parsed YAML: tuples are lists, read-only mappings are dicts."""
    if isinstance(x, tuple | list):
        return [_as_yaml(v) for v in x]
    if isinstance(x, dict | MappingProxyType):
        return {k: _as_yaml(v) for k, v in x.items()}
    return x


def _dumps(x: object) -> str:
    return json.dumps(x, ensure_ascii=False)


# ------------------------------------------------------- the modules say what the files say


@pytest.mark.parametrize("module", [phrases, phrases_faults], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_phrase_tables_equal_a_fresh_parse_of_their_file(module) -> None:
    raw = datafiles.read_data(module.DATA_FILE)
    assert sorted(raw) == sorted(name.lower() for name in module.__all__)  # no table missing, none unused
    for name in module.__all__:
        value = getattr(module, name)
        assert _as_yaml(value) == raw[name.lower()], name
        assert _dumps(_as_yaml(value)) == _dumps(raw[name.lower()]), name  # and in the file's order


def test_phrase_tables_keep_their_types() -> None:
    assert all(type(v) is tuple and all(type(n) is str for n in v) for v in phrases.PRODUCT_NOUNS.values())
    assert type(phrases.EMOJI) is tuple and all(type(e) is str for e in phrases.EMOJI)
    assert type(phrases.TYPOS) is tuple and all(type(p) is tuple and len(p) == 2 for p in phrases.TYPOS)
    blocks = [phrases.MODEL_MENTIONS, phrases.SCORE, *phrases.OPENERS.values(), *phrases.PRAISE.values()]
    blocks += [b for scopes in phrases_faults.SYMPTOMS.values() for b in scopes.values()]
    blocks += [b for scopes in phrases.SERVICE_NEG.values() for b in scopes.values()]
    assert all(type(b) is str and b.endswith("\n") for b in blocks)
    # ``#code`` inside a block is text, not a YAML comment: the labels survived the move.
    assert "说好免费安装，结果又收了一堆材料费 #professionalism" in phrases.SERVICE_NEG["cost"]["any"]
    assert all(type(w) is str and w for scopes in phrases_faults.NEGATION_SYMPTOMS.values() for w in scopes.values())


def test_catalogue_equals_a_fresh_parse_of_its_file() -> None:
    raw = datafiles.read_data(catalog.DATA_FILE)
    assert list(raw) == ["product_lines"]
    lines = [_as_yaml({f.name: getattr(p, f.name) for f in dataclasses.fields(p)}) for p in catalog.PRODUCT_LINES]
    assert lines == raw["product_lines"]
    assert _dumps(lines) == _dumps(raw["product_lines"])  # lines and fault weights in the file's order
    for p in catalog.PRODUCT_LINES:
        assert type(p.models) is tuple and type(p.fault_weights) is MappingProxyType
        assert type(p.price_range) is tuple and all(type(x) is float for x in p.price_range)
        assert all(type(w) is float for w in p.fault_weights.values())
        assert set(p.fault_weights) <= set(FAULT_CODES[:-1])


@pytest.mark.parametrize("name", ["phrases.yaml", "phrases_faults.yaml", "catalog.yaml"])
def test_libyaml_and_pure_python_loaders_agree(name: str) -> None:
    text = (datafiles.DATA_DIR / name).read_text(encoding="utf-8")
    assert yaml.load(text, Loader=yaml.SafeLoader) == datafiles.read_data(name)


def test_loader_is_cached_and_reports_a_broken_install(tmp_path, monkeypatch) -> None:
    assert datafiles.load_data("phrases.yaml") is datafiles.load_data("phrases.yaml")
    assert datafiles.read_data("phrases.yaml") is not datafiles.load_data("phrases.yaml")
    monkeypatch.setattr(datafiles, "DATA_DIR", tmp_path)
    with pytest.raises(ConfigError, match="cannot be read"):
        datafiles.read_data("phrases.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        datafiles.read_data("list.yaml")
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        datafiles.read_data("bad.yaml")


# ------------------------------------------------- the same tables and demo as before the move

# Digests of the tables and of the generated demo, computed from the pre-move code (commit
# 8475c84, where these tables were Python literals in phrases.py, phrases_faults.py, catalog.py
# and text.py) with the same _canon/_d16 as above: sha256, first 16 hex digits. They may be
# recomputed only from that code (or from code shown to generate the same demo), never from
# the code under test. A pandas release that writes CSV differently changes the demo digests
# without any change here; check the table digests first.
PRE_MOVE_TABLES: dict[str, str] = {
    "phrases.PRODUCT_NOUNS": "427ba43dc8e22aa3",
    "phrases.OPENERS": "b984eb0255baed33",
    "phrases.TIMES": "0ba2647766895861",
    "phrases.MODEL_MENTIONS": "b35a8d0af88a9dd9",
    "phrases.CONNECTORS": "92dad131e335d1b0",
    "phrases.EMPHASIS": "0ab966d936e82678",
    "phrases.FREQUENCY": "b3f4e4a037a83f82",
    "phrases.EMOTIONS": "15a6d1bb51670bb5",
    "phrases.DEMANDS": "197e21d87596ffb0",
    "phrases.CLOSERS": "4680b87d226068b9",
    "phrases.SERVICE_NEG": "8421179ca989b919",
    "phrases.SERVICE_POS": "b01f388d50095535",
    "phrases.HISTORY": "d0d389069b475acc",
    "phrases.UNSPECIFIED": "059d51da7c7212b5",
    "phrases.PRAISE": "cd770366a0010189",
    "phrases.REVIEW_POS_CLOSERS": "91b48eb6660b4c55",
    "phrases.REVIEW_NEUTRAL": "7715735a53fef16d",
    "phrases.REVIEW_NEG_CLOSERS": "149c76e149ee583f",
    "phrases.REVIEW_BUTS": "ab6257ee99daee9f",
    "phrases.RESOLVED_FIXES": "ff7fe94c4a6bcd46",
    "phrases.FOLLOWUP_UNREACHED": "c418399c500deb4c",
    "phrases.FOLLOWUP_PREFIXES": "fc7a1f79fdd2c7cc",
    "phrases.FOLLOWUP_RESOLVED": "4f5cff99d48c257a",
    "phrases.FOLLOWUP_UNRESOLVED": "c51917629f9f2d57",
    "phrases.FOLLOWUP_NONE": "dc9ae4240bb242b9",
    "phrases.ATTITUDE": "e7907028eca6a9c4",
    "phrases.SCORE": "d00602148a5b7c4f",
    "phrases.EMOJI": "ae977c29f6d759c6",
    "phrases.TYPOS": "323315eab484516f",
    "phrases.STORY": "fdd3072de08561eb",
    "phrases.REVIEW_STORY": "c4e8df4336826ffd",
    "phrases.AGENT_NOTES": "64897c4e14d52380",
    "phrases_faults.SYMPTOMS": "cc5309fba1dbb3d2",
    "phrases_faults.SHORT_SYMPTOMS": "a62b977a0b455f49",
    "phrases_faults.CONSEQUENCES": "fd987d50f95e7261",
    "phrases_faults.NEGATION_COMPONENTS": "46285debc7c1c1f7",
    "phrases_faults.NEGATION_SYMPTOMS": "fd295d09b568a707",
    "catalog.PRODUCT_LINES": "6f8a9b9574a4eff3",
}
PRE_MOVE_POOLS = "db7a6817c8cfc0a9"
PRE_MOVE_DEMO_600_SEED0: dict[str, str] = {
    "tickets": "749778c2e7397d63",
    "feedback": "6d1104ba934dc5ca",
    "followups": "8a7935ba71d028c5",
    "orders": "1013d8f15e8ae9f6",
    "labels": "6030d86e85f3a4f8",
    "emerging": ("EmergingIssue(product_line='洗衣机', product_model='TG100V88WMUIADY5', fault_type='function', "
                 "start=datetime.date(2026, 10, 11), factor=117.9)"),
}
PRE_MOVE_TEXT_SAMPLE_3000_SEED0 = "704864cdf408259d"
PRE_MOVE_TEXT_API_CALLS_SEED1 = "67bb3d3bad3ecad1"

# The pools of banks.py (pre-move: module-level tables of text.py, most with a leading underscore).
POOL_NAMES = """AGENT_NOTES ASPECTS ATTITUDE BUT_UNRESOLVED CLOSERS CONNECTORS CONSEQ_POOLS DEMANDS EMOTIONS EMPHASIS
FAULT_CODES FAULT_CUM FAULT_NAMES_ZH FOLLOWUP_NONE FOLLOWUP_PREFIXES FOLLOWUP_RESOLVED FOLLOWUP_UNREACHED
FOLLOWUP_UNRESOLVED FOLLOWUP_UNRESOLVED_TOPIC FREQUENCY HISTORY HISTORY_ALL MODEL_MENTIONS NEG_COMPONENT
NEG_COMPONENT_PATTERNS NEG_SYMPTOM NEG_SYMPTOM_PATTERNS OPENERS PRAISE PRAISE_CONFLICTS REAL_FAULTS RESOLVED_FIXES
REVIEW_BUTS REVIEW_NEG_CLOSERS REVIEW_NEUTRAL REVIEW_POS_CLOSERS REVIEW_STORY SCORE SENTIMENTS SERVER SERVICE_NEG
SERVICE_POS SHORT_POOLS SOURCES STORY SYMPTOM_POOLS TIMES UNSPECIFIED""".split()


def test_tables_are_those_of_the_pre_move_code() -> None:
    modules = {"phrases": phrases, "phrases_faults": phrases_faults, "catalog": catalog}
    now = {key: _d16(getattr(modules[key.split(".")[0]], key.split(".")[1])) for key in PRE_MOVE_TABLES}
    assert now == PRE_MOVE_TABLES
    assert _d16({name: getattr(banks, name) for name in POOL_NAMES}) == PRE_MOVE_POOLS


@pytest.fixture(scope="module")
def demo_600():
    return generate_demo_data(600, seed=0)


def test_generated_demo_is_that_of_the_pre_move_code(demo_600) -> None:
    now = {name: _text16(getattr(demo_600, name).to_csv())
           for name in ("tickets", "feedback", "followups", "orders", "labels")}
    now["emerging"] = repr(demo_600.emerging)
    assert now == PRE_MOVE_DEMO_600_SEED0


def test_generated_texts_are_those_of_the_pre_move_code() -> None:
    # TextGenerator.sample is what feedback_nlp.datasets.corpus.demo_corpus trains on.
    assert _text16(TextGenerator(random_state=0).sample(3000).to_csv()) == PRE_MOVE_TEXT_SAMPLE_3000_SEED0
    gen = TextGenerator(random_state=1)
    calls = []
    for line in catalog.PRODUCT_LINES:
        for code in FAULT_CODES:
            if code != "none" and code not in line.fault_weights:
                continue
            calls.append(gen.complaint(line.name, code, aspect_hints=("cost", "parts")))
            calls.append(gen.review(line.name, primary_fault=code, product_model=line.models[0]))
            calls.append(gen.followup_note(line.name, code, resolved=False, satisfaction=2))
        calls.append(gen.review(line.name))
        calls.append(gen.followup_note(line.name, "none", reached=False))
    assert _d16(calls) == PRE_MOVE_TEXT_API_CALLS_SEED1


def test_generation_is_deterministic(demo_600) -> None:
    again = generate_demo_data(600, seed=0)
    for name in ("tickets", "feedback", "followups", "orders", "labels"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(demo_600, name))
    assert again.emerging == demo_600.emerging
    other = generate_demo_data(600, seed=1)
    assert not other.feedback["text"].head(50).equals(demo_600.feedback["text"].head(50))
