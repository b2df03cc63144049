"""A :class:`~feedback_nlp.store.StoreReader` that runs the KPI families' SQL on Spark.

The KPI families (:mod:`feedback_nlp.kpis`) build their statements and hand them to a
reader; this one translates each statement (:mod:`feedback_nlp.spark.dialect`), binds the
same positional parameters with Spark's own ``?`` markers (values never enter the SQL
text here either) and returns what the DuckDB reader returns: a pandas frame, rows,
a scalar, and timestamps as aware datetimes in the computation's zone.

The session must run with ``spark.sql.session.timeZone=UTC`` (see
:func:`feedback_nlp.spark.session.spark_session`): the KPI SQL turns instants into local
wall-clock times itself (epoch arithmetic for fixed-offset zones), so Spark must not
shift them again.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import pandas as pd

from feedback_nlp.errors import StoreError
from feedback_nlp.spark.dialect import split_union_by_name, to_spark_sql
from feedback_nlp.spark.session import spark_error_line
from feedback_nlp.store import StoreReader

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The column a timestamp is read back through: epoch microseconds (exact, zone-free).
_MICROS = "__micros_{}"


class SparkReader(StoreReader):
    """One KPI computation's session on Spark, over the temporary views of the canonical tables.

    Temporary tables it creates are cached Spark views named as asked; :meth:`close`
    drops them.
    """

    def __init__(self, spark: SparkSession, timezone: str) -> None:  # no DuckDB cursor: not super().__init__
        self.spark = spark
        self.timezone = timezone
        self._temp: dict[str, DataFrame] = {}

    # -- running SQL -----------------------------------------------------------------
    def dataframe(self, sql: str, params: Sequence[Any] = ()) -> DataFrame:
        """The Spark DataFrame of ``sql`` (DuckDB dialect, translated), not yet computed."""
        frames = []
        for part, part_params in split_union_by_name(sql, list(params)):
            translated = to_spark_sql(part)
            try:
                frame = self.spark.sql(translated.sql, args=[_param(v) for v in part_params])
            except Exception as exc:  # pyspark's analysis and parse errors: one line naming the statement
                first = spark_error_line(exc)
                raise StoreError(f"Spark could not run a KPI statement: {first}") from exc
            if translated.drop_columns:
                frame = frame.drop(*translated.drop_columns)
            frames.append(frame)
        out = frames[0]
        for frame in frames[1:]:
            out = out.unionByName(frame, allowMissingColumns=True)
        return out

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The result of ``sql`` as a pandas frame (timestamps aware, in the reader's zone)."""
        return self._collect(self.dataframe(sql, params))

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        frame = self.frame(sql, params)
        return [tuple(_python(v) for v in r) for r in frame.itertuples(index=False, name=None)]

    def _collect(self, frame: DataFrame) -> pd.DataFrame:
        from pyspark.sql import functions as F
        from pyspark.sql.types import TimestampType

        original = list(frame.columns)
        stamps = [f.name for f in frame.schema.fields if isinstance(f.dataType, TimestampType)]
        if stamps:
            frame = frame.select(*[F.unix_micros(F.col(f"`{c}`")).alias(_MICROS.format(c)) if c in stamps
                                   else F.col(f"`{c}`") for c in frame.columns])  # fmt: skip
        with warnings.catch_warnings():  # pyspark warns on every toPandas that pandas 3 is new to it
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
            out = cast(pd.DataFrame, frame.toPandas())
        zone = ZoneInfo(self.timezone)
        for column in stamps:
            micros = out.pop(_MICROS.format(column))
            out[column] = pd.to_datetime(micros, unit="us", utc=True).dt.tz_convert(zone)
        return out[original]

    # -- session state -----------------------------------------------------------------
    def set_timezone(self, timezone: str) -> None:
        ZoneInfo(timezone)  # a zone name Python knows, else ZoneInfoNotFoundError
        self.timezone = timezone

    def create_temp_table(self, name: str, select_sql: str, params: Sequence[Any] = ()) -> None:
        """``select_sql`` computed once (cached) and visible to later statements as view ``name``."""
        self.drop_temp_table(name)
        frame = self.dataframe(select_sql, params).cache()
        frame.createOrReplaceTempView(name)
        self._temp[name] = frame

    def drop_temp_table(self, name: str) -> None:
        frame = self._temp.pop(name, None)
        if frame is not None:
            self.spark.catalog.dropTempView(name)
            frame.unpersist()

    # -- one-off lookups ---------------------------------------------------------------
    def _timestamp(self, sql: str) -> datetime | None:
        value = self.scalar(sql)
        if value is None or isinstance(value, datetime):
            return value
        raise StoreError(f"expected a timestamp from {sql!r}, got {type(value).__name__}")

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        for name in list(self._temp):
            self.drop_temp_table(name)

    def __enter__(self) -> SparkReader:
        return self


def _param(value: Any) -> Any:
    """A parameter as Spark binds it: aware datetimes as UTC instants (naive ones are refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise StoreError(f"a naive timestamp parameter {value!r}: KPI windows are aware datetimes")
        return value.astimezone(UTC)
    if isinstance(value, pd.Timestamp):
        return _param(value.to_pydatetime())
    return value


def _python(value: Any) -> Any:
    """A frame cell as the DuckDB reader's ``fetchall`` gives it (pandas scalars unwrapped)."""
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.to_pydatetime()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, date | str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):  # an array cell stays an array
            return value
    return value


__all__ = ["SparkReader"]
