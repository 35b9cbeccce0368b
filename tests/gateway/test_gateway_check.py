"""GET /v1/gateway/check: forward-auth for nginx, Traefik and Envoy (docs/domain.md, token checks)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from oauthapps import services
from oauthapps.server.tokens import access_token_claims, access_token_sign
from scopes.catalog import get_catalog
from tests.factories import AccountFactory, make_app, web_actor
from tests.oauthapps.test_token_endpoint import basic, credentials, form, post_token

pytestmark = pytest.mark.django_db

CHECK_URL = "/v1/gateway/check"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
OTHER_ACCOUNT_PATH = "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff"
SEND_SMS = "/twilio/messaging/messages/create"
LIST_CALLS = "/twilio/voice/calls/list"


def issue(client, issued) -> str:
    response = post_token(client, credentials(issued))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def check(
    client,
    token=None,
    *,
    method="POST",
    uri=f"{ACCOUNT_PATH}/Messages.json",
    host="api.twilio.com",
    **headers,
):
    """Ask the gateway check as nginx does (X-Original-*); ``headers`` override or add."""
    sent = {"HTTP_X_ORIGINAL_METHOD": method, "HTTP_X_ORIGINAL_URI": uri, "HTTP_X_ORIGINAL_HOST": host}
    if token is not None:
        sent["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    sent.update(headers)
    return client.get(CHECK_URL, **{name: value for name, value in sent.items() if value is not None})


def assert_refused(response, status, error=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status and isinstance(body["code"], int) and body["message"]
    assert body["more_info"].startswith("https://www.twilio.com/docs/errors/")
    assert response["Cache-Control"] == "no-store"
    assert "X-OAuth-Client-Id" not in response
    challenge = response.get("WWW-Authenticate", "")
    if status in (401, 403):
        assert challenge.startswith('Bearer realm="oauth-apps"')
    if error:
        assert f'error="{error}"' in challenge
    return challenge


@pytest.fixture
def account(db):
    """The account whose sid ACCOUNT_PATH names: the tokens below are this account's."""
    return AccountFactory(sid=ACCOUNT_SID)


@pytest.fixture
def sender(account, member):
    """An app allowed to send messages and nothing else."""
    return make_app(account, user=member.user, name="Sender", scopes=[SEND_SMS])


@pytest.fixture
def token(client, sender):
    return issue(client, sender)


# --- allowed ---------------------------------------------------------------------------------


def test_token_with_the_permission_passes_with_identity_headers(client, sender, token):
    response = check(client, token)
    assert response.status_code == 200
    assert response["X-OAuth-Client-Id"] == sender.app.client_id
    assert response["X-OAuth-Account-Sid"] == sender.app.account.sid
    assert response["X-OAuth-Scope"] == SEND_SMS
    assert response["Cache-Control"] == "no-store"


def test_query_string_and_json_suffix_do_not_change_the_permission(client, token):
    response = check(client, token, uri=f"{ACCOUNT_PATH}/Messages?To=%2B15550100")
    assert response["X-OAuth-Scope"] == SEND_SMS


def test_wildcard_grants_every_action_of_its_resource(client, account, member):
    app = make_app(account, user=member.user, scopes=["/twilio/messaging/messages/*"])
    token = issue(client, app)
    assert check(client, token, method="DELETE", uri=f"{ACCOUNT_PATH}/Messages/SM123.json").status_code == 200
    assert check(client, token, method="GET", uri=f"{ACCOUNT_PATH}/Messages.json").status_code == 200
    assert_refused(check(client, token, method="GET", uri=f"{ACCOUNT_PATH}/Calls.json"), 403)


def test_traefik_forwarded_headers_work(client, sender, token):
    response = check(
        client,
        token,
        method=None,
        uri=None,
        host=None,
        HTTP_X_FORWARDED_METHOD="POST",
        HTTP_X_FORWARDED_URI=f"{ACCOUNT_PATH}/Messages.json",
        HTTP_X_FORWARDED_HOST="api.twilio.com",
    )
    assert response.status_code == 200
    assert response["X-OAuth-Client-Id"] == sender.app.client_id


def test_host_header_is_the_last_resort_for_the_original_host(client, token, settings):
    # Django still checks Host against ALLOWED_HOSTS: a gateway that keeps the client's Host must be listed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "api.localhost"]
    settings.SCOPES_HOST_ALIASES = {"api.localhost": "api"}
    response = check(client, token, host=None, HTTP_HOST="api.localhost")
    assert response["X-OAuth-Scope"] == SEND_SMS


