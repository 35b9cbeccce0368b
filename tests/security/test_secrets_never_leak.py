"""Secrets and tokens never leave in plaintext after their one reveal.

One fixture runs every procedure that issues a secret or a token (console, IAM API, CLI,
admin, token endpoint) and every check that handles one (introspection, revocation,
gateway), plus the error pages of each API, with every logger at DEBUG. It records each
secret and token issued and every response. The tests then grep the logs, every response
other than the one reveal, a fresh crawl of console, admin and API pages, and a dump of
every table for any of them.
"""

import base64
import hmac
import io
import json
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from audit.exports import audit_export_write
from audit.models import AuditEvent, AuditExport
from console.models import Role
from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.secret_check import client_authenticate
from tests.api.conftest import EVERYTHING, Api
from tests.factories import AccountFactory, MembershipFactory, UserFactory, make_app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _audit_export_dir(settings, tmp_path):
    settings.AUDIT_EXPORT_DIR = tmp_path


SECRET_ON_PAGE = re.compile(r'id="client-secret"[^>]*value="([^"]+)"')
SECRET_ON_ADMIN_PAGE = re.compile(r"<td><code>([A-Za-z0-9_-]{64})</code></td>")
FORM = "application/x-www-form-urlencoded"
APPS = "/v1/Account/OAuthApps"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = [record.getMessage(), repr(record.args), repr(vars(record))]
        if record.exc_info:
            text.append(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            text.append(record.stack_info)
        self.lines.append((record.name, record.levelno, " ".join(text)))


@contextmanager
def capture_every_logger_at_debug():
    """Every logger at DEBUG, whatever LOGGING pins (oauthlib, django…), and the handler on
    each one that does not propagate. Yields the handler and the levels LOGGING had set."""
    handler = Collect()
    root = logging.getLogger()
    loggers = {"": root} | {
        name: logger
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    saved = {name: (logger.level, logger.disabled) for name, logger in loggers.items()}
    for logger in loggers.values():
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is root or not logger.propagate:
            logger.addHandler(handler)
    try:
        yield handler, {name: level for name, (level, _) in saved.items()}
    finally:
        for name, logger in loggers.items():
            logger.setLevel(saved[name][0])
            logger.disabled = saved[name][1]
            logger.removeHandler(handler)


@dataclass
class Sweep:
    secrets: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    # (where, text) of every response that is not a reveal, and of every reveal
    after: list[tuple[str, str]] = field(default_factory=list)
    reveals: list[tuple[str, str, str]] = field(default_factory=list)  # (where, text, what it reveals)
    cli_stdout: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def needles(self) -> dict[str, str]:
        """Each secret and token, and each token's signature on its own."""
        found = {value: f"secret …{value[-4:]}" for value in self.secrets}
        for token in self.tokens:
            found[token] = f"token …{token[-6:]}"
            found[token.rsplit(".", 1)[1]] = f"signature of token …{token[-6:]}"
        return found

    def record(self, where: str, response, reveals: str | None = None) -> None:
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        cookies = response.cookies.output() if response.cookies else ""
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        text = f"{headers}\n{cookies}\n{raw.decode(errors='replace')}"
        if reveals is None:
            self.after.append((where, text))
        else:
            self.reveals.append((where, text, reveals))


def leaks(sweep: Sweep, text: str, allowed: str | None = None) -> list[str]:
    return [label for needle, label in sweep.needles.items() if needle in text and needle != allowed]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_request(client, sweep: Sweep, where: str, client_id: str, secret: str, **extra) -> str:
    body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    response = client.post("/v2/token", body, content_type=FORM, **extra)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    sweep.tokens.append(token)
    sweep.record(where, response, reveals=token)
    return token


def console_procedures(sweep: Sweep, owner, account) -> OAuthApp:
    client = logged_in(owner)
    form = {
        "name": "Console app",
        "description": "d",
        "scopes": EVERYTHING,
        "form_token": "tok-1",
    }
    created = client.post(reverse("oauthapps:create"), form)
    sweep.record("console create POST", created)
    reveal = client.get(created["Location"])
    secret = SECRET_ON_PAGE.search(reveal.content.decode()).group(1)
    sweep.secrets.append(secret)
    sweep.record("console credentials reveal", reveal, reveals=secret)
    # A reload before "Got it!" shows it again (same session, a few minutes); after, never.
    sweep.record("console credentials reload", client.get(created["Location"]), reveals=secret)
    app = OAuthApp.objects.get(name="Console app")
    sid = app.client_id
    sweep.record("console got it", client.post(reverse("oauthapps:credentials-done", kwargs={"sid": sid})))
    sweep.record("console credentials again", client.get(created["Location"]))
    for _ in range(2):  # two rotations: a previous secret in its grace period, and one more
        rotated = client.post(reverse("oauthapps:rotate", kwargs={"sid": sid}))
        sweep.record("console rotate POST", rotated)
        page = client.get(rotated["Location"])
        new = SECRET_ON_PAGE.search(page.content.decode()).group(1)
        sweep.secrets.append(new)
        sweep.record("console rotated reveal", page, reveals=new)
        sweep.record("console rotated reload", client.get(rotated["Location"]), reveals=new)
        sweep.record("console done", client.post(reverse("oauthapps:rotated-done", kwargs={"sid": sid})))
        sweep.record("console rotated again", client.get(rotated["Location"]))
    previous = app.secrets.filter(expires_at__isnull=False, revoked_at__isnull=True).first()
    revoke = reverse("oauthapps:revoke", kwargs={"sid": sid, "secret_id": previous.pk})
    sweep.record("console revoke confirm", client.get(revoke))
    sweep.record("console revoke POST", client.post(revoke))
    # A second app, created and deleted
    form["name"], form["form_token"] = "Doomed console app", "tok-2"
    created = client.post(reverse("oauthapps:create"), form)
    reveal = client.get(created["Location"])
    doomed_secret = SECRET_ON_PAGE.search(reveal.content.decode()).group(1)
    sweep.secrets.append(doomed_secret)
    sweep.record("console credentials reveal (doomed)", reveal, reveals=doomed_secret)
    doomed = OAuthApp.objects.get(name="Doomed console app")
    token_request(Client(), sweep, "token of doomed app", doomed.client_id, doomed_secret)
    delete = reverse("oauthapps:delete", kwargs={"sid": doomed.client_id})
    sweep.record("console delete confirm", client.get(delete))
    sweep.record("console delete POST", client.post(delete))
    # The one secret of the console app still valid: the newest.
    return app, sweep.secrets[2]


def api_procedures(sweep: Sweep, account, owner) -> None:
    automation = make_app(account, user=owner, name="Automation", scopes=EVERYTHING)
    sweep.secrets.append(automation.secret)
    client = Client()
    api = Api(
        client, token_request(client, sweep, "token (post)", automation.app.client_id, automation.secret)
    )
    body = {"friendly_name": "Api app", "description": "x", "policy": {"allow": EVERYTHING}}
    created = api.post(APPS, body)
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    sweep.secrets.append(secret)
    sweep.record("IAM create", created, reveals=secret)
    sid = created.json()["sid"]
    rotated = api.post(f"{APPS}/{sid}/Secret", {"revoke_previous": False})
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["secret"]
    sweep.secrets.append(new)
    sweep.record("IAM rotate", rotated, reveals=new)
    sweep.record("IAM update", api.put(f"{APPS}/{sid}", {"friendly_name": "Api app renamed"}))
    # Tokens of the API app, by both client authentication methods
    basic = "Basic " + base64.b64encode(f"{sid}:{new}".encode()).decode()
    body = urlencode({"grant_type": "client_credentials"})
    response = client.post("/v2/token", body, content_type=FORM, HTTP_AUTHORIZATION=basic)
    sweep.tokens.append(response.json()["access_token"])
    sweep.record("token (basic)", response, reveals=sweep.tokens[-1])
    old_token = token_request(client, sweep, "token (previous secret)", sid, secret)
    # Introspection, revocation, gateway
    for token in (api.token, old_token):
        response = client.post(
            "/v2/token/introspect",
            urlencode({"token": token, "client_id": sid, "client_secret": new}),
            content_type=FORM,
        )
        assert response.status_code == 200
        sweep.record("introspect", response)
    response = client.post(
        "/v2/token/revoke",
        urlencode({"token": old_token, "client_id": sid, "client_secret": new}),
        content_type=FORM,
    )
    assert response.status_code == 200, response.content
    sweep.record("revoke", response)
    for token in (api.token, old_token, "not-a-token"):
        response = client.get(
            "/v1/gateway/check",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_ORIGINAL_METHOD="GET",
            HTTP_X_ORIGINAL_URI="/v1/Events",
            HTTP_X_ORIGINAL_HOST="monitor.twilio.com",
        )
        sweep.record("gateway", response)
    # Error pages of each API: 400, 401, 403, 404, 405
    weak = make_app(account, user=owner, name="Weak", scopes=["/twilio/lookup/phone-numbers/read"])
    sweep.secrets.append(weak.secret)
    weak_api = Api(client, token_request(client, sweep, "token (weak)", weak.app.client_id, weak.secret))
    revoked_api = Api(client, old_token)
    errors = {
        "IAM 400": api.post(APPS, {"friendly_name": 12}),
        "IAM 401": revoked_api.get(APPS),
        "IAM 403": weak_api.get(APPS),
        "IAM 404": api.get(f"{APPS}/OQ{'0' * 32}"),
        "IAM 405": api.request("PATCH", APPS, "{}"),
        "Monitor 400": api.get("/v1/Events", {"PageSize": "lots"}),
        "Monitor 401": revoked_api.get("/v1/Events"),
        "Monitor 403": weak_api.get("/v1/Events"),
        "Monitor 404": api.get(f"/v1/Events/AE{'0' * 32}"),
        "Monitor 405": api.post("/v1/Events", {}),
        "v1 404": api.get("/v1/Nothing"),
        "token 400": client.post("/v2/token", urlencode({"client_secret": new}), content_type=FORM),
        "token 400 (repeated secret)": client.post(
            "/v2/token",
            urlencode(
                [("grant_type", "client_credentials"), ("client_id", sid)] + [("client_secret", new)] * 2
            ),
            content_type=FORM,
        ),
        "token 401 (revoked secret)": client.post(
            "/v2/token",
            urlencode(
                {"grant_type": "client_credentials", "client_id": sid, "client_secret": sweep.secrets[0]}
            ),
            content_type=FORM,
        ),
        "token 405": client.get("/v2/token"),
        "introspect 400": client.post(
            "/v2/token/introspect", urlencode({"client_id": sid, "client_secret": new}), content_type=FORM
        ),
        "introspect 401": client.post(
            "/v2/token/introspect",
            urlencode({"token": api.token, "client_id": sid, "client_secret": secret + "x"}),
            content_type=FORM,
        ),
        "introspect 405": client.get("/v2/token/introspect"),
        "revoke 401": client.post(
            "/v2/token/revoke",
            urlencode({"token": api.token, "client_id": sid, "client_secret": "wrong"}),
            content_type=FORM,
        ),
        "revoke 405": client.get("/v2/token/revoke"),
        "gateway 400": client.get("/v1/gateway/check", HTTP_AUTHORIZATION=f"Bearer {api.token}"),
    }
    for where, response in errors.items():
        assert response.status_code >= 400, (where, response.status_code)
        sweep.record(where, response)
    sweep.record("IAM delete", api.delete(f"{APPS}/{sid}"))


def cli_procedures(sweep: Sweep, account) -> None:
    def run(*args) -> dict:
        out, err = io.StringIO(), io.StringIO()
        call_command("oauthapp", *args, stdout=out, stderr=err)
        printed = json.loads(out.getvalue())
        sweep.secrets.append(printed["secret"])
        sweep.cli_stdout.append((" ".join(args[:1]), out.getvalue(), printed["secret"]))
        assert printed["secret"] not in err.getvalue()
        return printed

    created = run("create", "--account", account.sid, "--name", "CLI app", "--scope", EVERYTHING[0])
    run("rotate", created["sid"])
    call_command("oauthapp", "list", "--account", account.sid, stdout=io.StringIO())


def admin_procedures(sweep: Sweep, staff, app: OAuthApp) -> None:
    client = logged_in(staff)
    changelist = reverse("admin:oauthapps_oauthapp_changelist")
    data = {"action": "rotate_secret", "_selected_action": [app.pk]}
    sweep.record("admin rotate confirm", client.post(changelist, data))
    rotated = client.post(changelist, {**data, "post": "yes"})
    sweep.record("admin rotate redirect", rotated)
    page = client.get(rotated["Location"])
    [secret] = SECRET_ON_ADMIN_PAGE.findall(page.content.decode())
    sweep.secrets.append(secret)
    sweep.record("admin rotate reveal", page, reveals=secret)
    sweep.record("admin rotate reveal reloaded", client.get(rotated["Location"]))


def console_and_api_crawl(sweep: Sweep, owner, account, api: Api) -> None:
    client = logged_in(owner)
    pages = [reverse("oauthapps:list"), reverse("audit:list"), reverse("scopes:catalog")]
    for fmt in ("csv", "jsonl"):
        started = client.post(reverse("audit:export-create", kwargs={"fmt": fmt}))
        export = audit_export_write(
            AuditExport.objects.get(pk=started["Location"].rstrip("/").split("/")[-1]).pk
        )
        pages += [
            reverse("audit:export", kwargs={"export_id": export.pk}),
            reverse("audit:export-download", kwargs={"export_id": export.pk}),
        ]
    for app in OAuthApp.objects.filter(account=account):
        for name in ("detail", "credentials", "secrets", "rotated", "rotate", "delete"):
            pages.append(reverse(f"oauthapps:{name}", kwargs={"sid": app.client_id}))
        for record in app.secrets.all():
            pages.append(reverse("oauthapps:revoke", kwargs={"sid": app.client_id, "secret_id": record.pk}))
    for event in AuditEvent.objects.filter(account=account):
        pages.append(reverse("audit:detail", kwargs={"sid": event.sid}))
        pages.append(f"/v1/Events/{event.sid}")
    pages.append(f"{reverse('oauthapps:list')}OQ{'0' * 32}/")  # the console's 404 page
    pages.append("/console/no-such-page/")
    for page in pages:
        viewer = api if page.startswith("/v1/") else client
        response = viewer.get(page)
        assert response.status_code in {200, 404}, (page, response.status_code)
        sweep.record(f"crawl {page}", response)
    for app in OAuthApp.objects.filter(account=account):
        sweep.record("crawl IAM app", api.get(f"{APPS}/{app.client_id}"))
    sweep.record("crawl IAM list", api.get(APPS, {"PageSize": 1000}))
    sweep.record("crawl events", api.get("/v1/Events", {"PageSize": 1000}))


def admin_crawl(sweep: Sweep, staff) -> None:
    client = logged_in(staff)
    sweep.record("admin index", client.get(reverse("admin:index")))
    for model in admin.site._registry:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        response = client.get(reverse(f"{base}_changelist"))
        assert response.status_code == 200, opts.label
        sweep.record(f"admin changelist {opts.label}", response)
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            for view in ("change", "history", "delete"):
                try:
                    url = reverse(f"{base}_{view}", args=[pk])
                except NoReverseMatch:
                    continue
                response = client.get(url)
                assert response.status_code in {200, 302, 403}, (url, response.status_code)
                sweep.record(f"admin {view} {opts.label} {pk}", response)


def database_dump() -> list[tuple[str, str]]:
    rows = []
    for model in apps.get_models(include_auto_created=True):
        names = [f.attname for f in model._meta.concrete_fields]
        for values in model._default_manager.values_list(*names):
            rows.append((model._meta.label, " | ".join(str(v) for v in values)))
    for session in Session.objects.all():
        rows.append(("session (decoded)", repr(session.get_decoded())))
    return rows


@dataclass
class Outcome:
    """What one run of every procedure left behind, as text: shared by the tests below so that
    the procedures (several seconds) run once per test session, not once per test."""

    sweep: Sweep
    logs: list[tuple[str, bool]]  # (line, would the shipped LOGGING config have emitted it)
    rows: list[tuple[str, str]]
    digests_authenticate: list[str]
    secret_rows: int


_OUTCOME: list[Outcome] = []


def shipped_config_emits(name: str, levelno: int, saved_levels: dict[str, int]) -> bool:
    """Whether the settings' LOGGING (levels as they were before the capture) lets it through."""
    while name:
        level = saved_levels.get(name, logging.NOTSET)
        if level != logging.NOTSET:
            return levelno >= level
        name = name.rpartition(".")[0]
    return levelno >= saved_levels[""]


def run_every_procedure(handler: Collect, saved_levels: dict[str, int]) -> Outcome:
    sweep = Sweep()
    account = AccountFactory(name="Leak test account")
    owner = MembershipFactory(account=account, role=Role.OWNER).user
    staff = UserFactory(is_staff=True, is_superuser=True)
    console_app, console_secret = console_procedures(sweep, owner, account)
    token_request(Client(), sweep, "token of console app", console_app.client_id, console_secret)
    api_procedures(sweep, account, owner)
    cli_procedures(sweep, account)
    admin_procedures(sweep, staff, console_app)
    reader = make_app(account, user=owner, name="Crawler", scopes=EVERYTHING)
    sweep.secrets.append(reader.secret)
    client = Client()
    crawler = Api(
        client, token_request(client, sweep, "token (crawler)", reader.app.client_id, reader.secret)
    )
    console_and_api_crawl(sweep, owner, account, crawler)
    admin_crawl(sweep, staff)
    records = list(ClientSecret.objects.select_related("app"))
    authenticating = []
    for record in records:
        if client_authenticate(client_id=record.app.client_id, secret=record.digest) is not None:
            authenticating.append(f"client_authenticate {record}")
        body = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": record.app.client_id,
                "client_secret": record.digest,
            }
        )
        if client.post("/v2/token", body, content_type=FORM).status_code != 401:
            authenticating.append(f"/v2/token {record}")
    logs = [
        (line, shipped_config_emits(name, levelno, saved_levels)) for name, levelno, line in handler.lines
    ]
    return Outcome(sweep, logs, database_dump(), authenticating, len(records))


