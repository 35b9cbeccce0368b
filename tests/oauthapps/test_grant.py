"""The client credentials grant (oauthapps/server/grant.py) behind POST /v2/token: each thing is read
once, and every RFC 6749 refusal oauthlib used to make is still made, with the same error."""

import json
from unittest import mock

import jwt
import oauthlib.common
import pytest
from oauth2_provider.models import AccessToken

from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server import client_auth, grant
from tests.factories import AccountFactory
from tests.oauthapps.test_token_endpoint import assert_error, basic, credentials, form, post_token

pytestmark = pytest.mark.django_db

LIST = "/twilio/monitor/events/list"


def claims_of(response) -> dict:
    assert response.status_code == 200, response.content
    return jwt.decode(response.json()["access_token"], options={"verify_signature": False})


# ---------------------------------------------------------------- read once


def test_the_basic_header_is_decoded_once_per_request(client, issued):
    with mock.patch.object(client_auth, "basic_credentials", wraps=client_auth.basic_credentials) as decode:
        response = post_token(
            client,
            form(grant_type="client_credentials"),
            HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
        )
    assert response.status_code == 200, response.content
    assert decode.call_count == 1


def test_no_oauthlib_request_is_built_and_the_token_response_is_never_decoded(client, issued):
    decoded = []
    real_loads = json.loads

    def loads(text, *args, **kwargs):
        decoded.append(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        return real_loads(text, *args, **kwargs)

    with (
        mock.patch.object(oauthlib.common.Request, "__init__", side_effect=AssertionError("oauthlib parsed")),
        mock.patch("json.loads", loads),
    ):
        response = post_token(client, credentials(issued))
    token = response.json()["access_token"]
    assert response.status_code == 200
    assert not [text for text in decoded if token in text]


def test_the_claims_are_made_once_and_name_the_secret(client, issued):
    with mock.patch.object(grant, "access_token_claims", wraps=grant.access_token_claims) as make_claims:
        claims = claims_of(post_token(client, credentials(issued)))
    assert make_claims.call_count == 1
    assert claims["secret_tag"] == ClientSecret.objects.get(app=issued.app).token_tag


def test_a_refusal_is_counted_under_its_error(client, issued):
    from oauthapps import metrics

    refused = metrics.TOKENS_REFUSED.labels(error="invalid_scope")
    before = refused._value.get()
    assert_error(
        post_token(client, credentials(issued, scope="/twilio/voice/calls/create")), 400, "invalid_scope"
    )
    assert refused._value.get() == before + 1


# ---------------------------------------------------------------- RFC 8707 resource


def test_a_resource_indicator_is_accepted(client, issued):
    response = post_token(client, credentials(issued, resource="https://api.example.test/v1"))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("resource", ["", "   "])
def test_a_blank_resource_is_no_resource(client, issued, resource):
    assert grant.resource_indicators(resource) == []
    assert post_token(client, credentials(issued, resource=resource)).status_code == 200


@pytest.mark.parametrize(
    "resource",
    [
        "urn:example:api",
        "/v1/relative",
        "api.example.test",
        "https://api.example.test/#fragment",
        "https://api.example.test/#",
        "https://user:pass@api.example.test/",
        "https://api.example.test:99999/",
        "http://[::1",  # an unclosed IPv6 literal: urlsplit raises, which was a 500
    ],
)
def test_a_resource_that_is_not_an_absolute_uri_is_invalid_target(client, issued, resource):
    body = assert_error(post_token(client, credentials(issued, resource=resource)), 400, "invalid_target")
    assert "absolute URI with a scheme and host" in body["error_description"]
    assert not AccessToken.objects.exists()


def test_a_repeated_resource_is_invalid_request(client, issued):
    data = credentials(issued, resource="https://a.example.test") + "&resource=https%3A%2F%2Fb.example.test"
    body = assert_error(post_token(client, data), 400, "invalid_request")
    assert "resource" in body["error_description"]


def test_a_bad_resource_tells_nothing_without_the_secret(client, issued):
    data = form(
        grant_type="client_credentials", client_id=issued.app.client_id, client_secret="wrong", resource="x"
    )
    assert_error(post_token(client, data), 401, "invalid_client")


# ---------------------------------------------------------------- what oauthlib refused, still refused


def test_no_credentials_at_all_is_invalid_client_with_a_basic_challenge(client, issued):
    response = post_token(client, form(grant_type="client_credentials"))
    assert_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_an_app_without_the_client_credentials_grant_is_unauthorized_client(client, issued):
    OAuthApp.objects.filter(pk=issued.app.pk).update(
        authorization_grant_type=OAuthApp.GRANT_AUTHORIZATION_CODE
    )
    body = assert_error(post_token(client, credentials(issued)), 400, "unauthorized_client")
    assert body["error_description"] == grant.ERROR_MESSAGES["unauthorized_client"]
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("scope", ["", " ", f"{LIST}  {LIST}", 'a"b', f"{LIST} \\", "\u00e9", "\x00", "a\tb"])
def test_a_scope_that_breaks_rfc6749_syntax_is_invalid_scope(client, issued, scope):
    body = assert_error(post_token(client, credentials(issued, scope=scope)), 400, "invalid_scope")
    assert "RFC 6749 §3.3" in body["error_description"]


@pytest.mark.parametrize("scope", [f" {LIST}", f"{LIST} ", f"{LIST}\n"])
def test_whitespace_around_the_scope_is_forgiven_as_oauthlib_forgave_it(client, issued, scope):
    assert claims_of(post_token(client, credentials(issued, scope=scope)))["scope"] == LIST


def test_account_sid_of_another_account_in_the_body_is_invalid_request(client, issued):
    other = AccountFactory()
    body = assert_error(
        post_token(client, credentials(issued, account_sid=other.sid)), 400, "invalid_request"
    )
    assert other.sid in body["error_description"]


def test_account_sid_in_the_body_wins_over_the_query_as_it_did(client, issued):
    other = AccountFactory()
    response = client.post(
        f"/v2/token?account_sid={other.sid}",
        credentials(issued, account_sid=issued.app.account.sid),
        content_type="application/x-www-form-urlencoded",
    )
    assert claims_of(response)["account_sid"] == issued.app.account.sid


@pytest.mark.parametrize("query", ["account_sid", "account_sid=%G0"])
def test_a_malformed_account_sid_query_is_invalid_request_not_a_500(client, issued, query):
    response = client.post(
        f"/v2/token?{query}", credentials(issued), content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 400, "invalid_request")


def test_a_token_answer_is_never_cached(client, issued):
    response = post_token(client, credentials(issued))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"


# ---------------------------------------------------------------- the grant's parts


def test_resource_indicators_keep_the_value_as_sent():
    assert grant.resource_indicators(None) == []
    assert grant.resource_indicators("https://api.example.test/x?y=1") == ["https://api.example.test/x?y=1"]


def test_token_scopes_default_to_every_permission_of_the_app(issued):
    assert grant.token_scopes(issued.app, None) == issued.app.scopes
