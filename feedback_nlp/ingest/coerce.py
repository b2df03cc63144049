"""Vectorised coercion of exported strings into typed values.

Each coercer takes a column of stripped strings (missing values as null) and returns
the typed values plus a mask of cells that were present but could not be coerced,
with the reason. Columns are Arrow-backed strings so that every string operation
(strip, regex match and extract, lookups) runs in Arrow's C++ kernels, whole column at
a time: ingestion keeps tens of thousands of rows per second on two cores. Regular
expressions here are RE2 (Arrow's engine): no look-arounds or back-references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.ArrowDtype(pa.string())

NULL_TOKENS = ("", "nan", "NaN", "NAN", "null", "NULL", "Null", "None", "none", "N/A", "n/a", "NA",
               "#N/A", "-", "--", "—", "/", "空")

TRUE_WORDS = ("是", "有", "对", "已", "y", "yes", "true", "t", "1", "√", "✓", "接通", "已接通", "成功", "yes.")
FALSE_WORDS = ("否", "无", "不是", "没有", "未", "n", "no", "false", "f", "0", "×", "✗", "未接通", "失败", "无人接听")
BOOL_INDEX: dict[str, bool] = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}

# Excel stores dates as days since 1899-12-30; 20000–80000 covers 1954–2119.
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
_EXCEL_MIN, _EXCEL_MAX = 20_000, 80_000
_MIN_YEAR, _MAX_YEAR = 1990, 2100

# One pattern for ISO 8601 and the Chinese export forms: 2024-03-05T14:30:00+08:00,
# 2024/3/5 14:30:00, 2024.3.5, 2024年3月5日 14:30, 2024年3月5日14时30分, 2024/3/5 下午 2:30.
_DATETIME = (
    r"^(?P<y>\d{4})\s*[年/.\-]\s*(?P<mo>\d{1,2})\s*[月/.\-]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*[T\s]\s*)?(?P<ap>上午|下午|晚上|凌晨|中午|早上|AM|PM|am|pm)?\s*"
    r"(?:(?P<h>\d{1,2})\s*[:时点]\s*(?P<mi>\d{1,2})?\s*分?\s*"
    r"(?::?\s*(?P<s>\d{1,2})(?:\.\d{1,9})?\s*秒?)?)?"
    r"\s*(?P<ap2>AM|PM|am|pm)?\s*(?P<tz>Z|[+-]\d\d:?\d\d)?$"
)
# What the store's columns hold (INTEGER, DECIMAL(18,2)): larger values are rejected, not overflowed.
INT_LIMIT = 2**31 - 1
DECIMAL_LIMIT = 1e15
_PM_WORDS = pa.array(["下午", "晚上", "PM", "pm", "中午"])
_NUMBER = r"^[+-]?\d+(?:\.\d+)?$"


@dataclass
class Coerced:
    values: pd.Series
    bad: pd.Series  # bool mask: present but not coercible
    reason: str | pd.Series = ""  # one reason for the column, or one per bad row


def as_text(s: pd.Series) -> pd.Series:
    """The column as Arrow-backed strings (nulls kept)."""
    if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_string(s.dtype.pyarrow_dtype):
        return s
    values = s.to_numpy(dtype=object, na_value=None)
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa.string(), from_pandas=True)),
                     index=s.index)


def blank_to_none(s: pd.Series) -> pd.Series:
    """Strip cells (Unicode whitespace, so also the ideographic space) and null the usual null spellings."""
    stripped = as_text(s).str.strip()
    return stripped.mask(stripped.isin(NULL_TOKENS).fillna(False).astype(bool))


def coerce_text(s: pd.Series) -> Coerced:
    return Coerced(s.astype(object).where(s.notna(), None), _false(s))


def coerce_enum(s: pd.Series, index: Mapping[str, str]) -> Coerced:
    values = _lookup(s, index)
    bad = (s.notna() & values.isna()).astype(bool)
    expected = ", ".join(dict.fromkeys(index.values()))
    return Coerced(values, bad, f"unknown value; expected one of {expected} (or their Chinese names)")


def coerce_bool(s: pd.Series) -> Coerced:
    values = _lookup(s, BOOL_INDEX).astype("boolean")
    bad = (s.notna() & values.isna()).astype(bool)
    return Coerced(values, bad, "not a yes/no value; expected 是/否, Y/N, 1/0 or true/false")


def coerce_int(s: pd.Series, lo: float | None, hi: float | None) -> Coerced:
    # "5分", "2次", "4星" are common in Chinese exports.
    cleaned = s.str.replace(r"\s*(?:分|次|星|个|件|台|颗星)$", "", regex=True)
    num = _to_float(cleaned)
    not_number = (s.notna() & num.isna()).to_numpy()
    not_integral = (num.notna() & (num % 1 != 0)).fillna(False).to_numpy(dtype=bool)
    too_large = _out_of_range(num, -INT_LIMIT, INT_LIMIT).to_numpy()
    out_of_range = _out_of_range(num, lo, hi).to_numpy()
    bad = pd.Series(not_number | not_integral | too_large | out_of_range, index=s.index)
    values = num.mask(bad).round().astype("Int64")
    return Coerced(values, bad, _reasons(bad, [(too_large, f"out of range: beyond ±{INT_LIMIT:,}"),
                                               (not_number | not_integral, "not a whole number")],
                                         _range_reason(lo, hi)))


def coerce_decimal(s: pd.Series, lo: float | None, hi: float | None) -> Coerced:
    cleaned = s.str.replace(r"[¥￥,，\s]|元|RMB|CNY|rmb", "", regex=True)
    wan = cleaned.str.endswith("万").fillna(False).to_numpy(dtype=bool)
    num = _to_float(cleaned.str.replace(r"万$", "", regex=True))
    with np.errstate(over="ignore"):  # 1e308万 is inf, rejected below
        num = num.where(~wan, num * 10_000)
    not_number = (s.notna() & num.isna()).to_numpy()
    too_large = _out_of_range(num, -DECIMAL_LIMIT, DECIMAL_LIMIT).to_numpy()
    out_of_range = _out_of_range(num, lo, hi).to_numpy()
    bad = pd.Series(not_number | too_large | out_of_range, index=s.index)
    values = num.mask(bad).round(2).astype("Float64")
    return Coerced(values, bad, _reasons(bad, [(not_number, "not an amount (e.g. 1234.50, ¥1,234.50, 1.2万)"),
                                               (too_large, f"out of range: beyond ±{DECIMAL_LIMIT:,.0f}")],
                                         _range_reason(lo, hi)))


def coerce_timestamp(s: pd.Series, timezone: str) -> Coerced:
    """Parse the date-time forms Chinese systems export into tz-aware timestamps.

    Accepted: ISO 8601 (with or without offset), ``2024年3月5日 14:30``,
    ``2024/3/5 14:30:00``, ``2024.3.5``, ``2024/3/5 下午 2:30``, Excel serial numbers.
    Times without an offset are in ``timezone``.
    """
    values = _parse_datetimes(s, timezone)
    bad_parse = (s.notna() & values.isna()).to_numpy()
    years = values.dt.year
    implausible = (values.notna() & ((years < _MIN_YEAR) | (years > _MAX_YEAR))).to_numpy()
    values = values.mask(implausible)
    bad = pd.Series(bad_parse | implausible, index=s.index)
    not_date = "not a date/time; expected e.g. 2024-03-05 14:30, 2024年3月5日 14:30, 2024/3/5 14:30:00 or an Excel date"
    return Coerced(values, bad, _reasons(bad, [(bad_parse, not_date)], f"date outside {_MIN_YEAR}–{_MAX_YEAR}"))


def coerce_date(s: pd.Series, timezone: str) -> Coerced:
    out = coerce_timestamp(s, timezone)
    # Keep a naive midnight timestamp; the store casts it to DATE.
    out.values = out.values.dt.tz_localize(None).dt.normalize()
    return out


# -- helpers ----------------------------------------------------------------------------------
def _false(s: pd.Series) -> pd.Series:
    return pd.Series(np.zeros(len(s), dtype=bool), index=s.index)


def _arrow(s: pd.Series) -> pa.Array:
    return pa.array(as_text(s))


def _lookup(s: pd.Series, index: Mapping[str, object]) -> pd.Series:
    """Case-insensitive dictionary lookup in Arrow; misses and nulls become None."""
    keys = list(index)
    positions = pc.index_in(pc.utf8_lower(_arrow(s)), value_set=pa.array(keys, type=pa.string()))
    pos = positions.to_numpy(zero_copy_only=False)
    found = ~np.isnan(pos) if pos.dtype.kind == "f" else np.ones(len(pos), dtype=bool)
    table = np.array([index[k] for k in keys] + [None], dtype=object)
    idx = np.where(found, np.nan_to_num(pos, nan=len(keys)), len(keys)).astype(np.int64)
    return pd.Series(table[idx], index=s.index, dtype=object)


def _to_float(s: pd.Series) -> pd.Series:
    """Floats for cells that are plain decimal numbers, NaN for anything else."""
    return pd.Series(_numbers(_arrow(s)), index=s.index)


def _numbers(arr: pa.Array) -> np.ndarray:
    ok = pc.fill_null(pc.match_substring_regex(arr, _NUMBER), False)
    floats = pc.cast(pc.if_else(ok, arr, pa.scalar(None, pa.string())), pa.float64())
    return cast(np.ndarray, floats.to_numpy(zero_copy_only=False))


def _parse_datetimes(s: pd.Series, timezone: str) -> pd.Series:
    """Tz-aware timestamps; NaT where the cell is missing or unreadable."""
    n = len(s)
    local = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    offset_min = np.zeros(n, dtype=np.int64)
    has_tz = np.zeros(n, dtype=bool)
    present = s.notna().to_numpy(dtype=bool)
    # Fast path, most cells of most exports: ISO 8601 without an offset, parsed by pandas in C.
    arr = _arrow(s)
    offset = pc.fill_null(pc.match_substring_regex(arr, r"(?:Z|[+-]\d\d:?\d\d)$"), False).to_numpy(
        zero_copy_only=False)
    plain = present & ~offset
    if plain.any():
        fast = pd.to_datetime(s.where(plain), format="ISO8601", errors="coerce")
        local[plain] = fast.to_numpy(dtype="datetime64[s]")[plain]
    rest = present & np.isnat(local)
    if rest.any():
        idx = np.flatnonzero(rest)
        r_local, r_offset, r_has_tz = _parse_forgiving(arr.take(pa.array(idx)))
        local[idx], offset_min[idx], has_tz[idx] = r_local, r_offset, r_has_tz
    naive = pd.Series(local, index=s.index)
    result = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    if has_tz.any():
        utc = pd.Series(local - offset_min.astype("timedelta64[m]"), index=s.index).dt.tz_localize("UTC")
        result = result.where(~has_tz, utc.dt.tz_convert(timezone))
    return result


def _parse_forgiving(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local times, UTC offsets (minutes) and has-offset flags for the non-ISO forms."""
    parts = pc.extract_regex(arr, _DATETIME)

    def field(name: str) -> np.ndarray:
        text = parts.field(name)
        empty = pc.fill_null(pc.equal(text, ""), True)
        floats = pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), text), pa.float64())
        return cast(np.ndarray, floats.to_numpy(zero_copy_only=False))

    year, month, day = field("y"), field("mo"), field("d")
    hour, minute, second = (np.nan_to_num(field(n)) for n in ("h", "mi", "s"))
    pm = pc.fill_null(pc.or_(pc.is_in(parts.field("ap"), value_set=_PM_WORDS),
                             pc.is_in(parts.field("ap2"), value_set=_PM_WORDS)), False).to_numpy(zero_copy_only=False)
    hour = np.where(pm & (hour < 12), hour + 12, hour)
    matched = ~np.isnan(year)
    clean = pd.DataFrame({"year": np.where(matched, year, 2000), "month": np.where(matched, month, 1),
                          "day": np.where(matched, day, 1), "hour": hour, "minute": minute, "second": second})
    local = pd.to_datetime(clean, errors="coerce").to_numpy(dtype="datetime64[s]")
    local[~matched] = np.datetime64("NaT")

    # Offsets: "+08:00", "-0500", "Z".
    tz = parts.field("tz").to_numpy(zero_copy_only=False)
    has_tz = np.array([bool(t) for t in tz], dtype=bool)
    offset_min = np.zeros(len(local), dtype=np.int64)
    for i in np.flatnonzero(has_tz):
        t = tz[i]
        if t != "Z":
            digits = t[1:].replace(":", "")
            offset_min[i] = (-1 if t[0] == "-" else 1) * (int(digits[:2]) * 60 + int(digits[2:4]))

    # Excel serial days (possibly with a fraction for the time of day).
    serial = _numbers(arr)
    is_serial = ~matched & (serial >= _EXCEL_MIN) & (serial <= _EXCEL_MAX)
    if is_serial.any():
        seconds = np.round(serial[is_serial] * 86_400).astype(np.int64)
        local[is_serial] = _EXCEL_EPOCH + seconds.astype("timedelta64[s]")
    return local, offset_min, has_tz


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


def _reasons(bad: pd.Series, cases: list[tuple[np.ndarray, str]], default: str) -> pd.Series:
    """Per-row reasons for the bad rows only (building strings for every row is slow)."""
    mask = bad.to_numpy(dtype=bool)
    idx = bad.index[mask]
    conditions = [np.asarray(m, dtype=bool)[mask] for m, _ in cases]
    return pd.Series(np.select(conditions, [text for _, text in cases], default), index=idx, dtype=object)
