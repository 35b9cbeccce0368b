"""Tenancy sweep: every console page, API route and admin view, tried by the wrong people.

The routes are read from the URL resolver, not listed by hand: a route that appears without
a place in one of the tables below fails ``test_every_route_is_classified``, so a new page
or API cannot ship without being swept.
"""

import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.exports import audit_export_write
from audit.models import AuditEvent, AuditExport
from console.models import Membership, Role
from oauthapps import services
from oauthapps.models import OAuthApp
from tests.api.conftest import EVERYTHING, Api, assert_twilio_error, token_for
from tests.factories import AccountFactory, MembershipFactory, make_app, web_actor

pytestmark = pytest.mark.django_db

ADMIN_PREFIX = "django-admin/"


def walk(resolver=None, prefix="", namespace=""):
    """(route, full name, pattern) for every URL pattern, nested includes flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            yield from walk(entry, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, name, entry


def site_routes() -> dict[str | None, str]:
    return {name: route for route, name, _ in walk() if not route.startswith(ADMIN_PREFIX)}


def admin_patterns() -> list[tuple[str, str | None, URLPattern]]:
    return [(route, name, pattern) for route, name, pattern in walk() if route.startswith(ADMIN_PREFIX)]


# Console pages bound to the current account. "read" pages answer GET; "write" pages change
# the account (GET shows a confirmation, POST does it). The detail page is both: GET reads,
# POST edits.
CONSOLE_READ = {
    "oauthapps:list",
    "oauthapps:detail",
    "oauthapps:credentials",
    "oauthapps:secrets",
    "oauthapps:rotated",
    "audit:list",
    "audit:export",
    "audit:export-download",
    "audit:detail",
    "scopes:catalog",
    "scopes:catalog-area",
    "scopes:catalog-download",
    "scopes:catalog-pdf",
}
CONSOLE_WRITE = {
    "oauthapps:create",
    "oauthapps:rotate",
    "oauthapps:revoke",
    "oauthapps:delete",
    "oauthapps:credentials-done",
    "oauthapps:rotated-done",
}
CONSOLE_POST_WRITES = CONSOLE_WRITE | {"oauthapps:detail"}
# POST, but a read: any member may have the account's audit events written to a file.
CONSOLE_EXPORT = {"audit:export-create"}
# Signed in, but not bound to the account's data: switching only picks among one's memberships;
# confirming or changing one's password concerns only one's own user.
CONSOLE_SESSION = {"console:account-switch", "console:reauth", "console:password-change"}
# The account's people: its owners only (console/people_views.py).
CONSOLE_OWNER = {"console:people", "console:person-role", "console:person-remove"}
API_ROUTES = {
    "iam:oauth-apps",
    "iam:oauth-app",
    "iam:oauth-app-secret",
    "iam:oauth-app-secret-lower",
    "monitor:events",
    "monitor:event",
}
# Public by design, or swept by their own tests below (introspect, revoke).
PUBLIC = {
    "console:home",
    "console:login",
    "console:logout",
    "console:favicon",
    "oauth-token",
    "oauth-token-v1",
    "oauth-introspect",
    "oauth-revoke",
    "oauth-metadata",
    "oauth-jwks",
    "gateway-check",
    "healthz",
    "readyz",
    "metrics",
    "openapi-schema",
    "openapi-docs",
    "openapi-redoc",
    "catalog-api",
    "catalog-api-area",
    None,  # the Twilio-shaped 404 for any other /v1/ path
}


@dataclass
class World:
    account: object
    owner: object
    reader: object
    stranger: object  # administrator of another account
    app: OAuthApp
    previous_secret_id: int
    event: AuditEvent
    export_id: object

    def kwargs(self, name: str) -> dict:
        app_kwargs = {"sid": self.app.client_id}
        reader = {"membership_id": Membership.objects.get(account=self.account, user=self.reader).pk}
        return {
            "console:person-role": reader,
            "console:person-remove": reader,
            "oauthapps:detail": app_kwargs,
            "oauthapps:credentials": app_kwargs,
            "oauthapps:secrets": app_kwargs,
            "oauthapps:rotated": app_kwargs,
            "oauthapps:credentials-done": app_kwargs,
            "oauthapps:rotated-done": app_kwargs,
            "oauthapps:rotate": app_kwargs,
            "oauthapps:delete": app_kwargs,
            "oauthapps:revoke": {**app_kwargs, "secret_id": self.previous_secret_id},
            "audit:detail": {"sid": self.event.sid},
            "audit:export-create": {"fmt": "csv"},
            "audit:export": {"export_id": self.export_id},
            "audit:export-download": {"export_id": self.export_id},
            "scopes:catalog-area": {"key": "iam"},
            "scopes:catalog-download": {"key": "iam", "fmt": "csv"},
        }.get(name, {})

    def url(self, name: str) -> str:
        return reverse(name, kwargs=self.kwargs(name))

    @property
    def secrets_of_a(self) -> list[str]:
        """What another account must never see of account A."""
        return [self.app.name, self.app.client_id, self.event.sid, self.account.sid, self.account.name]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.AUDIT_EXPORT_DIR = tmp_path
    account = AccountFactory(name="Tenant Alpha")
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    issued = make_app(account, user=owner, name="Alpha payroll exporter")
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(owner))
    previous = issued.app.secrets.exclude(pk=rotated.secret_record.pk).get()
    reader = MembershipFactory(account=account, role=Role.READ_ONLY).user
    other = AccountFactory(name="Tenant Beta")
    stranger = MembershipFactory(account=other, role=Role.OWNER).user
    make_app(other, user=stranger, name="Beta own app")
    event = AuditEvent.objects.filter(account=account, resource_sid=issued.app.client_id).first()
    export = audit_export_write(AuditExport.objects.create(account=account, requested_by=owner, fmt="csv").pk)
    return World(account, owner, reader, stranger, issued.app, previous.pk, event, export.pk)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def content_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def assert_no_data_of_a(response, world: World, where: str, echoed=()) -> None:
    """None of A's data; ``echoed`` are values the caller sent (an error may repeat them)."""
    body = content_of(response)
    for value in set(world.secrets_of_a) - set(echoed):
        assert value not in body, f"{where} shows {value!r} of another account"


