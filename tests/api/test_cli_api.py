"""``feedback-nlp api-key create|list`` and the demo key of ``serve --demo``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.security import KeyRing, hash_key
from feedback_nlp.cli import app
from feedback_nlp.cli.api_key import with_demo_key
from feedback_nlp.config import ApiKeySpec, Settings, get_settings

runner = CliRunner()


def test_create_prints_a_key_once_and_the_entry_that_accepts_it() -> None:
    result = runner.invoke(app, ["api-key", "create", "--name", "bi", "--scopes", "read,classify", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    entry = ApiKeySpec(**out["entry"])
    assert entry.key_sha256 == hash_key(out["key"]) and entry.scopes == ["read", "classify"]
    principal = KeyRing([entry]).authenticate(out["key"])
    assert principal is not None and principal.allows("classify") and not principal.allows("ingest")


def test_create_text_output_has_the_env_line() -> None:
    result = runner.invoke(app, ["api-key", "create", "--name", "ops", "--scopes", "admin"])
    assert result.exit_code == 0
    key = result.stdout.splitlines()[0].removeprefix("key: ")
    env_line = next(line for line in result.stdout.splitlines() if line.startswith("e.g. FEEDBACK_NLP_API__API_KEYS="))
    keys = json.loads(env_line.split("=", 1)[1].strip("'"))
    assert keys[0]["key_sha256"] == hash_key(key)


def test_create_refuses_unknown_scopes() -> None:
    result = runner.invoke(app, ["api-key", "create", "--name", "x", "--scopes", "read,write"])
    assert result.exit_code == 2 and "write" in result.output


def test_settings_read_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"name": "bi", "key_sha256": hash_key("k"), "scopes": ["read"]}
    monkeypatch.setenv("FEEDBACK_NLP_API__API_KEYS", json.dumps([entry]))
    monkeypatch.setenv("FEEDBACK_NLP_API__MAX_TEXTS", "50")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.api.api_keys[0].name == "bi" and settings.api.max_texts == 50
        result = runner.invoke(app, ["api-key", "list"])
        assert "bi" in result.stdout and hash_key("k")[:12] in result.stdout and hash_key("k") not in result.stdout
    finally:
        get_settings.cache_clear()


def test_demo_key_only_on_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None)
    local = with_demo_key(settings, "127.0.0.1")
    key = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert key.startswith("fnlp_")
    principal = KeyRing(local.api.api_keys).authenticate(key)
    assert principal is not None and principal.allows("admin")
    assert settings.api.api_keys == []  # the original settings are untouched
    assert with_demo_key(settings, "0.0.0.0").api.api_keys == []
