"""Our own APIs accept only tokens meant for them (RFC 9068 §4: the resource server checks aud).

A server may issue tokens for other resource servers too (TOKEN_AUDIENCES); a token an app
got for billing must not manage OAuth apps or read the audit log here.
"""

import pytest

from tests.api.conftest import Api
from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db

BILLING = "https://billing.example.test"


@pytest.fixture(autouse=True)
def _two_audiences(settings):
    settings.TOKEN_AUDIENCES = [settings.OAUTH_ISSUER, BILLING]


def token(client, issued, audience=None) -> str:
    fields = credentials(issued, audience=audience) if audience else credentials(issued)
    response = post_token(client, fields)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.mark.parametrize("path", ["/v1/Account/OAuthApps", "/v1/Events"])
def test_a_token_for_another_audience_is_401_on_our_apis(client, admin_app, path):
    response = Api(client, token(client, admin_app, audience=BILLING)).get(path)
    assert response.status_code == 401, response.content
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize("path", ["/v1/Account/OAuthApps", "/v1/Events"])
def test_a_token_for_this_server_passes_on_our_apis(client, admin_app, path, settings):
    assert Api(client, token(client, admin_app)).get(path).status_code == 200
    explicit = token(client, admin_app, audience=settings.OAUTH_ISSUER)
    assert Api(client, explicit).get(path).status_code == 200


def gateway_check(client, bearer):
    return client.get(
        "/v1/gateway/check",
        HTTP_AUTHORIZATION=f"Bearer {bearer}",
        HTTP_X_ORIGINAL_METHOD="GET",
        HTTP_X_ORIGINAL_URI="/v1/Events",
        HTTP_X_ORIGINAL_HOST="monitor.twilio.com",
    )


def test_the_gateway_accepts_only_its_configured_audiences(client, admin_app, settings):
    settings.GATEWAY_AUDIENCES = [BILLING]
    assert gateway_check(client, token(client, admin_app, audience=BILLING)).status_code == 200
    assert gateway_check(client, token(client, admin_app)).status_code == 401


def test_the_gateway_accepts_any_audience_this_server_issues_by_default(client, admin_app):
    assert gateway_check(client, token(client, admin_app, audience=BILLING)).status_code == 200
    assert gateway_check(client, token(client, admin_app)).status_code == 200