def assert_unchanged(world: World) -> None:
    app = OAuthApp.objects.get(pk=world.app.pk)
    assert app.name == world.app.name and app.version == world.app.version
    assert app.secrets.count() == 2
    assert app.secrets.filter(revoked_at__isnull=False).count() == 0


# The sweep covers every route


def test_every_route_is_classified():
    known = (
        CONSOLE_READ | CONSOLE_WRITE | CONSOLE_EXPORT | CONSOLE_SESSION | CONSOLE_OWNER | API_ROUTES | PUBLIC
    )
    unclassified = set(site_routes()) - known
    assert not unclassified, f"new routes the tenancy sweep does not cover: {unclassified}"
    assert not known - set(site_routes()) - {None}, "the sweep lists routes that no longer exist"


def test_every_account_bound_route_has_concrete_arguments(world):
    for name in CONSOLE_READ | CONSOLE_WRITE | CONSOLE_EXPORT:
        pattern = next(p for _, n, p in walk() if n == name)
        assert set(pattern.pattern.regex.groupindex) == set(world.kwargs(name)), name


# (a) a user of another account


@pytest.mark.parametrize("name", sorted(CONSOLE_READ | CONSOLE_WRITE | CONSOLE_EXPORT))
def test_another_accounts_user_gets_404_or_nothing_of_a(world, name):
    client = logged_in(world.stranger)
    url = world.url(name)
    binds_object = any(key in world.kwargs(name) for key in ("sid", "secret_id", "export_id"))
    for method in ("get", "post"):
        data = {"name": "Hijacked", "scopes": EVERYTHING, "version": 1, "form_token": "x"}
        response = getattr(client, method)(url, data if method == "post" else None)
        if binds_object:
            assert response.status_code == 404, (method, url, response.status_code)
        else:
            assert response.status_code in {200, 302, 405}, (method, url, response.status_code)
        assert_no_data_of_a(response, world, f"{method.upper()} {url}")
    assert_unchanged(world)


def test_another_accounts_user_cannot_filter_into_a(world):
    client = logged_in(world.stranger)
    for page, params in itertools.product(
        (reverse("audit:list"),),
        (
            {"app": world.app.client_id},
            {"actor": world.owner.sid},
            {"event_type": "oauth-apps.created", "app": world.app.client_id},
        ),
    ):
        response = client.get(page + "?" + urlencode(params))
        assert response.status_code == 200
        assert_no_data_of_a(response, world, f"{page} {params}", echoed=params.values())
        started = client.post(world.url("audit:export-create") + "?" + urlencode(params))
        export = AuditExport.objects.exclude(pk=world.export_id).latest("created_at")
        assert started["Location"] == reverse("audit:export", kwargs={"export_id": export.pk})
        assert export.account != world.account
        audit_export_write(export.pk)
        download = client.get(reverse("audit:export-download", kwargs={"export_id": export.pk}))
        assert_no_data_of_a(download, world, f"export {params}", echoed=params.values())


def test_another_accounts_user_cannot_switch_into_a(world):
    client = logged_in(world.stranger)
    client.post(reverse("console:account-switch"), {"account_sid": world.account.sid})
    response = client.get(world.url("oauthapps:detail"))
    assert response.status_code == 404
    assert_no_data_of_a(client.get(reverse("oauthapps:list")), world, "list after switch attempt")


