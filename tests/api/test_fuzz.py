"""Schemathesis against the API's own OpenAPI document: whatever it sends, no server error.

Every operation the document describes is called with generated parameters (valid ones and
edge cases: odd dates, huge numbers, unknown slugs, absurd resolutions), against a database
holding a real campaign. Any answer is acceptable except a 5xx.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.sharing_data import morocco

# The document is read from the application itself, as a client would read it.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def data(db, settings):
    morocco()
    settings.ALLOWED_HOSTS = ["*"]
    # Every request comes from one address: lift the per-address limit for the fuzzer.
    settings.LIKEWATCH_RATE_LIMITS = {**settings.LIKEWATCH_RATE_LIMITS, "api": "1000000/m"}
    # As Django's own test client does: a request must not close the test's connection
    # (inside the test's transaction, PostgreSQL's would be closed as "obsolete").
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_with_a_server_error(data, case):
    case.call_and_validate(checks=[not_a_server_error])