@pytest.fixture
def outcome(db) -> Outcome:
    if not _OUTCOME:
        with capture_every_logger_at_debug() as (handler, saved_levels):
            _OUTCOME.append(run_every_procedure(handler, saved_levels))
    return _OUTCOME[0]


def test_the_sweep_saw_every_kind_of_secret_and_token(outcome):
    sweep = outcome.sweep
    assert len(sweep.secrets) == len(set(sweep.secrets)) >= 12
    assert len(sweep.tokens) >= 7
    assert len(sweep.secrets) >= outcome.secret_rows  # every stored secret was issued by a procedure
    kinds = {where.split(" ")[0] for where, _, _ in sweep.reveals}
    assert {"console", "IAM", "admin", "token"} <= kinds
    assert len(sweep.cli_stdout) == 2
    assert any(emitted for _, emitted in outcome.logs), "log capture saw nothing"


def test_no_log_line_carries_a_secret_or_token_under_the_shipped_logging_config(outcome):
    found = [
        (labels, line[:300])
        for line, emitted in outcome.logs
        if emitted and (labels := leaks(outcome.sweep, line))
    ]
    assert not found, found


def test_no_log_line_carries_a_secret_or_token_with_every_logger_at_debug(outcome):
    found = [(labels, line[:300]) for line, _ in outcome.logs if (labels := leaks(outcome.sweep, line))]
    assert not found, found