# (b) a read-only member of the account

WRITE_FORM = re.compile(r'<form[^>]*method="post"[^>]*>', re.IGNORECASE)
ALLOWED_POST_FORMS = ("console:logout", "console:account-switch")


@pytest.mark.parametrize("name", sorted(CONSOLE_READ))
def test_read_only_member_reads_every_page_without_write_buttons(world, name):
    response = logged_in(world.reader).get(world.url(name))
    assert response.status_code == 200, name
    if not response["Content-Type"].startswith("text/html"):
        return
    body = content_of(response)
    allowed = {reverse(n) for n in ALLOWED_POST_FORMS}
    allowed |= {reverse("audit:export-create", kwargs={"fmt": fmt}) for fmt in ("csv", "jsonl")}
    for form in WRITE_FORM.findall(body):
        action = re.search(r'action="([^"]*)"', form)
        assert action and action.group(1) in allowed, f"{name} offers a write form: {form}"
    for write in CONSOLE_WRITE:
        assert f'href="{world.url(write)}"' not in body, f"{name} links to {write}"
    for label in ("Create an OAuth app", "Rotate secret", "Revoke now", ">Delete<", ">Save<"):
        assert label not in body, f"{name} shows {label!r} to a read-only member"


@pytest.mark.parametrize("name", sorted(CONSOLE_POST_WRITES))
def test_read_only_member_gets_403_on_every_write(world, name):
    client = logged_in(world.reader)
    url = world.url(name)
    data = {
        "name": "Changed",
        "description": "",
        "scopes": EVERYTHING,
        "version": 1,
        "form_token": "t",
        "revoke_previous": "1",
    }
    assert client.post(url, data).status_code == 403, url
    if name in CONSOLE_WRITE:
        assert client.get(url).status_code == 403, url
    assert_unchanged(world)
    assert OAuthApp.objects.filter(account=world.account).count() == 1


# (c) anonymous


@pytest.mark.parametrize("name", sorted(CONSOLE_OWNER))
def test_only_the_accounts_owners_reach_its_people(world, name):
    url = world.url(name)
    for method in ("get", "post"):
        assert getattr(logged_in(world.reader), method)(url, {"role": "owner"}).status_code == 403, url
        response = getattr(logged_in(world.stranger), method)(url, {"role": "owner"})
        assert response.status_code in {200, 400, 404, 405}, url  # its own account, or not found
        assert_no_data_of_a(response, world, url)
    assert world.reader.email not in content_of(logged_in(world.stranger).get(reverse("console:people")))
    assert Membership.objects.get(account=world.account, user=world.reader).role == Role.READ_ONLY


@pytest.mark.parametrize(
    "name", sorted(CONSOLE_READ | CONSOLE_WRITE | CONSOLE_EXPORT | CONSOLE_SESSION | CONSOLE_OWNER)
)
def test_anonymous_is_sent_to_login(world, name):
    url = world.url(name)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("console:login") + "?next="), response["Location"]
        assert_no_data_of_a(response, world, url)


# APIs: a token of another account (404) and a token lacking the permission (403)


@dataclass
class ApiCall:
    route: str
    method: str
    body: dict | None
    permission: str
    object_bound: bool


def api_calls(world: World) -> list[ApiCall]:
    return [
        ApiCall("iam:oauth-apps", "GET", None, "/twilio/iam/account-oauth-apps/list", False),
        ApiCall(
            "iam:oauth-apps",
            "POST",
            {"friendly_name": "New", "policy": {"allow": EVERYTHING}, "owner_sid": world.account.sid},
            "/twilio/iam/account-oauth-apps/create",
            False,
        ),
        ApiCall("iam:oauth-app", "GET", None, "/twilio/iam/account-oauth-apps/read", True),
        ApiCall(
            "iam:oauth-app",
            "PUT",
            {"friendly_name": "Hijacked"},
            "/twilio/iam/account-oauth-apps/update",
            True,
        ),
        ApiCall("iam:oauth-app", "DELETE", None, "/twilio/iam/account-oauth-apps/delete", True),
        ApiCall("iam:oauth-app-secret", "POST", {}, "/twilio/iam/account-oauth-apps/update", True),
        ApiCall("iam:oauth-app-secret-lower", "POST", {}, "/twilio/iam/account-oauth-apps/update", True),
        ApiCall("monitor:events", "GET", None, "/twilio/monitor/events/list", False),
        ApiCall("monitor:event", "GET", None, "/twilio/monitor/events/read", True),
    ]


