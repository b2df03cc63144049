"""Property-based fuzzing against the OpenAPI schema (schemathesis): no input gives a 5xx.

Every operation of ``/openapi.json`` gets generated requests (valid and invalid, as
schemathesis builds them) sent with an all-scope key; the only check is
``not_a_server_error``. Kept small (a fixed seed, a few dozen cases per operation) so
the suite stays quick; raise ``MAX_EXAMPLES`` locally for a longer hunt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from feedback_nlp.text import Segmenter
from tests.api.conftest import auth, make_settings

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, model_dir: Path, segmenter: Segmenter):  # noqa: ANN201
    # No rate limit: every generated case reaches its route instead of a 429.
    settings_ = make_settings(tmp_path_factory.mktemp("fuzz"), model_dir, max_texts=20, rate_limit_per_s=0)
    app = create_app(settings_, segmenter=segmenter)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    schemathesis.python.asgi.shutdown_lifespans()


def test_every_operation_answers_without_a_server_error(api_schema) -> None:  # noqa: ANN001
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def fuzz(case) -> None:  # noqa: ANN001 - schemathesis' Case
            case.call_and_validate(headers=auth("all"), checks=[not_a_server_error])

        fuzz()
    assert len(labels) == 17, labels  # every route was fuzzed
    samples = api_schema.app.state.metrics.requests.collect()[0].samples
    statuses = {s.labels["status"] for s in samples if s.name.endswith("_total")}
    n_requests = sum(s.value for s in samples if s.name.endswith("_total"))
    assert n_requests >= 8 * len(labels), n_requests  # cases really went through the app
    assert not any(status.startswith("5") for status in statuses), statuses
    print(f"fuzz: {n_requests:.0f} requests, statuses {sorted(statuses)}")
