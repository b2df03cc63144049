"""The Spark session the jobs run in, and the one-line errors when pyspark or Java is missing.

pyspark is an optional extra (``pip install 'feedback-nlp[spark]'``) and is imported only
inside :mod:`feedback_nlp.spark`, inside functions, so the rest of the package never needs it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from feedback_nlp.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PYSPARK_MISSING = "pyspark is not installed: pip install 'feedback-nlp[spark]'"
JAVA_MISSING = ("Java is not installed (Spark needs Java 17 or newer): sudo apt-get install default-jre-headless, "
                "or set JAVA_HOME")  # fmt: skip

#: Settings every job needs, whatever the master (see :func:`spark_session`).
SESSION_CONF: dict[str, str] = {
    # The KPI SQL turns instants into local wall-clock time itself; Spark must not shift them again.
    "spark.sql.session.timeZone": "UTC",
    # DuckDB's arithmetic: a division by zero is no error (DuckDB: ±inf, Spark: NULL; the one such
    # division, in the themes' sample threshold, is read through least() and only for rows that are not
    # there). Spark 4's ANSI mode would fail the query instead.
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def require_pyspark() -> None:
    """Raise :class:`ConfigError` with the install line when pyspark cannot be imported."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(PYSPARK_MISSING) from None


_PY_ERROR = re.compile(r"^\s*([A-Za-z_.]*(?:Error|Exception|Exit)\b.*)$", re.MULTILINE)


def spark_error_line(exc: BaseException) -> str:
    """One line for a Spark failure: the Python worker's own error when there is one, else the first line."""
    text = str(exc).strip()
    found = [m.group(1).strip() for m in _PY_ERROR.finditer(text) if not m.group(1).startswith(("org.", "java."))]
    if found:
        return found[-1]
    return text.splitlines()[0] if text else type(exc).__name__


def java_available() -> bool:
    """Whether a ``java`` can be started (``JAVA_HOME/bin/java`` or one on ``PATH``)."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return True
    return shutil.which("java") is not None


def spark_session(master: str | None = None, *, app_name: str = "feedback-nlp",
                  conf: Mapping[str, str] | None = None) -> SparkSession:  # fmt: skip
    """The active Spark session, or a new one.

    ``master`` None keeps what ``spark-submit`` (or ``spark.master``) set, else ``local[*]``.
    :data:`SESSION_CONF` is applied to the session either way (it holds runtime SQL settings).

    Raises:
        ConfigError: pyspark is not installed, or Java is missing.
    """
    require_pyspark()
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None:
        if not java_available():
            raise ConfigError(JAVA_MISSING)
        spark_conf = SparkConf()
        if master is not None:
            spark_conf.setMaster(master)
        elif not spark_conf.contains("spark.master"):
            spark_conf.setMaster("local[*]")
        spark_conf.setAppName(app_name)
        if spark_conf.get("spark.master", "").startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
            # Local workers run this interpreter (its environment has the package), not the first python3 on PATH.
            os.environ["PYSPARK_PYTHON"] = sys.executable
        spark_conf.set("spark.ui.showConsoleProgress", "false")
        for key, value in {**SESSION_CONF, **dict(conf or {})}.items():
            spark_conf.set(key, value)
        active = SparkSession.builder.config(conf=spark_conf).getOrCreate()
        active.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_CONF.items():
        active.conf.set(key, value)
    return active


__all__ = [
    "JAVA_MISSING",
    "PYSPARK_MISSING",
    "SESSION_CONF",
    "java_available",
    "require_pyspark",
    "spark_error_line",
    "spark_session",
]
