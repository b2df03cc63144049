"""Without pyspark or Java a Spark command is one line saying what to install."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from feedback_nlp.cli import app
from feedback_nlp.errors import ConfigError
from feedback_nlp.spark import session


def test_missing_pyspark_is_one_line_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'feedback-nlp\[spark\]'"):
        session.spark_session("local[1]")
    result = CliRunner().invoke(app, ["spark", "kpis", "--tables", "."])
    assert result.exit_code == 2
    assert "pyspark is not installed: pip install 'feedback-nlp[spark]'" in result.output
    assert "Traceback" not in result.output


def test_missing_java_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "java_available", lambda: False)
    monkeypatch.setattr("pyspark.sql.SparkSession.getActiveSession", staticmethod(lambda: None))
    with pytest.raises(ConfigError, match="default-jre-headless"):
        session.spark_session("local[1]")
