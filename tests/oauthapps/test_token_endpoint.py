"""POST /v2/token: the contract of docs/domain.md and every refusal with its RFC 6749 §5.2 error."""

import base64
import json
import logging
from datetime import timedelta

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from oauthapps import services
from oauthapps.models import ClientSecret
from oauthapps.secrets import secret_digest
from tests.factories import make_app, web_actor

pytestmark = pytest.mark.django_db

TOKEN_URL = "/v2/token"


def post_token(client, data, **extra):
    return client.post(TOKEN_URL, data, content_type="application/x-www-form-urlencoded", **extra)


def form(**fields) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


def basic(client_id, secret) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def credentials(issued, **extra) -> str:
    return form(
        grant_type="client_credentials", client_id=issued.app.client_id, client_secret=issued.secret, **extra
    )


def assert_error(response, status, error):
    body = response.json()
    assert response.status_code == status, body
    assert body["error"] == error
    assert body["status"] == status
    assert isinstance(body["code"], int) and body["message"] and body["more_info"].startswith("https://")
    assert response["Cache-Control"] == "no-store"
    return body


def test_client_secret_post_issues_a_bearer_jwt(client, issued):
    response = post_token(client, credentials(issued))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] is None and body["id_token"] is None
    assert response["Cache-Control"] == "no-store"
    assert jwt.get_unverified_header(body["access_token"])["kid"]


def test_client_secret_basic_issues_a_token(client, issued):
    response = post_token(
        client,
        form(grant_type="client_credentials"),
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    )
    assert response.status_code == 200


def test_token_claims(client, issued, settings):
    token = post_token(client, credentials(issued)).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == claims["client_id"] == issued.app.client_id
    assert claims["account_sid"] == issued.app.account.sid
    assert claims["iss"] == settings.OAUTH_ISSUER
    assert claims["aud"] == settings.TOKEN_AUDIENCES[0]
    assert claims["scope"].split() == issued.app.scopes
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert all(isinstance(claims[k], int) for k in ("exp", "iat", "nbf"))
    assert len(claims["jti"]) == 32


def test_issuing_a_token_writes_no_row(client, issued):
    """A token is not stored anywhere: revocations are (oauthapps/server/revocations.py)."""
    assert post_token(client, credentials(issued)).status_code == 200  # the first signing key, last use
    with CaptureQueriesContext(connection) as queries:
        response = post_token(client, credentials(issued))
    assert response.status_code == 200
    statements = [query["sql"].lstrip().upper() for query in queries]
    assert not [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))], statements
    assert not AccessToken.objects.exists()
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["secret_tag"] == issued.secret_record.token_tag


@pytest.mark.parametrize("grant_type", ["authorization_code", "password", "refresh_token", "urn:x:unknown"])
def test_other_grant_types_are_unsupported(client, issued, grant_type):
    data = form(grant_type=grant_type, client_id=issued.app.client_id, client_secret=issued.secret)
    assert_error(post_token(client, data), 400, "unsupported_grant_type")


def test_missing_client_id_is_invalid_client(client, issued):
    response = post_token(client, form(grant_type="client_credentials", client_secret=issued.secret))
    assert_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_wrong_secret_is_invalid_client(client, issued):
    data = form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret="x" * 64)
    assert_error(post_token(client, data), 401, "invalid_client")


def test_wrong_basic_secret_gets_basic_challenge(client, issued):
    response = post_token(
        client, form(grant_type="client_credentials"), HTTP_AUTHORIZATION=basic(issued.app.client_id, "wrong")
    )
    assert_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic realm=")


def test_secret_of_another_app_is_invalid_client(client, issued, account, member):
    other = make_app(account, user=member.user, name="Other")
    data = form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret=other.secret)
    assert_error(post_token(client, data), 401, "invalid_client")


def test_stored_digest_offered_as_secret_is_invalid_client(client, issued):
    digest = ClientSecret.objects.get(app=issued.app).digest
    data = form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret=digest)
    assert_error(post_token(client, data), 401, "invalid_client")


def test_previous_secret_works_during_grace_and_not_after(client, issued, member):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    assert post_token(client, credentials(issued)).status_code == 200
    ClientSecret.objects.filter(digest=secret_digest(issued.secret)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_error(post_token(client, credentials(issued)), 401, "invalid_client")


def test_deleted_app_is_invalid_client(client, issued, member):
    services.oauth_app_delete(app=issued.app, actor=web_actor(member.user))
    assert_error(post_token(client, credentials(issued)), 401, "invalid_client")


def test_malformed_basic_header_is_invalid_request(client, issued):
    response = post_token(
        client, form(grant_type="client_credentials"), HTTP_AUTHORIZATION="Basic !!!not-base64"
    )
    assert_error(response, 400, "invalid_request")
    response = post_token(
        client,
        form(grant_type="client_credentials"),
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"no-colon").decode(),
    )
    assert_error(response, 400, "invalid_request")


def test_two_authentication_methods_are_invalid_request(client, issued):
    response = post_token(
        client, credentials(issued), HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret)
    )
    assert_error(response, 400, "invalid_request")