def api_url(world: World, route: str) -> str:
    kwargs = {
        "iam:oauth-app": {"sid": world.app.client_id},
        "iam:oauth-app-secret": {"sid": world.app.client_id},
        "iam:oauth-app-secret-lower": {"sid": world.app.client_id},
        "monitor:event": {"sid": world.event.sid},
    }.get(route, {})
    return reverse(route, kwargs=kwargs)


def call(api: Api, world: World, spec: ApiCall):
    path = api_url(world, spec.route)
    if spec.method == "GET":
        return api.get(path, {} if spec.object_bound else {"PageSize": 1000})
    if spec.method == "DELETE":
        return api.delete(path)
    return api.request(spec.method, path, json.dumps(spec.body or {}))


def test_every_api_route_and_method_is_swept(world):
    swept = {(spec.route, spec.method) for spec in api_calls(world)}
    for _, name, pattern in walk():
        if name in API_ROUTES:
            view = pattern.callback.cls
            methods = {m.upper() for m in ("get", "post", "put", "delete", "patch") if hasattr(view, m)}
            assert {(name, m) for m in methods} <= swept, name


@pytest.fixture
def stranger_api(world, client):
    issued = make_app(world.stranger.memberships.get().account, user=world.stranger, scopes=EVERYTHING)
    return Api(client, token_for(client, issued))


def test_another_accounts_token_gets_404_or_nothing_of_a(world, stranger_api):
    for spec in api_calls(world):
        response = call(stranger_api, world, spec)
        if spec.object_bound:
            assert_twilio_error(response, 404)
        elif spec.method == "POST":
            assert_twilio_error(response, 400)  # owner_sid of account A is refused
        else:
            assert response.status_code == 200
        in_path = [
            value for value in (world.app.client_id, world.event.sid) if value in api_url(world, spec.route)
        ]
        assert_no_data_of_a(response, world, f"{spec.method} {spec.route}", echoed=in_path)
    assert_unchanged(world)


def test_a_token_lacking_the_permission_gets_403(world, client):
    for spec in api_calls(world):
        others = [p for p in EVERYTHING if p != spec.permission]
        issued = make_app(world.account, user=world.owner, name=f"Lacks {spec.method}", scopes=others)
        response = call(Api(client, token_for(client, issued)), world, spec)
        assert_twilio_error(response, 403)
        assert world.app.name not in response.content.decode()
    assert_unchanged(world)


# Introspection and revocation across accounts and apps


def test_introspecting_another_accounts_token_reports_inactive(world, client):
    token_a = token_for(client, make_app(world.account, user=world.owner, scopes=EVERYTHING))
    other = world.stranger.memberships.get().account
    caller = make_app(other, user=world.stranger)
    body = urlencode({"token": token_a, "client_id": caller.app.client_id, "client_secret": caller.secret})
    response = client.post("/v2/token/introspect", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json() == {"active": False}
    assert_no_data_of_a(response, world, "introspection")


def test_revoking_another_apps_token_leaves_it_working(world, client):
    owner = make_app(world.account, user=world.owner, scopes=EVERYTHING)
    token_a = token_for(client, owner)
    for caller in (
        make_app(world.stranger.memberships.get().account, user=world.stranger),  # other account
        make_app(world.account, user=world.owner, name="Sibling"),  # same account, other app
    ):
        body = urlencode(
            {"token": token_a, "client_id": caller.app.client_id, "client_secret": caller.secret}
        )
        client.post("/v2/token/revoke", body, content_type="application/x-www-form-urlencoded")
        response = Api(client, token_a).get(reverse("iam:oauth-apps"))
        assert response.status_code == 200, "another app revoked this app's token"


# Django admin: staff only


def admin_kwargs(pattern: URLPattern) -> dict:
    values = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "oauthapps", "url": "x/"}
    return {group: values[group] for group in pattern.pattern.regex.groupindex}


def admin_urls() -> list[str]:
    urls = []
    for _, name, pattern in admin_patterns():
        if name is None:
            urls.append("/django-admin/no-such-page/")
        elif name not in {"admin:login", "admin:logout"}:
            urls.append(reverse(name, kwargs=admin_kwargs(pattern)))
    return urls


def test_admin_sweep_reaches_every_registered_model():
    from django.contrib import admin

    urls = admin_urls()
    for model in admin.site._registry:
        opts = model._meta
        assert f"/django-admin/{opts.app_label}/{opts.model_name}/" in urls


def test_non_staff_users_are_sent_to_the_admin_login(world):
    login = reverse("admin:login")
    for user in (world.owner, world.reader, None):
        client = logged_in(user) if user else Client()
        for url in admin_urls():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302, (user, method, url, response.status_code)
                assert response["Location"].startswith(login + "?next="), (url, response["Location"])
