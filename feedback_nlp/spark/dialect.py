"""DuckDB SQL → Spark SQL, for the statements the KPI families build (:mod:`feedback_nlp.kpis`).

The KPI formulas are written once, as the DuckDB SQL the store runs. Rather than a second
copy of every formula in Spark DataFrame code (which would drift), :class:`SparkReader
<feedback_nlp.spark.reader.SparkReader>` runs *the same statements* on Spark after this
module has rewritten the few constructs whose spelling differs. Each rewrite is exact
(same value, same NULL behaviour) for the way the KPI SQL uses it:

===============================================  ===============================================
DuckDB                                           Spark SQL
===============================================  ===============================================
``WITH x AS MATERIALIZED (…)``                   ``WITH x AS (…)`` (a hint only)
``TIMESTAMPTZ`` / ``VARCHAR`` / ``VARCHAR[]``    ``TIMESTAMP`` / ``STRING`` / ``ARRAY<STRING>``
``'infinity'::TIMESTAMPTZ`` (and ``-infinity``)  the largest (smallest) Spark timestamp
``epoch_us(ts)``                                 ``unix_micros(ts)``
``make_timestamp(micros)``                       ``timestamp_micros(micros)`` (the session zone
                                                 is UTC, so this is the shifted wall clock)
``timezone('Zone', ts)``                         ``from_utc_timestamp(ts, 'Zone')``
``date_diff('day', a, b)``                       ``datediff(b, a)``
``quantile_cont(x, [q1, q2])``                   ``percentile(x, array(q1, q2))`` (both
                                                 interpolate linearly at ``(n − 1)·q``)
``arg_min(x, (a, b))`` / ``arg_max``             ``min_by(x, (a, b))`` / ``max_by`` (a row
                                                 constructor is a struct, ordered field by field)
``list_contains(l, x)``                          ``array_contains(l, x)``
``t.* EXCLUDE (c)``                              ``t.*``, and ``c`` dropped from the result
``"identifier"``                                 ```identifier```
``unnest(list)``                                 ``explode(list)`` (in a select list)
``a // b``                                       ``a div b``
``trunc(x)`` (a number)                          ``CAST(x AS BIGINT)`` (toward zero, as trunc)
``CAST(json_extract(s, '$.keywords')             ``from_json(get_json_object(s, '$.keywords'),
AS VARCHAR[])``                                  'array<string>')``
``hash(id) % M``                                 ``pmod(xxhash64(id), M)`` — *another* hash: the
                                                 themes' text sample differs (see below)
===============================================  ===============================================

The one rewrite that is not exact is the hash: DuckDB's ``hash()`` has no Spark
counterpart, so the top themes' text sample (keywords, examples, sub-themes) is a
different, equally deterministic sample on Spark; their counts are exact.

``UNION ALL BY NAME`` has no Spark SQL spelling: :func:`split_union_by_name` cuts such a
statement into its parts (each with the shared ``WITH``), which the reader unions by name.
A construct outside this list is left as it is, so Spark's parser names it if it appears.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Spark's timestamp range ends (DuckDB's ``±infinity`` stand-ins; no KPI reads them as values).
SPARK_TIMESTAMP_MIN = "TIMESTAMP'0001-01-01 00:00:00'"
SPARK_TIMESTAMP_MAX = "TIMESTAMP'9999-12-31 23:59:59.999999'"

_SIMPLE: tuple[tuple[re.Pattern[str], str], ...] = (  # in order: the keywords cast before the type renames
    (
        re.compile(r"CAST\(json_extract\(([\w.]+), '\$\.keywords'\) AS VARCHAR\[\]\)", re.IGNORECASE),
        r"from_json(get_json_object(\1, '$.keywords'), 'array<string>')",
    ),
    (re.compile(r"\bAS\s+MATERIALIZED\s*\(", re.IGNORECASE), "AS ("),
    (re.compile(r"'-infinity'::TIMESTAMPTZ", re.IGNORECASE), SPARK_TIMESTAMP_MIN),
    (re.compile(r"'infinity'::TIMESTAMPTZ", re.IGNORECASE), SPARK_TIMESTAMP_MAX),
    (re.compile(r"\bTIMESTAMPTZ\b", re.IGNORECASE), "TIMESTAMP"),
    (re.compile(r"\bVARCHAR\s*\[\s*\]", re.IGNORECASE), "ARRAY<STRING>"),
    (re.compile(r"\bVARCHAR\b", re.IGNORECASE), "STRING"),
    (re.compile(r"\bepoch_us\s*\(", re.IGNORECASE), "unix_micros("),
    (re.compile(r"\barg_min\s*\(", re.IGNORECASE), "min_by("),
    (re.compile(r"\barg_max\s*\(", re.IGNORECASE), "max_by("),
    (re.compile(r"\blist_contains\s*\(", re.IGNORECASE), "array_contains("),
    (re.compile(r"\bunnest\s*\(", re.IGNORECASE), "explode("),
    (re.compile(r"\s//\s"), " div "),
    (re.compile(r"\bhash\(([\w.]+)\)\s*%\s*(\d+)", re.IGNORECASE), r"pmod(xxhash64(\1), \2)"),
)
_EXCLUDE = re.compile(r"\b(\w+)\.\*\s+EXCLUDE\s*\(([^)]*)\)", re.IGNORECASE)
_UNION_BY_NAME = re.compile(r"\bUNION\s+ALL\s+BY\s+NAME\b", re.IGNORECASE)


@dataclass(frozen=True)
class Translated:
    """A statement in Spark SQL, and the columns its result must drop (from ``EXCLUDE``)."""

    sql: str
    drop_columns: tuple[str, ...] = ()


def to_spark_sql(sql: str) -> Translated:
    """``sql`` (DuckDB, as the KPI families write it) in Spark SQL; see the module docstring."""
    drop: list[str] = []

    def exclude(match: re.Match[str]) -> str:
        drop.extend(c.strip() for c in match.group(2).split(",") if c.strip())
        return f"{match.group(1)}.*"

    out = _quoted_identifiers(_EXCLUDE.sub(exclude, sql))
    for pattern, replacement in _SIMPLE:
        out = pattern.sub(replacement, out)
    out = rewrite_calls(out, "make_timestamp", _make_timestamp)
    out = rewrite_calls(out, "timezone", _timezone)
    out = rewrite_calls(out, "date_diff", _date_diff)
    out = rewrite_calls(out, "quantile_cont", _quantile_cont)
    out = rewrite_calls(out, "trunc", _trunc)
    return Translated(out, tuple(drop))


def _quoted_identifiers(sql: str) -> str:
    """``"name"`` → a backquoted name outside string literals (DuckDB quotes identifiers only with double quotes)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote == "'":
            quote = None if ch == "'" else quote
        elif quote == '"':
            if ch == '"':
                quote, ch = None, "`"
        elif ch == "'":
            quote = "'"
        elif ch == '"':
            quote, ch = '"', "`"
        out.append(ch)
    return "".join(out)