def test_stray_twilio_account_basic_header_does_not_break_body_credentials(client, issued):
    response = post_token(client, credentials(issued), HTTP_AUTHORIZATION=basic("AC" + "0" * 32, "authtoken"))
    assert response.status_code == 200


def test_basic_header_that_is_no_client_id_is_read_as_the_validator_reads_it(client, issued):
    """One Client ID predicate: a Basic user that merely starts like a Client ID ("OQ", not a
    sid) is ignored by the validator, so the shape check does not count it as a second
    authentication either; the body's credentials authenticate."""
    response = post_token(client, credentials(issued), HTTP_AUTHORIZATION=basic("OQnot-a-sid", "x"))
    assert response.status_code == 200, response.json()


def test_json_body_is_invalid_request(client, issued):
    body = json.dumps(
        {
            "grant_type": "client_credentials",
            "client_id": issued.app.client_id,
            "client_secret": issued.secret,
        }
    )
    response = client.post(TOKEN_URL, body, content_type="application/json")
    error = assert_error(response, 400, "invalid_request")
    assert "x-www-form-urlencoded" in error["error_description"]


def test_oversized_body_is_413(client, issued):
    response = post_token(client, credentials(issued, padding="x" * 20000))
    assert_error(response, 413, "invalid_request")


def test_repeated_parameter_is_invalid_request(client, issued):
    response = post_token(client, credentials(issued) + "&grant_type=client_credentials")
    body = assert_error(response, 400, "invalid_request")
    assert "grant_type" in body["error_description"]


def test_invalid_utf8_is_invalid_request(client, issued):
    response = client.post(
        TOKEN_URL,
        b"grant_type=client_credentials&client_id=%ff%fe\xff",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_get_is_method_not_allowed(client):
    response = client.get(TOKEN_URL)
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_options_answers_allow_without_a_body(client):
    response = client.options(TOKEN_URL)
    assert response.status_code == 200
    assert response["Allow"] == "POST, OPTIONS" and response.content == b""


def test_any_accept_header_still_gets_json(client, issued):
    """A client's Accept header does not turn a token into DRF's 406."""
    response = post_token(client, credentials(issued), HTTP_ACCEPT="text/html")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json" and response.json()["access_token"]


def test_refusals_carry_no_allow_header(client):
    response = post_token(client, form(grant_type="password"))
    assert_error(response, 400, "unsupported_grant_type")
    assert "Allow" not in response


def test_malformed_and_wrong_method_requests_are_not_counted_per_address(client, settings):
    """The shape checks come before the per-address limit, as they always have."""
    settings.THROTTLE_TOKEN_PER_IP = "1/60"
    for _ in range(3):
        assert_error(post_token(client, form(grant_type="password")), 400, "unsupported_grant_type")
        assert client.get(TOKEN_URL).status_code == 405
    unknown = form(grant_type="client_credentials", client_id="OQ" + "0" * 32, client_secret="x")
    assert_error(post_token(client, unknown), 401, "invalid_client")
    assert_error(post_token(client, unknown), 429, "too_many_requests")


def test_refused_request_changes_no_data_and_logs_no_secret(client, issued, caplog):
    caplog.set_level(logging.DEBUG)
    before = list(ClientSecret.objects.values_list("last_used_at", flat=True))
    wrong = issued.secret[::-1]
    post_token(
        client, form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret=wrong)
    )
    assert not AccessToken.objects.exists()
    assert list(ClientSecret.objects.values_list("last_used_at", flat=True)) == before
    assert wrong not in caplog.text and issued.secret not in caplog.text


def test_successful_request_logs_neither_secret_nor_token(client, issued, caplog):
    caplog.set_level(logging.DEBUG)
    token = post_token(client, credentials(issued)).json()["access_token"]
    assert issued.secret not in caplog.text and token not in caplog.text


def test_last_used_is_recorded(client, issued):
    post_token(client, credentials(issued))
    assert ClientSecret.objects.get(app=issued.app).last_used_at is not None


def token_lifetime(response) -> tuple[int, int]:
    body = response.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    return body["expires_in"], claims["exp"] - claims["iat"]


@pytest.mark.parametrize("ttl", [60, 5400, 2_592_000])
def test_token_lifetime_is_the_apps_token_expiration_time(client, account, member, ttl):
    issued = services.oauth_app_create(
        account=account,
        actor=web_actor(member.user),
        name="Short-lived",
        scopes=["/twilio/monitor/events/list"],
        access_token_ttl=ttl,
    )
    response = post_token(client, credentials(issued))
    assert token_lifetime(response) == (ttl, ttl)
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert abs(claims["exp"] - timezone.now().timestamp() - ttl) < 5


def test_changing_the_token_expiration_time_changes_new_tokens_only(client, issued, member):
    before = post_token(client, credentials(issued))
    services.oauth_app_update(app=issued.app, actor=web_actor(member.user), access_token_ttl=120)
    after = post_token(client, credentials(issued))
    assert token_lifetime(before) == (3600, 3600)
    assert token_lifetime(after) == (120, 120)
    old_claims = jwt.decode(before.json()["access_token"], options={"verify_signature": False})
    assert old_claims["exp"] - old_claims["iat"] == 3600  # an issued token keeps its lifetime
