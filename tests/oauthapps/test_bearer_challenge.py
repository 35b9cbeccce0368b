"""One RFC 6750 §3 challenge builder: the server's APIs, its gateway check and the resource-server
helper word ``WWW-Authenticate: Bearer`` alike, each in its own realm, values escaped."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView, exception_handler

from oauthapps.resource_server.drf import HasPermission, JWTAuthentication
from oauthapps.server.jwt_rules import bearer_challenge

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"
GATEWAY = "/v1/gateway/check"
ORIGINAL = {"HTTP_X_ORIGINAL_METHOD": "GET", "HTTP_X_ORIGINAL_URI": "/v1/Events", "HTTP_X_ORIGINAL_HOST": "x"}


class ServiceView(APIView):
    """A view of another service, with DRF's stock exception handler."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [HasPermission]
    required_permissions = {"GET": "/twilio/monitor/events/list"}

    def get_exception_handler(self):
        return exception_handler

    def get(self, request):
        return Response({})


@pytest.fixture
def service_settings(settings):
    # Nothing is fetched: an absent or malformed token is refused before any key is needed.
    settings.OAUTH_APPS_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"
    settings.OAUTH_APPS_ISSUER = settings.OAUTH_ISSUER
    return settings


def helper_challenge(authorization: str | None = None) -> str:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = ServiceView.as_view()(APIRequestFactory().get("/v1/Events", **headers))
    assert response.status_code == 401
    return response["WWW-Authenticate"]


def test_realm_comes_first_then_the_parameters_in_order():
    assert (
        bearer_challenge("api", error="insufficient_scope", scope="/twilio/voice/calls/list")
        == 'Bearer realm="api", error="insufficient_scope", scope="/twilio/voice/calls/list"'
    )


def test_a_parameter_without_a_value_is_left_out():
    assert bearer_challenge("api", error=None, scope=None) == 'Bearer realm="api"'


def test_a_quote_or_backslash_in_a_value_is_escaped():
    # RFC 9110 §5.6.4: inside a quoted-string, `"` and `\` are sent as quoted-pairs.
    assert (
        bearer_challenge("api", error_description='say "hi" \\ bye')
        == 'Bearer realm="api", error_description="say \\"hi\\" \\\\ bye"'
    )


def test_a_line_break_cannot_end_the_header():
    challenge = bearer_challenge("api", error_description="no\r\nSet-Cookie: x=1")
    assert challenge == 'Bearer realm="api", error_description="no??Set-Cookie: x=1"'


def test_the_helpers_realm_setting_is_escaped(service_settings):
    service_settings.OAUTH_APPS_REALM = 'billing "eu"'
    assert helper_challenge() == 'Bearer realm="billing \\"eu\\""'


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, 'Bearer realm="oauth-apps"'),
        ("Bearer not-a-jwt", 'Bearer realm="oauth-apps", error="invalid_token"'),
    ],
)
def test_api_gateway_and_helper_word_a_401_alike(client, service_settings, authorization, expected):
    service_settings.OAUTH_APPS_REALM = "oauth-apps"
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert client.get(APPS, **headers)["WWW-Authenticate"] == expected
    assert client.get(GATEWAY, **ORIGINAL, **headers)["WWW-Authenticate"] == expected
    assert helper_challenge(authorization) == expected
