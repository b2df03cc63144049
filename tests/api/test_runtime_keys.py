"""Keys managed at run time (issue 16, row 13): a keys file the server re-reads; `api-key create/revoke --file`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.security import KeyRing, hash_key, read_keys_file
from feedback_nlp.cli import app as cli
from feedback_nlp.config import ApiKeySpec, get_settings
from tests.api.conftest import KEYS, ClientFactory, assert_error, auth

runner = CliRunner()
NEW_KEY = "fnlp_runtime-new-key"
OTHER_KEY = "fnlp_runtime-other-key"


def entry(name: str, key: str, scopes: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "key_sha256": hash_key(key), "scopes": scopes or ["read"], **extra}


def write(path: Path, entries: list[dict[str, Any]] | str) -> None:
    path.write_text(entries if isinstance(entries, str) else json.dumps(entries), encoding="utf-8")


def key_client(make_client: ClientFactory, keys_file: Path) -> TestClient:
    client = make_client(keys_file=keys_file, raise_server_exceptions=False)
    client.app.state.services.keys.check_interval_s = 0  # type: ignore[attr-defined]  # every request checks
    return client


def models(client: TestClient, key: str) -> Any:
    return client.get("/v1/models", headers={"X-API-Key": key})


def test_a_key_added_after_start_up_works_and_a_revoked_one_is_refused(
        make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"  # missing at start-up: no file keys yet
    client = key_client(make_client, keys_file)
    assert_error(models(client, NEW_KEY), 401, "unauthorized")
    write(keys_file, [entry("late", NEW_KEY)])
    assert models(client, NEW_KEY).status_code == 200
    assert client.get("/v1/models", headers=auth("read")).status_code == 200  # settings keys still work
    write(keys_file, [entry("other", OTHER_KEY)])
    body = assert_error(models(client, NEW_KEY), 401, "unauthorized")
    assert body["message"] == "unknown API key"
    assert models(client, OTHER_KEY).status_code == 200


def test_file_keys_keep_their_scopes(make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    write(keys_file, [entry("reader", NEW_KEY, ["read"])])
    client = key_client(make_client, keys_file)
    assert_error(client.post("/v1/models/baseline/activate", headers={"X-API-Key": NEW_KEY}), 403, "forbidden")


def test_an_expired_key_is_refused(make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    write(keys_file, [entry("old", NEW_KEY, expires_at=past), entry("fresh", OTHER_KEY, expires_at=future)])
    client = key_client(make_client, keys_file)
    body = assert_error(models(client, NEW_KEY), 401, "unauthorized")
    assert body["message"] == "expired API key"
    assert models(client, OTHER_KEY).status_code == 200


@pytest.mark.parametrize("broken", ["[{", '{"name": "x"}', json.dumps([{"name": "x", "key_sha256": "nothex",
                                                                         "scopes": ["read"]}]),
                                    json.dumps([{"name": "x", "key_sha256": "0" * 64, "scopes": ["write"]}])])
def test_a_broken_file_keeps_the_previous_keys(make_client: ClientFactory, tmp_path: Path, broken: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    keys_file = tmp_path / "keys.json"
    write(keys_file, [entry("late", NEW_KEY)])
    client = key_client(make_client, keys_file)
    assert models(client, NEW_KEY).status_code == 200
    write(keys_file, broken)
    with caplog.at_level(logging.WARNING, logger="api.security"):
        for _ in range(3):
            assert models(client, NEW_KEY).status_code == 200
        assert_error(models(client, OTHER_KEY), 401, "unauthorized")
    warnings = [r for r in caplog.records if r.name == "api.security" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage() and "keeping" in warnings[0].getMessage()
    write(keys_file, [entry("other", OTHER_KEY)])  # fixed: the new content counts again
    assert models(client, OTHER_KEY).status_code == 200
    assert_error(models(client, NEW_KEY), 401, "unauthorized")


def test_the_file_is_checked_at_most_once_per_interval(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    now = [0.0]
    ring = KeyRing([], keys_file, clock=lambda: now[0])
    write(keys_file, [entry("late", NEW_KEY)])
    assert ring.authenticate(NEW_KEY) is None  # checked at construction, under a second ago
    now[0] = 1.5
    principal = ring.authenticate(NEW_KEY)
    assert principal is not None and principal.name == "late" and len(ring) == 1


def test_naive_expiry_is_utc() -> None:
    spec = ApiKeySpec(**entry("x", NEW_KEY, expires_at="2030-01-01T00:00:00"))
    assert spec.expires_at == datetime(2030, 1, 1, tzinfo=UTC)


# --- the command line -------------------------------------------------------------------------------------------


def test_cli_create_and_revoke_with_a_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "sub" / "keys.json"
    result = runner.invoke(cli, ["api-key", "create", "--name", "bi", "--scopes", "read,classify",
                                 "--file", str(keys_file), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    specs = read_keys_file(keys_file)
    assert [s.name for s in specs] == ["bi"] and specs[0].key_sha256 == hash_key(out["key"])
    assert specs[0].scopes == ["read", "classify"] and specs[0].expires_at is None

    result = runner.invoke(cli, ["api-key", "create", "--name", "ops", "--scopes", "admin", "--expires-days", "30",
                                 "--file", str(keys_file)])
    assert result.exit_code == 0, result.output
    key = result.stdout.splitlines()[0].removeprefix("key: ")
    ops = read_keys_file(keys_file)[1]
    assert ops.name == "ops" and ops.key_sha256 == hash_key(key)
    assert ops.expires_at is not None and timedelta(days=29) < ops.expires_at - datetime.now(UTC) <= timedelta(days=30)
    assert not list(keys_file.parent.glob("*.tmp"))  # the temporary file was replaced into place

    result = runner.invoke(cli, ["api-key", "create", "--name", "bi", "--file", str(keys_file)])
    assert result.exit_code == 4 and "already" in result.output and len(result.output.strip().splitlines()) == 1
    assert len(read_keys_file(keys_file)) == 2

    result = runner.invoke(cli, ["api-key", "revoke", "bi", "--file", str(keys_file)])
    assert result.exit_code == 0, result.output
    assert [s.name for s in read_keys_file(keys_file)] == ["ops"]
    result = runner.invoke(cli, ["api-key", "revoke", "bi", "--file", str(keys_file)])
    assert result.exit_code == 3 and "bi" in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_revoke_needs_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDBACK_NLP_API__KEYS_FILE", raising=False)
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["api-key", "revoke", "bi"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "--file" in result.output


def test_cli_refuses_a_broken_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    write(keys_file, "[{")
    result = runner.invoke(cli, ["api-key", "create", "--name", "bi", "--file", str(keys_file)])
    assert result.exit_code == 2 and "keys file" in result.output
    assert keys_file.read_text(encoding="utf-8") == "[{"  # untouched


def test_cli_list_shows_the_file_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys_file = tmp_path / "keys.json"
    write(keys_file, [entry("late", NEW_KEY, expires_at="2000-01-01T00:00:00Z")])
    monkeypatch.setenv("FEEDBACK_NLP_API__API_KEYS", json.dumps([entry("bi", KEYS["read"])]))
    get_settings.cache_clear()
    try:
        by_option = runner.invoke(cli, ["api-key", "list", "--file", str(keys_file)], env={"COLUMNS": "200"})
        monkeypatch.setenv("FEEDBACK_NLP_API__KEYS_FILE", str(keys_file))
        get_settings.cache_clear()
        by_setting = runner.invoke(cli, ["api-key", "list"], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    for result in (by_option, by_setting):
        assert result.exit_code == 0, result.output
        assert "bi" in result.stdout and "late" in result.stdout and "expired" in result.stdout
        assert hash_key(NEW_KEY)[:12] in result.stdout and hash_key(NEW_KEY) not in result.stdout


def test_a_key_created_by_the_cli_works_on_the_running_server(make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    client = key_client(make_client, keys_file)
    result = runner.invoke(cli, ["api-key", "create", "--name", "live", "--scopes", "read",
                                 "--file", str(keys_file), "--json"])
    key = json.loads(result.stdout)["key"]
    assert models(client, key).status_code == 200
    assert runner.invoke(cli, ["api-key", "revoke", "live", "--file", str(keys_file)]).exit_code == 0
    assert_error(models(client, key), 401, "unauthorized")


def test_concurrent_creates_keep_every_key(tmp_path: Path) -> None:
    """Eight `api-key create --file` processes at once: the lock keeps every one of their keys."""
    import subprocess
    import sys

    keys_file = tmp_path / "keys.json"
    script = ("import sys; from feedback_nlp.cli import main; "
              "sys.argv = ['feedback-nlp', 'api-key', 'create', '--name', sys.argv[1], '--file', sys.argv[2]]; main()")
    procs = [subprocess.Popen([sys.executable, "-c", script, f"k{i}", str(keys_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(8)]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    assert sorted(s.name for s in read_keys_file(keys_file)) == [f"k{i}" for i in range(8)]


def test_a_key_created_with_its_own_rate_is_limited_by_it(make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    result = runner.invoke(cli, ["api-key", "create", "--name", "tight", "--rate", "0.2", "--burst", "2",
                                 "--file", str(keys_file), "--json"])
    assert result.exit_code == 0, result.output
    key = json.loads(result.stdout)["key"]
    spec = read_keys_file(keys_file)[0]
    assert (spec.rate_per_s, spec.burst) == (0.2, 2)
    client = key_client(make_client, keys_file)
    assert [models(client, key).status_code for _ in range(2)] == [200, 200]
    refused = models(client, key)
    assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "5"
    assert models(client, KEYS["read"]).status_code == 200  # the server's default for the others
