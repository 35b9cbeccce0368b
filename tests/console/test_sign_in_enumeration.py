"""Sign-in tells nothing about which emails have accounts: at every door, a known and an
unknown email get the same status, body, Retry-After (and the same countdown as time
passes) and the same number of password hashes, failure after failure."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console import throttling
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

KNOWN, UNKNOWN = "known.person@example.test", "nobody.here@example.test"
DOORS = {
    "console": ("/login/", {}),
    "admin": ("/django-admin/login/", {"next": "/django-admin/"}),
}


class Clock:
    """One settable clock for ``timezone.now`` and the rate limits' ``time.time``."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(datetime(2026, 12, 7, 21, 1, 17, 250_000, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: clock.now.timestamp()))
    return clock


@pytest.fixture
def hashes(monkeypatch):
    """How many Argon2 hashes (checks or makes) a sign-in attempt costs: its timing."""
    count = [0]
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def encode(self, *args):
        count[0] += 1
        return real_encode(self, *args)

    def verify(self, *args):
        count[0] += 1
        return real_verify(self, *args)

    monkeypatch.setattr(Argon2PasswordHasher, "encode", encode)
    monkeypatch.setattr(Argon2PasswordHasher, "verify", verify)
    return count


def answer(client, door: str, email: str, hashes) -> dict:
    """Everything a client can observe of one failed attempt, with the email it typed
    and the per-response random values (CSRF token, CSP nonce) taken out."""
    path, extra = DOORS[door]
    before = hashes[0]
    response = client.post(path, {"username": email, "password": "wrong password", **extra})
    body = response.content.decode().replace(email, "EMAIL")
    body = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*', r"\1", body)
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    # Expires is the wall clock's (never_cache), the request id random, and the length
    # that of the normalised body (compared below).
    skipped = {"expires", "x-request-id", "content-length"}
    headers = {k: v for k, v in response.items() if k.lower() not in skipped}
    return {
        "status": response.status_code,
        "retry_after": response.get("Retry-After"),
        "headers": headers,
        "cookies": sorted(response.cookies),
        "body": body,
        "hashes": hashes[0] - before,
    }


@pytest.mark.parametrize("browsers", ["new", "signed in to another account"])
@pytest.mark.parametrize("door", DOORS)
def test_a_known_and_an_unknown_email_get_the_same_answers_over_time(
    client_factory, clock, hashes, door, browsers
):
    UserFactory(email=KNOWN, is_staff=True)
    known, unknown = client_factory("10.0.0.1"), client_factory("10.0.0.2")
    if browsers != "new":
        # A device cookie for another account is no device cookie for these emails.
        other = UserFactory(email="someone.else@example.test")
        for client in (known, unknown):
            assert client.post("/login/", {"username": other.email, "password": PASSWORD}).status_code == 302
            client.post("/logout/")
            assert "console_device" in client.cookies
    steps = [0] * 8 + [300, 0, 299, 0.5, 0.5, 301, 0, 0, 0, 0, 0, 0, 0, 480, 0]
    seen = []
    for wait in steps:
        clock.advance(wait)
        a, b = answer(known, door, KNOWN, hashes), answer(unknown, door, UNKNOWN, hashes)
        assert a == b, f"after {len(seen)} answers ({seen}), the two emails were told apart"
        seen.append((a["status"], a["retry_after"]))
    # The walk went through a lock-out, its countdown, its end and a second lock-out.
    statuses = [status for status, _ in seen]
    assert statuses[:6] == [200] * 5 + [429] and 200 in statuses[6:] and statuses[-1] == 429
    assert seen[5][1] == "900" and seen[8][1] == "600"


@pytest.fixture
def client_factory():
    from django.test import Client

    def make(address: str) -> Client:
        return Client(REMOTE_ADDR=address)

    return make


def statements(client, email: str) -> list[str]:
    """The shape of the SQL one failed attempt runs (tables and verbs, no values)."""
    with CaptureQueriesContext(connection) as queries:
        client.post("/login/", {"username": email, "password": "wrong password"})
    return [re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", q["sql"]) for q in queries.captured_queries]


def test_a_failure_runs_the_same_statements_for_a_known_and_an_unknown_email(client_factory):
    """Timing: the same database work (the lock-out's audit rows aside), as the same hashes."""
    UserFactory(email=KNOWN)
    known, unknown = client_factory("10.0.0.1"), client_factory("10.0.0.2")
    for _ in range(5):
        assert statements(known, KNOWN) == statements(unknown, UNKNOWN)
