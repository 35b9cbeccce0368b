"""Device cookies (OWASP): strangers who lock out an account's untrusted clients never lock
out a browser its owner has signed in with; failures from such a browser lock it alone."""

import time
from datetime import UTC, datetime

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import Client, RequestFactory

from audit.models import AuditEvent
from console.devices import SALT, device_nonce
from console.signin import sign_in_subject, too_many_attempts
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

COOKIE = "console_device"
DOORS = {
    "console": ("/login/", {}),
    "admin": ("/django-admin/login/", {"next": "/django-admin/"}),
}


@pytest.fixture(autouse=True)
def _five_failures(settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "5/900"


@pytest.fixture
def owner(account):
    user = UserFactory(email="owner@example.test", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, account=account)
    return user


def signed(value: str, salt: str = SALT) -> str:
    """``value`` signed as Django signs a cookie named ``COOKIE`` with ``salt``."""
    response = HttpResponse()
    response.set_signed_cookie(COOKIE, value, salt=salt)
    return response.cookies[COOKIE].value


def unsigned(value: str) -> str:
    return RequestFactory().get("/", HTTP_COOKIE=f"{COOKIE}={value}").get_signed_cookie(COOKIE, salt=SALT)


def sign_in(client, email, password=PASSWORD, door="console"):
    path, extra = DOORS[door]
    return client.post(path, {"username": email, "password": password, **extra})


def browser(address="192.0.2.10") -> Client:
    return Client(REMOTE_ADDR=address)


def owners_browser(owner, address="192.0.2.10") -> Client:
    """A browser the owner has signed in with, then signed out of."""
    client = browser(address)
    assert sign_in(client, owner.email).status_code == 302
    assert client.post("/logout/").status_code == 302
    return client


def hammer(email, times=6, address="203.0.113.7", door="console") -> list[int]:
    stranger = browser(address)
    return [sign_in(stranger, email, "guess", door).status_code for _ in range(times)]


@pytest.mark.parametrize("door", DOORS)
def test_signing_in_gives_a_signed_long_lived_http_only_cookie_naming_the_user(client, owner, door):
    response = sign_in(client, owner.email, door=door)
    assert response.status_code == 302
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert cookie["max-age"] == 365 * 86400 and cookie["path"] == "/"
    user_id, nonce = unsigned(cookie.value).split(":")
    assert user_id == str(owner.pk) and len(nonce) >= 32


def test_the_cookie_is_secure_over_https(client, owner):
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD}, secure=True)
    assert response.cookies[COOKIE]["secure"]


def test_each_sign_in_gets_a_new_nonce_and_a_wrong_password_gets_none(client, owner):
    assert COOKIE not in sign_in(client, owner.email, "wrong").cookies
    first = sign_in(client, owner.email).cookies[COOKIE].value
    client.post("/logout/")
    assert sign_in(client, owner.email).cookies[COOKIE].value != first


def test_signing_out_keeps_the_device_cookie(client, owner):
    sign_in(client, owner.email)
    value = client.cookies[COOKIE].value
    response = client.post("/logout/")
    assert COOKIE not in response.cookies  # not deleted, not replaced
    assert client.cookies[COOKIE].value == value


@pytest.mark.parametrize("door", DOORS)
def test_the_owners_browser_gets_in_while_strangers_hammer(owner, door):
    mine = owners_browser(owner)
    assert hammer(owner.email, door=door)[-1] == 429
    assert sign_in(browser("198.51.100.1"), owner.email, door=door).status_code == 429  # never seen
    assert sign_in(mine, owner.email, door=door).status_code == 302
    # and the strangers' lock-out is still in force for every other client
    assert sign_in(browser("198.51.100.2"), owner.email, door=door).status_code == 429
    assert AuditEvent.objects.filter(event_type="console.login-locked").count() == 1


def test_a_device_cookie_from_one_door_is_honoured_at_the_other(owner):
    mine = owners_browser(owner)
    hammer(owner.email)
    assert sign_in(mine, owner.email, door="admin").status_code == 302


def test_the_owners_browser_is_not_counted_per_address(owner, settings):
    """Strangers behind the owner's address (one NAT) use up its per-address limit."""
    settings.THROTTLE_LOGIN_PER_IP = "3/900"
    mine = owners_browser(owner, address="192.0.2.10")
    hammer("someone@example.test", times=4, address="192.0.2.10")
    assert sign_in(browser("192.0.2.10"), owner.email).status_code == 429
    assert sign_in(mine, owner.email).status_code == 302


