"""Hostile input on every console form and on the IAM API's JSON bodies (hypothesis).

Whatever arrives, the answer is a page or a redirect, or a clear 4xx: never a 500 (the
test client re-raises a view's exception, so a crash fails the example). What is stored
comes back HTML-escaped.
"""

import itertools
import json
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.models import Role
from console.throttling import limits_reset
from oauthapps.models import OAuthApp
from scopes.catalog import get_catalog
from tests.api.conftest import EVERYTHING
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PAGE_OR_REDIRECT = {200, 302}
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR 1=1 --",
    "'; DROP TABLE oauthapps_oauthapp; --",
    "{{ 7*7 }}{% debug %}",
    "${7*7}",
    "\x00",
    "\u202eevil",
    "\r\nSet-Cookie: x=1",
    "%00%ff",
    "../../etc/passwd",
    "\ufeff\u200b",
    "a" * 10_000,
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),  # a lone surrogate's bytes, as text
]
# Lone surrogates cannot be encoded in a request at all; their UTF-8-ish bytes are above.
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.sampled_from(INJECTIONS),
    st.text(st.characters(max_codepoint=0x1F), max_size=50),  # control characters
)
CATALOG = sorted(permission.name for permission in get_catalog())
SCOPE = st.one_of(st.sampled_from(CATALOG), TEXT)
SCOPES = st.one_of(
    st.lists(SCOPE, max_size=20),
    st.lists(st.sampled_from(CATALOG), min_size=1, max_size=5).map(lambda s: s * 3),  # duplicates
    st.integers(90, 400).map(lambda n: list(itertools.islice(itertools.cycle(CATALOG), n))),  # huge
    st.just([f"/twilio/x{n}/y/read" for n in range(1200)]),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
)
RAW_BYTES = st.binary(max_size=200).map(lambda raw: quote(raw, safe=""))  # invalid UTF-8 included


@pytest.fixture
def owner(account):
    return MembershipFactory(account=account, role=Role.OWNER).user


