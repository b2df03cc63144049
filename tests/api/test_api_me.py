"""GET /v1/me: the calling key's name, scopes and expiry (what the dashboard shows and enables panels by)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.security import SCOPES, hash_key
from tests.api.conftest import KEYS, ClientFactory, assert_error, auth


def test_each_key_sees_its_own_name_and_scopes(client: TestClient) -> None:
    for who in (*SCOPES, "all"):
        response = client.get("/v1/me", headers=auth(who))
        assert response.status_code == 200, (who, response.text)
        body = response.json()
        assert body["name"] == f"test-{who}" and body["expires_at"] is None
        assert body["scopes"] == (list(SCOPES) if who == "all" else [who])
        # admin passes every scope check; the others only their own
        assert body["allowed"] == (list(SCOPES) if who in ("admin", "all") else [who])
        assert KEYS[who] not in response.text and hash_key(KEYS[who]) not in response.text  # never the key


def test_the_allowed_scopes_are_the_ones_the_routes_let_through(client: TestClient) -> None:
    for who in SCOPES:
        allowed = client.get("/v1/me", headers=auth(who)).json()["allowed"]
        read = client.get("/v1/models", headers=auth(who)).status_code
        classify = client.post("/v1/classify", json={"text": "空调不制冷"}, headers=auth(who)).status_code
        assert (read == 200) == ("read" in allowed) and (read == 403) == ("read" not in allowed), who
        assert (classify == 200) == ("classify" in allowed) and (classify == 403) == ("classify" not in allowed), who


def test_no_key_an_unknown_key_and_an_expired_key_are_refused(make_client: ClientFactory, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    until = datetime.now(UTC) + timedelta(days=3)
    keys_file.write_text(json.dumps([
        {"name": "old", "key_sha256": hash_key("fnlp_me-old"), "scopes": ["read"],
         "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()},
        {"name": "bi", "key_sha256": hash_key("fnlp_me-bi"), "scopes": ["read", "classify"],
         "expires_at": until.isoformat()},
    ]), encoding="utf-8")  # fmt: skip
    client = make_client(keys_file=keys_file)
    assert_error(client.get("/v1/me"), 401, "unauthorized")
    assert_error(client.get("/v1/me", headers={"X-API-Key": "fnlp_not-a-key"}), 401, "unauthorized")
    assert assert_error(client.get("/v1/me", headers={"X-API-Key": "fnlp_me-old"}), 401,
                        "unauthorized")["message"] == "expired API key"  # fmt: skip
    body = client.get("/v1/me", headers={"Authorization": "Bearer fnlp_me-bi"}).json()
    assert body["name"] == "bi" and body["scopes"] == ["read", "classify"] == body["allowed"]
    assert datetime.fromisoformat(body["expires_at"]) == until
