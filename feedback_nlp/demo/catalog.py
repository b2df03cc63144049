"""Product catalogue for the demo data: product lines, models, fault mix and prices.

Why this exists: the structured-demo writer (tickets, orders, follow-ups) and the
labelled text generator must agree on which product lines exist, which fault types
are plausible for each line and how often each one is the *primary* fault. Keeping
that knowledge in one frozen table means a 燃气灶 never gets a "battery" ticket and a
手机 never gets an "installation" one, in the tickets and in the texts alike.

``fault_weights`` are relative frequencies (they need not sum to one) over the
taxonomy fault codes of ``shared/spec/taxonomy.md``; ``"none"`` is never listed,
callers decide separately how often a ticket has no fault. Model names are plausible
invented or generic designations, not a claim about any real product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ProductLine", "PRODUCT_LINES", "get_product_line"]


@dataclass(frozen=True)
class ProductLine:
    """One product line as stored in ticket data (``name`` is the stored Chinese value)."""

    name: str
    category: str
    models: tuple[str, ...]
    fault_weights: Mapping[str, float]
    price_range: tuple[float, float]


def _w(**weights: float) -> Mapping[str, float]:
    """Read-only fault-weight mapping (frozen dataclasses should not hold mutable dicts)."""
    return MappingProxyType(dict(weights))


PRODUCT_LINES: tuple[ProductLine, ...] = (
    ProductLine(
        "空调", "appliance",
        ("KFR-35GW/N1A", "KFR-26GW/BP3", "KFR-72LW/NhZ", "KFR-50LW/FNhAa", "KFR-35GW/ZX1"),
        _w(temperature=0.28, noise=0.14, leak=0.14, installation=0.10, function=0.09, power=0.08,
           appearance=0.04, safety=0.03, display=0.03, software=0.03, accessory=0.02),
        (1999.0, 8999.0),
    ),
    ProductLine(
        "冰箱", "appliance",
        ("BCD-470WGHTD", "BCD-521WDPW", "BCD-312WDGS", "BCD-606WKPZM"),
        _w(temperature=0.30, noise=0.18, function=0.14, leak=0.08, appearance=0.08, power=0.07,
           display=0.05, software=0.03, accessory=0.03, safety=0.02, installation=0.02),
        (1299.0, 9999.0),
    ),
    ProductLine(
        "洗衣机", "appliance",
        ("XQG100-BD14376L", "TG100V88WMUIADY5", "XQB80-BZ826", "EG10014BD809LU1"),
        _w(function=0.28, noise=0.20, leak=0.14, installation=0.08, power=0.07, appearance=0.06,
           display=0.05, software=0.03, safety=0.03, accessory=0.03, temperature=0.03),
        (999.0, 6999.0),
    ),
    ProductLine(
        "热水器", "appliance",
        ("F60-21WB5", "JSQ30-16HP5", "EC6002-MC5", "ES60H-GM3"),
        _w(temperature=0.30, leak=0.16, function=0.12, safety=0.09, installation=0.08, power=0.07,
           noise=0.06, display=0.05, appearance=0.04, accessory=0.03),
        (699.0, 4999.0),
    ),
    ProductLine(
        "油烟机", "appliance",
        ("CXW-260-E900C2", "CXW-200-JQ570", "CXW-280-A66S", "CXW-238-T8"),
        _w(function=0.30, noise=0.22, installation=0.12, leak=0.10, appearance=0.07, power=0.06,
           accessory=0.05, display=0.04, safety=0.04),
        (999.0, 5999.0),
    ),
    ProductLine(
        "净水器", "appliance",
        ("MRC1586A-400G", "JSQ-RO800", "MRO102C-4", "HRO5016-4"),
        _w(leak=0.25, function=0.25, noise=0.12, installation=0.12, accessory=0.06, power=0.05,
           display=0.05, appearance=0.04, software=0.04, safety=0.02),
        (899.0, 4999.0),
    ),
    ProductLine(
        "电视", "appliance",
        ("55E3F", "65Q7E", "75V8D Pro", "A55 OLED", "50X3"),
        _w(display=0.34, software=0.18, power=0.14, function=0.08, noise=0.07, appearance=0.07,
           installation=0.06, accessory=0.04, safety=0.02),
        (1299.0, 12999.0),
    ),
    ProductLine(
        "手机", "electronics",
        ("X7 Pro", "X7", "Note 12 Turbo", "S20 Lite", "Ace 3"),
        _w(battery=0.22, software=0.20, display=0.18, function=0.09, power=0.08, temperature=0.07,
           appearance=0.06, accessory=0.04, noise=0.03, safety=0.03),
        (999.0, 7999.0),
    ),
    ProductLine(
        "笔记本", "electronics",
        ("Book 14 Pro", "Air 13", "Y7000P", "Pro 16 2023", "Slim 15"),
        _w(software=0.18, display=0.14, battery=0.12, power=0.10, noise=0.10, temperature=0.10,
           function=0.10, appearance=0.07, accessory=0.05, safety=0.02),
        (2999.0, 12999.0),
    ),
    ProductLine(
        "扫地机器人", "appliance",
        ("T10 Plus", "X20 Pro", "S8 MaxV", "N9+"),
        _w(function=0.30, battery=0.18, software=0.18, noise=0.10, power=0.06, accessory=0.06,
           appearance=0.05, leak=0.04, safety=0.01),
        (1299.0, 5999.0),
    ),
    ProductLine(
        "智能门锁", "appliance",
        ("K20 Max", "S30 Pro", "M2 视频锁", "P6"),
        _w(function=0.30, battery=0.16, software=0.14, installation=0.14, display=0.07, power=0.06,
           appearance=0.05, noise=0.04, accessory=0.04),
        (899.0, 3999.0),
    ),
    ProductLine(
        "汽车", "car",
        ("星越L 2.0T", "迈腾 330TSI", "轩逸 1.6L CVT", "CR-V 240TURBO", "卡罗拉 1.2T", "秦PLUS DM-i"),
        _w(noise=0.24, function=0.22, leak=0.10, appearance=0.10, software=0.08, display=0.05,
           power=0.05, battery=0.05, temperature=0.04, safety=0.03, accessory=0.02, installation=0.02),
        (89800.0, 289800.0),
    ),
    ProductLine(
        "平板", "electronics",
        ("Pad 11", "Pad Air 2", "Pad SE 10.4", "Tab P12"),
        _w(display=0.22, battery=0.20, software=0.20, power=0.09, appearance=0.09, function=0.07,
           accessory=0.05, noise=0.04, temperature=0.04),
        (999.0, 4999.0),
    ),
    ProductLine(
        "耳机", "electronics",
        ("Buds 4 Pro", "Buds 5i", "Air 3", "Q30 Lite"),
        _w(battery=0.26, software=0.20, function=0.20, noise=0.16, accessory=0.08, appearance=0.06,
           power=0.04),
        (99.0, 1499.0),
    ),
    ProductLine(
        "燃气灶", "appliance",
        ("JZT-Q330B", "JZT-FB21", "JZY-QE6B", "JZT-9B13"),
        _w(function=0.35, safety=0.20, installation=0.12, appearance=0.10, noise=0.06, accessory=0.05),
        (499.0, 2999.0),
    ),
    ProductLine(
        "微波炉", "appliance",
        ("M1-L213B", "EG823LC6-NA", "P70D20TL-D4", "M3-L205C"),
        _w(temperature=0.28, function=0.22, safety=0.12, noise=0.10, power=0.10, appearance=0.08,
           display=0.06, accessory=0.04),
        (399.0, 2999.0),
    ),
)

_BY_NAME: Mapping[str, ProductLine] = MappingProxyType({p.name: p for p in PRODUCT_LINES})


def get_product_line(name: str) -> ProductLine:
    """Return the product line stored as ``name``; ``KeyError`` naming the known lines otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = "、".join(_BY_NAME)
        raise KeyError(f"unknown product line {name!r}; known product lines: {known}") from None