def test_failures_with_a_device_cookie_lock_that_device_alone(owner):
    mine, my_other = owners_browser(owner), owners_browser(owner, "192.0.2.11")
    assert [sign_in(mine, owner.email, "typo").status_code for _ in range(6)] == [200] * 5 + [429]
    assert sign_in(mine, owner.email).status_code == 429
    assert sign_in(my_other, owner.email).status_code == 302
    assert sign_in(browser("198.51.100.1"), owner.email).status_code == 302  # untrusted: not locked
    assert not AuditEvent.objects.filter(event_type="console.login-locked").exists()


def test_a_device_cookie_for_another_account_is_no_device_cookie(owner):
    other = UserFactory(email="other@example.test")
    others_browser = owners_browser(other)
    hammer(owner.email)
    assert sign_in(others_browser, owner.email).status_code == 429


@pytest.mark.parametrize(
    "value",
    [
        "{pk}:forged-nonce-without-a-signature",
        "{signed}x",  # altered signature
        "{signed_other_salt}",  # signed by this site, for another use
    ],
)
def test_a_forged_or_altered_cookie_is_no_device_cookie(owner, value):
    hammer(owner.email)
    client = browser()
    values = {
        "pk": owner.pk,
        "signed": signed(f"{owner.pk}:{'n' * 32}"),
        "signed_other_salt": signed(f"{owner.pk}:{'n' * 32}", salt="other"),
    }
    client.cookies[COOKIE] = value.format(**values)
    assert sign_in(client, owner.email).status_code == 429


def test_a_cookie_older_than_its_lifetime_is_no_device_cookie(owner, monkeypatch):
    hammer(owner.email)
    year_and_a_day_ago = time.time() - 366 * 86400
    monkeypatch.setattr(signing.time, "time", lambda: year_and_a_day_ago)
    old = signed(f"{owner.pk}:{'n' * 32}")
    monkeypatch.undo()
    client = browser()
    client.cookies[COOKIE] = old
    assert sign_in(client, owner.email).status_code == 429
    fresh = browser("192.0.2.99")
    fresh.cookies[COOKIE] = signed(f"{owner.pk}:{'n' * 32}")
    assert sign_in(fresh, owner.email).status_code == 302


def test_device_nonce_reads_only_a_valid_cookie_for_the_user(owner):
    other = UserFactory()
    value = signed(f"{owner.pk}:abc")
    request = RequestFactory().get("/", HTTP_COOKIE=f"{COOKIE}={value}")
    assert device_nonce(request, owner) == "abc"
    assert device_nonce(request, other) is None
    assert device_nonce(request, None) is None
    assert device_nonce(RequestFactory().get("/"), owner) is None


def test_the_subjects_of_a_device_an_account_and_an_unknown_email(owner):
    assert sign_in_subject(user=owner, email=owner.email, device="n1") == "device:n1"
    assert sign_in_subject(user=owner, email=owner.email, device=None) == f"user:{owner.pk}"
    unknown = sign_in_subject(user=None, email="Nobody@Example.test", device=None)
    assert unknown == sign_in_subject(user=None, email="NOBODY@example.TEST", device=None)
    assert unknown.startswith("email:") and "nobody" not in unknown.lower()
    assert sign_in_subject(user=None, email="a\udc80@example.test", device=None).startswith("email:")


def test_the_refusal_says_how_long_and_until_when():
    now = datetime(2026, 12, 7, 21, 1, 0, tzinfo=UTC)
    assert too_many_attempts(900, now) == "Too many sign-in attempts. Try again in 15 minutes, at 21:16 UTC."
    assert too_many_attempts(61, now) == "Too many sign-in attempts. Try again in 2 minutes, at 21:03 UTC."
    assert too_many_attempts(5, now) == "Too many sign-in attempts. Try again in 1 minute, at 21:02 UTC."


@pytest.mark.parametrize("door", DOORS)
def test_one_attempt_before_the_lock_the_answer_warns(owner, door):
    stranger = browser("203.0.113.7")
    bodies = [sign_in(stranger, owner.email, "guess", door).content.decode() for _ in range(6)]
    warning = "One more failed attempt locks sign-in for 15 minutes."
    assert [warning in body for body in bodies] == [False] * 4 + [True, False]
    assert "Try again in 15 minutes, at " in bodies[5] and "Wait a few minutes" not in bodies[5]