def test_host_aliases_map_a_gateway_hostname_to_a_catalog_host(client, token, settings):
    assert_refused(check(client, token, host="gateway.example.test:8443"), 403, "insufficient_scope")
    settings.SCOPES_HOST_ALIASES = {"gateway.example.test": "api"}
    assert check(client, token, host="gateway.example.test:8443").status_code == 200


def test_regional_twilio_hosts_pick_their_api(client, token):
    assert check(client, token, host="api.dublin.ie1.twilio.com").status_code == 200


def test_check_answers_a_relayed_post_like_a_get(client, token):
    # nginx relays the client's method to auth_request unless the config says proxy_method GET.
    response = client.post(
        CHECK_URL,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_ORIGINAL_METHOD="POST",
        HTTP_X_ORIGINAL_URI=f"{ACCOUNT_PATH}/Messages.json",
        HTTP_X_ORIGINAL_HOST="api.twilio.com",
    )
    assert response.status_code == 200


def test_an_allowed_check_makes_one_query(client, token, django_assert_num_queries):
    check(client, token)  # loads the signing keys into the process cache
    with django_assert_num_queries(1):
        assert check(client, token).status_code == 200


def _one_endpoint_per_area() -> list:
    catalog = get_catalog()
    params = []
    for area in sorted(catalog.areas):
        permission = next(p for p in catalog.areas[area].permissions if p.endpoints)
        params.append(pytest.param(permission.name, permission.endpoints[0], id=area))
    return params


@pytest.mark.parametrize(("permission", "endpoint"), _one_endpoint_per_area())
def test_each_product_area_resolves_through_the_gateway(client, account, member, permission, endpoint):
    app = make_app(account, user=member.user, scopes=[permission])
    token = issue(client, app)
    uri = re.sub(
        r"\{[A-Za-z0-9]+\}", "XX0123456789abcdef", endpoint.path.replace("{AccountSid}", ACCOUNT_SID)
    )
    response = check(client, token, method=endpoint.method, uri=uri, host=f"{endpoint.host}.twilio.com")
    assert response.status_code == 200, response.content
    assert response["X-OAuth-Scope"] == permission


# --- 401: no usable token --------------------------------------------------------------------


def test_missing_token_is_401_without_error_code(client):
    challenge = assert_refused(check(client), 401)
    assert "error=" not in challenge  # RFC 6750 §3.1


def test_basic_credentials_are_not_a_token(client, sender):
    response = check(client, HTTP_AUTHORIZATION=basic(sender.app.client_id, sender.secret))
    assert_refused(response, 401)


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "Bearer", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_token_is_401_invalid_token(client, garbage):
    assert_refused(check(client, garbage), 401, "invalid_token")


def test_expired_token_is_401(client, sender):
    claims = access_token_claims(
        app=sender.app,
        secret_tag=sender.secret_record.token_tag,
        scopes=[SEND_SMS],
        audience=None,
        issued_at=timezone.now() - timedelta(hours=2),
    )
    assert_refused(check(client, access_token_sign(claims)), 401, "invalid_token")


def test_revoked_token_is_401(client, sender, token):
    response = client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(sender.app.client_id, sender.secret),
    )
    assert response.status_code == 200
    assert_refused(check(client, token), 401, "invalid_token")


def test_token_of_a_deleted_app_is_401(client, sender, token, member):
    services.oauth_app_delete(app=sender.app, actor=web_actor(member.user))
    assert_refused(check(client, token), 401, "invalid_token")


# --- 403: valid token, not this request --------------------------------------------------------


def test_token_without_the_permission_is_403_insufficient_scope(client, token):
    response = check(client, token, method="GET", uri=f"{ACCOUNT_PATH}/Calls.json")
    challenge = assert_refused(response, 403, "insufficient_scope")
    assert f'scope="{LIST_CALLS}"' in challenge
    assert LIST_CALLS in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "uri", "host"),
    [
        ("GET", "/not/in/the/catalog", "api.twilio.com"),
        ("POST", f"{ACCOUNT_PATH}/Messages.json", "unknown.example.test"),
        ("OPTIONS", f"{ACCOUNT_PATH}/Messages.json", "api.twilio.com"),
        ("POST", f"{ACCOUNT_PATH}/../Messages.json", "api.twilio.com"),
    ],
)
def test_request_outside_the_catalog_is_403_even_with_a_wildcard(client, account, member, method, uri, host):
    app = make_app(account, user=member.user, scopes=["/twilio/messaging/messages/*"])
    challenge = assert_refused(
        check(client, issue(client, app), method=method, uri=uri, host=host), 403, "insufficient_scope"
    )
    assert "scope=" not in challenge


