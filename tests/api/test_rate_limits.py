"""Per-key rate limits (issue 16): a token bucket per API key, 429 rate_limited with Retry-After."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.ratelimit import RateLimiter
from api.security import hash_key
from feedback_nlp.config import ApiKeySpec
from tests.api.conftest import ClientFactory, assert_error, auth


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, 3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert wait == 0.5  # one token at 2 per second
    assert limiter.take("b") == 0.0  # every key has a bucket of its own
    clock.now += 0.5
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0
    clock.now += 100  # a long pause refills up to the burst, never more
    assert [limiter.take("a") for _ in range(4)].count(0.0) == 3
    assert RateLimiter.retry_after(0.01) == 1 and RateLimiter.retry_after(2.5) == 3


def test_a_key_of_its_own_limits_overrides_the_default_and_zero_is_unlimited() -> None:
    limiter = RateLimiter(1.0, 1, clock=Clock())
    assert limiter.take("k") == 0.0 and limiter.take("k") > 0
    assert all(limiter.take("vip", 0, None) == 0.0 for _ in range(1000))
    assert [limiter.take("big", 1.0, 5) for _ in range(6)].count(0.0) == 5
    off = RateLimiter(0, 1, clock=Clock())
    assert all(off.take("any") == 0.0 for _ in range(1000))


def test_the_api_answers_429_with_retry_after_per_key(make_client: ClientFactory) -> None:
    client: TestClient = make_client(rate_limit_per_s=0.5, rate_limit_burst=3)
    read = auth("read")
    assert [client.get("/v1/models", headers=read).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/v1/models", headers=read)
    body = assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "2"  # one token at 0.5 per second
    assert body["details"] == {"key": "test-read", "rate_per_s": 0.5, "burst": 3}
    assert "test-read" in body["message"] and "0.5 requests/s" in body["message"]
    # Another key has its own bucket; probes are never limited; a refused request costs no token
    # of anyone else.
    assert client.get("/v1/models", headers=auth("all")).status_code == 200
    assert all(client.get("/health").status_code == 200 for _ in range(10))
    # An unknown key is 401 before any bucket is touched.
    assert_error(client.get("/v1/models", headers={"X-API-Key": "fnlp_nope"}), 401, "unauthorized")


def test_a_key_spec_sets_its_own_rate(make_client: ClientFactory, tmp_path: Path) -> None:
    keys = [ApiKeySpec(name="dashboard", key_sha256=hash_key("fnlp_dash"), scopes=["read"], rate_per_s=0),
            ApiKeySpec(name="tight", key_sha256=hash_key("fnlp_tight"), scopes=["read"], burst=1)]
    client = make_client(api_keys=keys, rate_limit_per_s=1, rate_limit_burst=50)
    assert all(client.get("/v1/models", headers={"X-API-Key": "fnlp_dash"}).status_code == 200
               for _ in range(60))  # over the server's burst of 50: its own rate 0 is unlimited
    assert client.get("/v1/models", headers={"X-API-Key": "fnlp_tight"}).status_code == 200
    assert_error(client.get("/v1/models", headers={"X-API-Key": "fnlp_tight"}), 429, "rate_limited")


def test_429_is_documented_on_every_route_that_checks_a_key(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation.get("responses", {}))
            if "401" in codes:
                assert "429" in codes, (method, path)