def _make_timestamp(args: list[str]) -> str | None:
    return f"timestamp_micros({args[0]})" if len(args) == 1 else None


def _timezone(args: list[str]) -> str | None:
    return f"from_utc_timestamp({args[1]}, {args[0]})" if len(args) == 2 else None


def _date_diff(args: list[str]) -> str | None:
    if len(args) != 3 or args[0].strip().strip("'").lower() != "day":
        return None
    return f"datediff({args[2]}, {args[1]})"


def _trunc(args: list[str]) -> str | None:
    return f"CAST({args[0]} AS BIGINT)" if len(args) == 1 else None


def _quantile_cont(args: list[str]) -> str | None:
    if len(args) != 2:
        return None
    levels = args[1].strip()
    if levels.startswith("[") and levels.endswith("]"):
        levels = f"array({levels[1:-1]})"
    return f"percentile({args[0]}, {levels})"


def rewrite_calls(sql: str, name: str, rewrite: Callable[[list[str]], str | None]) -> str:
    """Every call ``name(…)`` in ``sql`` replaced by ``rewrite(arguments)`` (None: left as it is).

    Arguments are split at top-level commas (not inside parentheses, brackets or quotes)
    and are themselves rewritten first, so nested calls work.
    """
    pattern = re.compile(rf"\b{re.escape(name)}\s*\(", re.IGNORECASE)
    out: list[str] = []
    pos = 0
    while True:
        match = pattern.search(sql, pos)
        if match is None:
            out.append(sql[pos:])
            return "".join(out)
        if match.start() > 0 and sql[match.start() - 1] in "._":  # a column or qualified name, not a call
            out.append(sql[pos : match.end()])
            pos = match.end()
            continue
        end = _closing(sql, match.end() - 1)
        args = [rewrite_calls(a, name, rewrite) for a in split_top_level(sql[match.end() : end])]
        replaced = rewrite(args)
        out.append(sql[pos : match.start()])
        out.append(replaced if replaced is not None else sql[match.start() : match.end()] + ", ".join(args) + ")")
        pos = end + 1


def _closing(sql: str, open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at`` (quotes respected)."""
    depth = 0
    quote: str | None = None
    for i in range(open_at, len(sql)):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced brackets in SQL from position {open_at}")


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts] if len(parts) > 1 or parts[0].strip() else []


def count_markers(sql: str) -> int:
    """Positional parameter markers (``?``) outside quotes."""
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            n += 1
    return n


def _top_level_select(sql: str) -> int:
    """Where the main ``SELECT`` after a leading ``WITH`` list starts (0 when there is no ``WITH``)."""
    if not re.match(r"\s*WITH\b", sql, re.IGNORECASE):
        return 0
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(sql):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and sql[i : i + 6].upper() == "SELECT" and (i == 0 or not sql[i - 1].isalnum()):
            return i
    raise ValueError("WITH without a main SELECT")


def split_union_by_name(sql: str, params: list[object]) -> list[tuple[str, list[object]]]:
    """``[WITH …] A UNION ALL BY NAME B …`` as ``[(WITH … A, params), (WITH … B, params), …]``.

    A statement without ``UNION ALL BY NAME`` is returned as its only part. Each part keeps
    the shared ``WITH`` list and the parameters of the markers it holds.
    """
    if not _UNION_BY_NAME.search(sql):
        return [(sql, list(params))]
    head_at = _top_level_select(sql)
    head, body = sql[:head_at], sql[head_at:]
    n_head = count_markers(head)
    head_params, rest = list(params[:n_head]), list(params[n_head:])
    out: list[tuple[str, list[object]]] = []
    for part in _UNION_BY_NAME.split(body):
        n = count_markers(part)
        out.append((head + part, head_params + rest[:n]))
        rest = rest[n:]
    return out


__all__ = ["Translated", "count_markers", "rewrite_calls", "split_top_level", "split_union_by_name", "to_spark_sql"]