def test_no_response_after_the_reveal_carries_a_secret_or_token(outcome):
    sweep = outcome.sweep
    found = [(where, labels) for where, text in sweep.after if (labels := leaks(sweep, text))]
    assert not found, found


def test_each_reveal_shows_only_its_own_secret_or_token(outcome):
    sweep = outcome.sweep
    for where, text, revealed in sweep.reveals:
        assert revealed in text, where
        others = [
            label for needle, label in sweep.needles.items() if needle in text and needle not in revealed
        ]
        assert not others, (where, others)


def test_cli_prints_the_secret_once_on_stdout_only(outcome):
    for command, stdout, secret in outcome.sweep.cli_stdout:
        assert stdout.count(secret) == 1, command
        assert not leaks(outcome.sweep, stdout, allowed=secret), command


def test_the_database_holds_no_secret_or_token(outcome):
    assert any(label == "oauthapps.ClientSecret" for label, _ in outcome.rows)
    assert any(label == "session (decoded)" for label, _ in outcome.rows)
    found = [(label, labels) for label, row in outcome.rows if (labels := leaks(outcome.sweep, row))]
    assert not found, found


def test_a_stored_digest_never_authenticates(outcome):
    assert outcome.secret_rows >= 8
    assert not outcome.digests_authenticate


def test_secret_comparison_is_constant_time(client, issued, monkeypatch):
    calls = []
    original = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    stored = issued.app.secrets.get().digest
    for secret, status in ((issued.secret, 200), ("wrong-" + issued.secret[6:], 401)):
        calls.clear()
        body = urlencode(
            {"grant_type": "client_credentials", "client_id": issued.app.client_id, "client_secret": secret}
        )
        assert client.post("/v2/token", body, content_type=FORM).status_code == status
        assert any(stored in pair for pair in calls), (
            f"the digest was not compared with compare_digest ({status})"
        )
