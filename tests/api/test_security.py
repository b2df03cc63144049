"""API keys and scopes on every /v1 route: 401 without or with an unknown key, 403 with the wrong scope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.security import KeyRing, Principal, generate_key, hash_key, parse_scopes
from feedback_nlp.config import ApiKeySpec
from tests.api.conftest import KEYS, ClientFactory, assert_error, auth

#: (method, path, request kwargs, scope the route needs)
ROUTES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/v1/classify", {"json": {"text": "空调不制冷"}}, "classify"),
    ("POST", "/v1/ingest/tickets", {"json": []}, "ingest"),
    ("GET", "/v1/kpis", {}, "read"),
    ("GET", "/v1/kpis/catalogue", {}, "read"),
    ("GET", "/v1/kpis/csat_rate", {}, "read"),
    ("GET", "/v1/themes/top", {}, "read"),
    ("GET", "/v1/themes/emerging", {}, "read"),
    ("GET", "/v1/models", {}, "read"),
    ("POST", "/v1/models/baseline@v1/activate", {}, "admin"),
]
IDS = [f"{m} {p}" for m, p, _, _ in ROUTES]


@pytest.mark.parametrize(("method", "path", "kwargs", "scope"), ROUTES, ids=IDS)
def test_no_key_is_401(client: TestClient, method: str, path: str, kwargs: dict, scope: str) -> None:
    response = client.request(method, path, **kwargs)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "kwargs", "scope"), ROUTES, ids=IDS)
def test_unknown_key_is_401(client: TestClient, method: str, path: str, kwargs: dict, scope: str) -> None:
    response = client.request(method, path, headers={"X-API-Key": "fnlp_not-a-key"}, **kwargs)
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("method", "path", "kwargs", "scope"), ROUTES, ids=IDS)
def test_every_other_scope_is_403(client: TestClient, method: str, path: str, kwargs: dict, scope: str) -> None:
    for other in ("read", "classify", "ingest"):
        if other == scope:
            continue
        body = assert_error(client.request(method, path, headers=auth(other), **kwargs), 403, "forbidden")
        assert body["details"] == {"required_scope": scope, "key": f"test-{other}"}


@pytest.mark.parametrize(("method", "path", "kwargs", "scope"), ROUTES, ids=IDS)
def test_the_right_scope_gets_past_auth(client: TestClient, method: str, path: str, kwargs: dict,
                                        scope: str) -> None:
    for who in (scope, "admin"):  # admin implies every scope
        response = client.request(method, path, headers=auth(who), **kwargs)
        assert response.status_code not in (401, 403), (who, response.text)


def test_bearer_token_works_like_the_header(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {KEYS['read']}"}
    assert client.get("/v1/models", headers=headers).status_code == 200
    assert_error(client.get("/v1/models", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    assert_error(client.get("/v1/models", headers={"Authorization": f"Basic {KEYS['read']}"}), 401, "unauthorized")


def test_without_configured_keys_everything_is_401_not_open(make_client: ClientFactory) -> None:
    client = make_client(api_keys=[])
    assert_error(client.get("/v1/models", headers=auth("admin")), 401, "unauthorized")
    assert client.get("/health").status_code == 200


def test_keys_are_stored_hashed_and_compared_by_hash() -> None:
    key = generate_key()
    assert key.startswith("fnlp_") and len(key) > 40 and generate_key() != key
    digest = hash_key(key)
    assert len(digest) == 64 and key not in digest
    ring = KeyRing([ApiKeySpec(name="bi", key_sha256=digest, scopes=["read", "classify"])])
    assert ring.authenticate(key) == Principal("bi", frozenset({"read", "classify"}), key_id=digest[:16])
    assert ring.authenticate(key + "x") is None
    assert ring.authenticate(digest) is None  # the hash itself is not a key


def test_parse_scopes() -> None:
    assert parse_scopes("read, classify,read") == ["read", "classify"]
    with pytest.raises(ValueError, match="unknown scope 'write'"):
        parse_scopes("read,write")
    with pytest.raises(ValueError, match="no scope"):
        parse_scopes(" , ")


def test_settings_refuse_a_plain_key_in_place_of_its_hash() -> None:
    with pytest.raises(ValueError, match="key_sha256"):
        ApiKeySpec(name="x", key_sha256="fnlp_plain-key", scopes=["read"])
