"""Property tests of every operation against our own OpenAPI description (schemathesis).

Each operation gets generated valid and invalid inputs, with a token that holds every
permission these APIs need; schemathesis's default checks then require no 5xx, documented
status codes, content types and headers, response bodies that match their schemas, 401
without the token and 405 for undocumented methods. The example count is kept small so
the whole run stays well under two minutes.
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import EVERYTHING, token_for
from tests.factories import AccountFactory, MembershipFactory, make_app

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))  # raise it for a deeper local run
# "Schema-valid request rejected" is left out on purpose: what decides acceptance here is
# beyond what a schema states — a permission must exist in the catalog, owner_sid must be
# the token's own account, a PageToken must carry our signature, an audience must be one
# we serve. Those inputs are answered with 400s naming the field (tests/api/test_iam.py,
# test_events.py); every other default check runs.
EXCLUDED_CHECKS = [positive_data_acceptance]


@pytest.fixture
def keep_the_test_connection(bearer):
    """The WSGI handler closes "obsolete" connections around each request, and inside the
    test's transaction the connection looks obsolete: on PostgreSQL that would close it
    under the test. Django's test client disconnects the same handlers for the same reason
    (and reconnects them after each of its own requests, hence after ``bearer``)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection (pytest-django has configured Django by then): schemathesis's lazy
# fixture loader relies on pytest internals that pytest 9 removed.
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", get_wsgi_application())
_issued = {}


@schema.auth(refresh_interval=None)  # each test has its own database, so its own token
class _BearerAuth:
    """The test's token, given to schemathesis as the schema's bearerAuth: it then leaves the
    header out on purpose for its missing-credentials cases (and expects 401 there)."""

    def get(self, case, context):
        return _issued.get("token", "")  # also asked once while collecting, before any test

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def bearer(db, client):
    account = AccountFactory()
    issued = make_app(account, user=MembershipFactory(account=account).user, scopes=EVERYTHING)
    make_app(account, name="Fuzz target")  # something for list pages to show
    _issued["token"] = token_for(client, issued)
    yield
    _issued.clear()


def test_the_description_is_served_and_lists_every_operation(client):
    document = client.get("/v1/openapi.json").json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert operations == {
        ("GET", "/v1/Account/OAuthApps"),
        ("POST", "/v1/Account/OAuthApps"),
        ("GET", "/v1/Account/OAuthApps/{sid}"),
        ("PUT", "/v1/Account/OAuthApps/{sid}"),
        ("DELETE", "/v1/Account/OAuthApps/{sid}"),
        ("POST", "/v1/Account/OAuthApps/{sid}/Secret"),
        ("POST", "/v1/Account/OAuthApps/{sid}/secret"),
        ("GET", "/v1/Events"),
        ("GET", "/v1/Events/{sid}"),
        ("POST", "/v2/token"),
        ("POST", "/v1/token"),
    }
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_is_served_without_a_cdn(client):
    response = client.get("/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower() and "cdn.jsdelivr" not in html and "unpkg.com" not in html


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_and_never_fails(case, bearer, keep_the_test_connection):
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


def test_the_fuzzing_gets_past_authentication(bearer, keep_the_test_connection):
    """The checks above accept a 401 as documented: a stale or missing token would turn every
    case into one unnoticed. Cases generated as the fuzzing generates them are never 401."""
    statuses = []

    @given(case=schema["/v1/Account/OAuthApps"]["GET"].as_strategy())
    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case):
        statuses.append(case.call().status_code)

    call()
    assert statuses and 401 not in statuses, statuses