@pytest.mark.parametrize(
    "host",
    [
        "serverless.attacker.invalid",
        "serverless.attacker.invalid:443",
        "serverless",
        "serverless.twilio.com.attacker.invalid",
        "serverless.notwilio.com",
        "localhost",
    ],
)
def test_an_unknown_host_does_not_pick_the_api(client, account, member, host):
    # The client chooses the Host nginx passes on: only the catalog's hosts and the aliases
    # the operator listed may choose which API's permission a request needs.
    app = make_app(account, user=member.user, scopes=["/twilio/serverless/services/list"])
    token = issue(client, app)
    assert (
        check(client, token, method="GET", uri="/v1/Services", host="serverless.twilio.com").status_code
        == 200
    )
    assert_refused(
        check(client, token, method="GET", uri="/v1/Services", host=host), 403, "insufficient_scope"
    )


@pytest.mark.parametrize(
    "uri",
    [
        f"{ACCOUNT_PATH}/Messages.json;jsessionid=0123",
        f"{ACCOUNT_PATH}/Messages;x=1.json",
        f"{ACCOUNT_PATH}/..;/Messages.json",
        f"{ACCOUNT_PATH};/Messages.json",
        f"{ACCOUNT_PATH}/Messages%3Bx.json",
    ],
)
def test_a_path_segment_with_a_semicolon_is_refused(client, token, uri):
    # Servlet-style upstreams strip `;params` (and `..;` climbs a level in Tomcat): what they
    # route is not what the catalog matched.
    assert_refused(check(client, token, uri=uri), 403, "insufficient_scope")


@pytest.mark.parametrize(
    "uri",
    [
        f"{ACCOUNT_PATH}/Messages.json#/../Calls.json",
        f"{ACCOUNT_PATH}/Messages.json#",
        f"{ACCOUNT_PATH}/Messages.json?To=1#x",
    ],
)
def test_an_original_uri_with_a_fragment_is_refused(client, token, uri):
    # nginx passes the whole request target upstream, `#` included: the check must not judge
    # only the part before it.
    assert_refused(check(client, token, uri=uri), 403, "insufficient_scope")


@pytest.mark.parametrize(
    "sid",
    [
        "SM1%252F..%252F..%252FCalls",
        "SM1%253Bx",
        "%252E%252E",
        "SM1%255C",
        "SM1%25252F",
    ],
)
def test_a_placeholder_that_decodes_to_a_separator_a_second_time_is_refused(client, account, member, sid):
    # A proxy that decodes once hands the upstream `%2F`, `%3B`, `..` or `%5C`: which resource
    # that names depends on the upstream, so the catalog cannot vouch for it.
    reader = make_app(account, user=member.user, scopes=["/twilio/messaging/messages/read"])
    token = issue(client, reader)
    assert check(client, token, method="GET", uri=f"{ACCOUNT_PATH}/Messages/SM1%25").status_code == 200
    response = check(client, token, method="GET", uri=f"{ACCOUNT_PATH}/Messages/{sid}")
    assert_refused(response, 403, "insufficient_scope")


@pytest.mark.parametrize(
    "uri",
    [
        f"{OTHER_ACCOUNT_PATH}/Messages.json",
        f"{OTHER_ACCOUNT_PATH}/Messages",
        "/2010-04-01/Accounts/ACFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF/Messages.json",
        "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdeF/Messages.json",
    ],
)
def test_a_path_of_another_account_is_refused(client, token, uri):
    response = check(client, token, uri=uri)
    assert_refused(response, 403)
    assert ACCOUNT_SID in response.json()["message"]


def test_the_account_in_the_path_is_compared_after_normalisation(client, token):
    encoded = ACCOUNT_PATH.replace("AC0", "AC%30")
    assert check(client, token, uri=f"{encoded}/Messages.json").status_code == 200
    other = OTHER_ACCOUNT_PATH.replace("ACf", "AC%66")
    assert_refused(check(client, token, uri=f"{other}/Messages.json"), 403)


# --- 400: the gateway did not say what it is asking about ------------------------------------


@pytest.mark.parametrize("missing", ["HTTP_X_ORIGINAL_METHOD", "HTTP_X_ORIGINAL_URI"])
def test_missing_original_method_or_uri_is_400(client, token, missing):
    assert_refused(check(client, token, **{missing: None}), 400)


def test_disagreeing_original_and_forwarded_uri_is_400(client, token):
    # A client could smuggle one of the two through a proxy that sets only the other.
    response = check(client, token, HTTP_X_FORWARDED_URI=f"{ACCOUNT_PATH}/Calls.json")
    assert_refused(response, 400)


def test_disagreeing_original_hosts_are_400(client, token):
    assert_refused(check(client, token, HTTP_X_FORWARDED_HOST="voice.twilio.com"), 400)
