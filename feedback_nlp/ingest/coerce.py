"""Vectorised coercion of exported strings into typed values.

Each coercer takes a column of stripped strings (missing values as ``None``) and
returns the typed values plus a mask of cells that were present but could not be
coerced, with one reason for the column. Work is done on whole columns with pandas so
that ingestion keeps a rate of tens of thousands of rows per second; the slow,
forgiving parsers only run on the cells the fast path could not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL_TOKENS = frozenset({"", "nan", "NaN", "NAN", "null", "NULL", "Null", "None", "none", "N/A", "n/a", "NA",
                         "#N/A", "-", "--", "—", "/", "空"})

TRUE_WORDS = ("是", "有", "对", "已", "y", "yes", "true", "t", "1", "√", "✓", "接通", "已接通", "成功", "yes.")
FALSE_WORDS = ("否", "无", "不是", "没有", "未", "n", "no", "false", "f", "0", "×", "✗", "未接通", "失败", "无人接听")
BOOL_INDEX: dict[str, bool] = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}

# Excel stores dates as days since 1899-12-30; 20000–80000 covers 1954–2119.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_MIN, _EXCEL_MAX = 20_000, 80_000
_MIN_YEAR, _MAX_YEAR = 1990, 2100


@dataclass
class Coerced:
    values: pd.Series
    bad: pd.Series  # bool mask: present but not coercible
    reason: str | pd.Series = ""  # one reason for the column, or one per row


def blank_to_none(s: pd.Series) -> pd.Series:
    """Strip cells and turn the usual null spellings of exports into None."""
    s = s.astype(object).where(s.notna(), None)
    stripped = s.map(lambda v: v.strip() if isinstance(v, str) else v, na_action="ignore")
    return stripped.where(~stripped.isin(NULL_TOKENS), None)


def coerce_text(s: pd.Series) -> Coerced:
    return Coerced(s.astype(object), pd.Series(False, index=s.index))


def coerce_enum(s: pd.Series, index: Mapping[str, str]) -> Coerced:
    folded = s.map(lambda v: v.casefold(), na_action="ignore")
    values = folded.map(index, na_action="ignore")
    bad = s.notna() & values.isna()
    expected = ", ".join(dict.fromkeys(index.values()))
    return Coerced(values.astype(object), bad, f"unknown value; expected one of {expected} (or their Chinese names)")


def coerce_bool(s: pd.Series) -> Coerced:
    values = s.map(lambda v: BOOL_INDEX.get(v.casefold()), na_action="ignore")
    bad = s.notna() & values.isna()
    return Coerced(values.astype("boolean"), bad, "not a yes/no value; expected 是/否, Y/N, 1/0 or true/false")


def coerce_int(s: pd.Series, lo: float | None, hi: float | None) -> Coerced:
    # "5分", "2次", "4星" are common in Chinese exports.
    cleaned = s.str.replace(r"\s*(分|次|星|个|件|台|颗星)$", "", regex=True) if s.notna().any() else s
    num = pd.to_numeric(cleaned, errors="coerce")
    not_number = s.notna() & num.isna()
    not_integral = num.notna() & (num % 1 != 0)
    out_of_range = _out_of_range(num, lo, hi)
    values = num.where(~(not_integral | out_of_range)).round().astype("Int64")
    bad = not_number | not_integral | out_of_range
    return Coerced(values, bad, _reasons(bad, [(not_number | not_integral, "not a whole number")],
                                         _range_reason(lo, hi)))


def coerce_decimal(s: pd.Series, lo: float | None, hi: float | None) -> Coerced:
    if s.notna().any():
        cleaned = s.str.replace(r"[¥￥,，\s]|元|RMB|CNY|rmb", "", regex=True)
        wan = cleaned.str.endswith("万", na=False)
        cleaned = cleaned.str.rstrip("万")
    else:
        cleaned, wan = s, pd.Series(False, index=s.index)
    num = pd.to_numeric(cleaned, errors="coerce")
    num = num.where(~wan, num * 10_000)
    not_number = s.notna() & num.isna()
    out_of_range = _out_of_range(num, lo, hi)
    values = num.where(~out_of_range).round(2).astype("Float64")
    bad = not_number | out_of_range
    return Coerced(values, bad, _reasons(bad, [(not_number, "not an amount (e.g. 1234.50, ¥1,234.50, 1.2万)")],
                                         _range_reason(lo, hi)))


def coerce_timestamp(s: pd.Series, timezone: str) -> Coerced:
    """Parse the date-time forms Chinese systems export into tz-aware timestamps.

    Accepted: ISO 8601 (with or without offset), ``2024年3月5日 14:30``,
    ``2024/3/5 14:30:00``, ``2024.3.5``, ``2024/3/5 下午 2:30``, Excel serial numbers.
    Times without an offset are in ``timezone``.
    """
    values = _parse_datetimes(s, timezone)
    bad_parse = s.notna() & values.isna()
    years = values.dt.year
    implausible = values.notna() & ((years < _MIN_YEAR) | (years > _MAX_YEAR))
    values = values.where(~implausible)
    bad = bad_parse | implausible
    not_date = "not a date/time; expected e.g. 2024-03-05 14:30, 2024年3月5日 14:30, 2024/3/5 14:30:00 or an Excel date"
    return Coerced(values, bad, _reasons(bad, [(bad_parse, not_date)], f"date outside {_MIN_YEAR}–{_MAX_YEAR}"))


def coerce_date(s: pd.Series, timezone: str) -> Coerced:
    out = coerce_timestamp(s, timezone)
    # Keep a naive midnight timestamp; the store casts it to DATE.
    out.values = out.values.dt.tz_localize(None).dt.normalize()
    return out


def _parse_datetimes(s: pd.Series, timezone: str) -> pd.Series:
    # Whole-column operations only: row-wise assignment would cost seconds per million.
    text = s.astype("str")
    # An offset ends the string: Z, +08:00, -0500. A date alone never ends in 4 digits after a dash.
    has_offset = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    naive = pd.to_datetime(text.where(~has_offset), format="ISO8601", errors="coerce")
    retry = text.notna() & ~has_offset & naive.isna()
    if retry.any():
        # Slow path only for what the fast path could not read.
        naive = naive.where(~retry, _parse_forgiving(text[retry]).reindex(text.index))
    result = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    if has_offset.any():
        aware = pd.to_datetime(text.where(has_offset), format="ISO8601", errors="coerce", utc=True)
        result = result.where(~has_offset, aware.dt.tz_convert(timezone))
    return result


def _parse_forgiving(text: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    # Excel serial days, possibly with a fraction for the time of day.
    num = pd.to_numeric(text, errors="coerce")
    serial = num.between(_EXCEL_MIN, _EXCEL_MAX)
    if serial.any():
        out.loc[serial[serial].index] = _EXCEL_EPOCH + pd.to_timedelta(num[serial], unit="D").dt.round("s")
    rest = text[~serial]
    if rest.empty:
        return out
    pm = rest.str.contains("下午|晚上|PM|pm", regex=True)
    norm = (
        rest.str.replace(r"(\d)\s*[年/.]\s*(?=\d)", r"\1-", regex=True)
        .str.replace(r"(\d)\s*月\s*(?=\d)", r"\1-", regex=True)
        .str.replace(r"\s*[日号]\s*", " ", regex=True)
        .str.replace(r"\s*(上午|下午|晚上|凌晨|中午|早上|AM|PM|am|pm)\s*", " ", regex=True)
        .str.replace(r"(\d)\s*[时点]\s*(\d)", r"\1:\2", regex=True)
        .str.replace(r"(\d)\s*[时点]\s*$", r"\1:00", regex=True)
        .str.replace(r"\s*分\s*(?=\d)", ":", regex=True)
        .str.replace(r"\s*[分秒]\s*", "", regex=True)
        .str.strip()
    )
    parsed = pd.to_datetime(norm, format="ISO8601", errors="coerce")
    add_12h = pm & parsed.notna() & (parsed.dt.hour < 12)
    parsed = parsed.where(~add_12h, parsed + pd.Timedelta(hours=12))
    out.loc[parsed.index] = parsed
    return out


def _out_of_range(num: pd.Series, lo: float | None, hi: float | None) -> pd.Series:
    mask = pd.Series(False, index=num.index)
    if lo is not None:
        mask |= num < lo
    if hi is not None:
        mask |= num > hi
    return mask.fillna(False).astype(bool)


def _range_reason(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"out of range: must be between {lo:g} and {hi:g}"
    if lo is not None:
        return f"out of range: must be at least {lo:g}" if lo != 0 else "must not be negative"
    return f"out of range: must be at most {hi:g}"


def _reasons(bad: pd.Series, cases: list[tuple[pd.Series, str]], default: str) -> pd.Series:
    """Per-row reasons for the bad rows only (building strings for every row is slow)."""
    idx = bad.index[bad.to_numpy()]
    conditions = [mask.loc[idx].to_numpy(dtype=bool) for mask, _ in cases]
    return pd.Series(np.select(conditions, [text for _, text in cases], default), index=idx, dtype=object)