@pytest.fixture
def console(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


counter = itertools.count()


def expected_statuses(fields: int, ok: set[int]) -> set[int]:
    """Django answers 400 to a form with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    return ok | {400} if fields > django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS else ok


def assert_escaped_on_pages(console: Client, app: OAuthApp) -> None:
    for page in (reverse("oauthapps:detail", kwargs={"sid": app.client_id}), reverse("oauthapps:list")):
        body = console.get(page).content.decode()
        assert escape(app.name) in body, page
        if "<" in app.name and any(c.isalnum() for c in app.name.split("<", 1)[1][:1]):
            assert app.name not in body, f"{page} shows {app.name!r} unescaped"


@SETTINGS
@given(name=TEXT, description=TEXT, scopes=SCOPES)
def test_create_form_never_fails(console, account, name, description, scopes):
    before = OAuthApp.objects.count()
    data = {"name": name, "description": description, "scopes": scopes, "form_token": f"t{next(counter)}"}
    response = console.post(reverse("oauthapps:create"), data)
    assert response.status_code in expected_statuses(len(scopes) + 3, PAGE_OR_REDIRECT)
    if response.status_code == 302:
        app = OAuthApp.objects.latest("id")
        assert set(app.scopes) <= set(CATALOG) and 1 <= len(app.scopes) <= 100
        assert_escaped_on_pages(console, app)
    else:
        assert OAuthApp.objects.count() == before


@SETTINGS
@given(raw_name=RAW_BYTES, raw_scope=RAW_BYTES)
def test_create_form_with_invalid_utf8_never_fails(console, raw_name, raw_scope):
    body = f"name={raw_name}&description={raw_name}&scopes={raw_scope}&form_token=t{next(counter)}"
    response = console.post(
        reverse("oauthapps:create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in PAGE_OR_REDIRECT | {400}


@SETTINGS
@given(
    name=TEXT,
    description=TEXT,
    scopes=SCOPES,
    version=st.one_of(TEXT, st.integers(-(2**70), 2**70).map(str)),
)
def test_edit_form_never_fails(console, app, name, description, scopes, version):
    url = reverse("oauthapps:detail", kwargs={"sid": app.client_id})
    data = {"name": name, "description": description, "scopes": scopes, "version": version}
    response = console.post(url, data)
    assert response.status_code in expected_statuses(len(scopes) + 3, PAGE_OR_REDIRECT | {409})
    stored = OAuthApp.objects.get(pk=app.pk)
    assert set(stored.scopes) <= set(CATALOG) and 1 <= len(stored.scopes) <= 100
    if response.status_code == 302:
        assert_escaped_on_pages(console, stored)


@SETTINGS
@given(
    params=st.dictionaries(
        st.sampled_from(["event_type", "app", "actor", "start", "end", "page", "x"]),
        st.one_of(TEXT, st.dates().map(str), st.integers().map(str)),
        max_size=7,
    )
)
def test_audit_filters_never_fail(console, app, params):
    response = console.get(reverse("audit:list") + "?" + urlencode(params))
    assert response.status_code == 200


@SETTINGS
@given(raw=st.lists(st.tuples(st.sampled_from(["app", "start", "page", "actor"]), RAW_BYTES), max_size=4))
def test_audit_filters_with_invalid_utf8_never_fail(console, raw):
    query = "&".join(f"{key}={value}" for key, value in raw)
    assert console.get(reverse("audit:list") + "?" + query).status_code in {200, 400}


@SETTINGS
@given(username=TEXT, password=TEXT, extra=st.dictionaries(st.sampled_from(["next", "x"]), TEXT, max_size=2))
def test_login_form_never_fails(member, username, password, extra):
    limits_reset()
    response = Client().post(reverse("console:login"), {"username": username, "password": password, **extra})
    assert response.status_code in {200, 302, 429}
    if response.status_code == 302:  # only the real password signs in, and never off-site
        assert password == "correct horse battery staple" and response["Location"].startswith("/")


def test_script_in_name_and_description_is_escaped_everywhere(console, account, owner):
    payload = "<script>alert('x')</script>"
    data = {"name": payload, "description": payload, "scopes": EVERYTHING[:2], "form_token": "xss"}
    assert console.post(reverse("oauthapps:create"), data).status_code == 302
    app = OAuthApp.objects.get(name=payload)
    pages = [reverse("oauthapps:list")] + [
        reverse(f"oauthapps:{name}", kwargs={"sid": app.client_id})
        for name in ("detail", "credentials", "secrets", "rotate", "delete")
    ]
    pages += [reverse("audit:list"), reverse("audit:list") + "?" + urlencode({"app": app.client_id})]
    event = app.account.audit_events.first() if hasattr(app.account, "audit_events") else None
    if event is not None:
        pages.append(reverse("audit:detail", kwargs={"sid": event.sid}))
    for page in pages:
        body = console.get(page).content.decode()
        assert payload not in body, page
        assert "<script>alert" not in body, page


# IAM API JSON bodies with wrong types

JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=10,
)
POLICY = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({}, optional={"allow": st.one_of(JSON_VALUES, SCOPES), "deny": JSON_VALUES}),
)
BODY = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "friendly_name": JSON_VALUES,
            "description": JSON_VALUES,
            "policy": POLICY,
            "type": JSON_VALUES,
            "access_token_ttl": JSON_VALUES,
            "owner_sid": JSON_VALUES,
            "client_sid": JSON_VALUES,
            "token_endpoint_auth_method": JSON_VALUES,
            "revoke_previous": JSON_VALUES,
        },
    ),
)


def assert_clear_api_answer(response, ok: set[int]) -> None:
    assert response.status_code in ok | {400, 413, 415}, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert body["status"] == response.status_code and body["message"]


@SETTINGS
@given(body=BODY)
def test_iam_create_with_any_json_never_fails(api, body):
    limits_reset()
    response = api.post("/v1/Account/OAuthApps", body)
    assert_clear_api_answer(response, {201})
    if response.status_code == 201:
        assert isinstance(response.json()["friendly_name"], str)


@SETTINGS
@given(body=BODY, method=st.sampled_from(["PUT", "POST"]))
def test_iam_update_and_rotate_with_any_json_never_fail(api, app, body, method):
    limits_reset()
    path = f"/v1/Account/OAuthApps/{app.client_id}" + ("/Secret" if method == "POST" else "")
    response = api.request(method, path, json.dumps(body))
    # 403: the body asks the app to grant what the calling token does not hold (no escalation).
    assert_clear_api_answer(response, {200, 403})


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_iam_with_arbitrary_bytes_never_fails(api, app, raw):
    limits_reset()
    assert_clear_api_answer(api.request("POST", "/v1/Account/OAuthApps", raw), {201})
    assert_clear_api_answer(api.request("PUT", f"/v1/Account/OAuthApps/{app.client_id}", raw), {200})
