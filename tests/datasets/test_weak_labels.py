"""Rule-based fault types and aspects: typical phrases fire, negated mentions do not."""

from __future__ import annotations

import pytest

from feedback_nlp.datasets.weak_labels import ASPECT_RULES, FAULT_RULES, rule_aspects, rule_fault_types, rule_labels
from feedback_nlp.taxonomy import Taxonomy


def test_rules_use_default_taxonomy_codes() -> None:
    taxonomy = Taxonomy.default()
    assert set(FAULT_RULES) == set(taxonomy.fault_types.codes) - {taxonomy.fault_types.none_code}
    assert set(ASPECT_RULES) == set(taxonomy.aspects.codes)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("电视用了两天就开不了机了", "power"),
        ("空调一开就跳闸", "power"),
        ("显示器花屏，还有竖线", "display"),
        ("屏幕坏了", "display"),
        ("手机电池鼓包了", "battery"),
        ("续航太短，半天就没电", "battery"),
        ("洗衣机脱水时有异响", "noise"),
        ("外机噪音很大", "noise"),
        ("空调内机漏水", "leak"),
        ("后备箱进水了", "leak"),
        ("空调不制冷", "temperature"),
        ("冰箱冷冻室结冰", "temperature"),
        ("电视经常死机", "software"),
        ("升级失败，APP离线", "software"),
        ("遥控器失灵", "function"),
        ("冰箱有霉味", "function"),
        ("外壳有划痕", "appearance"),
        ("收到时边角磕碰掉漆", "appearance"),
        ("插座冒烟了", "safety"),
        ("摸外壳麻手，漏电", "safety"),
        ("少了配件", "accessory"),
        ("缺说明书", "accessory"),
        ("安装不规范，管子没拧紧", "installation"),
        ("师傅装歪了", "installation"),
    ],
)
def test_fault_fires_on_typical_phrase(text: str, code: str) -> None:
    assert code in rule_fault_types(text)


@pytest.mark.parametrize(
    ("text", "affirmed"),
    [
        ("没有异响", "有异响"),
        ("不是屏幕的问题", None),
        ("不是屏幕坏了", "屏幕坏了"),
        ("冰箱也没有漏水", "冰箱也漏水"),
        ("也没有漏水", "漏水"),
        ("并没有死机", "死机"),
        ("没有划痕，做工也可以", "有划痕"),
        ("未发现漏电", "发现漏电"),
    ],
)
def test_negated_mention_does_not_fire(text: str, affirmed: str | None) -> None:
    assert rule_fault_types(text) == []
    # The same wording without the negation fires, so it is the negation that stops the rule.
    if affirmed is not None:
        assert rule_fault_types(affirmed) != []


def test_negation_only_covers_its_own_clause() -> None:
    assert rule_fault_types("没有异响，但是漏水") == ["leak"]
    assert rule_fault_types("不是屏幕坏了，是电池鼓包") == ["battery"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("空调不制冷", "temperature"),
        ("热水器不加热", "temperature"),
        ("洗衣机不排水", "function"),
        ("洗衣机不脱水", "function"),
        ("插上电源也不通电", "power"),
    ],
)
def test_terms_with_builtin_negation_still_fire(text: str, code: str) -> None:
    assert code in rule_fault_types(text)


def test_primary_is_earliest_mention() -> None:
    assert rule_fault_types("空调漏水，而且有异响") == ["leak", "noise"]
    assert rule_fault_types("有异响，还漏水") == ["noise", "leak"]
    assert rule_fault_types("开机后屏幕花屏，接着冒烟，最后开不了机")[0] == "display"
    assert rule_fault_types("空调不制冷，外机有异响") == ["temperature", "noise"]


def test_generic_function_is_dropped_when_a_specific_fault_is_named() -> None:
    assert rule_fault_types("东西坏了") == ["function"]
    assert rule_fault_types("东西坏了，屏幕花屏") == ["display"]
    # A specific functional failure is kept next to another fault.
    assert set(rule_fault_types("按键失灵，还漏水")) == {"function", "leak"}


def test_no_rule_fires_on_praise() -> None:
    assert rule_fault_types("质量很好，非常满意") == []
    assert rule_fault_types("") == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("物流很快", "logistics"),
        ("快递送到楼下", "logistics"),
        ("客服态度差", "attitude"),
        ("服务热情周到", "attitude"),
        ("上门还要收费", "cost"),
        ("维修费太贵", "cost"),
        ("等了三天才上门", "response"),
        ("师傅技术不行，修了三次没修好", "professionalism"),
        ("等配件等了一周", "parts"),
        ("说好的回电一直没等到", "communication"),
    ],
)
def test_aspect_fires_on_typical_phrase(text: str, code: str) -> None:
    assert code in rule_aspects(text)


def test_aspects_of_a_mixed_text() -> None:
    aspects = rule_aspects("客服态度差，上门收费200元，物流也慢")
    assert {"attitude", "cost", "logistics"} <= set(aspects)
    assert rule_aspects("东西开不了机") == []


def test_rule_labels_pairs_faults_and_aspects() -> None:
    faults, aspects = rule_labels(iter(["物流很快", "开不了机", "质量很好"]))
    assert faults == [[], ["power"], []]
    assert aspects == [["logistics"], [], []]


@pytest.mark.parametrize(
    ("text", "code"),
    [("手机非常卡顿", "software"), ("冰箱非常漏水", "leak"), ("电视无故黑屏", "display"), ("电脑无故死机", "software")],
)
def test_intensifier_is_not_a_negation(text: str, code: str) -> None:
    assert code in rule_fault_types(text)


def test_very_professional_is_professionalism() -> None:
    assert "professionalism" in rule_aspects("师傅非常专业")


@pytest.mark.parametrize(
    ("text", "code"),
    [("一直没有回访", "communication"), ("客服没有回复", "communication"), ("师傅没有耐心", "attitude")],
)
def test_negative_polarity_aspect_still_fires(text: str, code: str) -> None:
    assert code in rule_aspects(text)
