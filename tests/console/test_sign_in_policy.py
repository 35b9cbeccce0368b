"""One sign-in policy for every door: the admin login is locked with the console's, every
spelling that finds an account counts against it, and no other traffic flushes the count."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEvent
from console.throttling import limits_reset
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.oauthapps.test_token_endpoint import form, post_token

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/django-admin/login/"
# The look-alike spellings find the account through PostgreSQL's UPPER (SQLite's LIKE folds
# ASCII only, so there they find nothing and are counted as unknown addresses).
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's UPPER")
LOCKED = "Too many log-in attempts"


def console_sign_in(client, email, password="wrong password"):
    return client.post("/login/", {"username": email, "password": password})


def admin_sign_in(client, email, password="wrong password"):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/django-admin/"})


@pytest.fixture
def owner(account):
    """The superuser who owns the deployment: the admin login is a door to everything."""
    user = UserFactory(email="admin.sam@example.test", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, account=account)
    return user


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_at_the_admin_login_lock_the_console_too(client, owner, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "3/900"
    for _ in range(4):
        admin_sign_in(client, owner.email)
    assert console_sign_in(client, owner.email, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_lockout_holds_at_the_admin_login_for_the_right_password(client, owner, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "3/900"
    assert [console_sign_in(client, owner.email).status_code for _ in range(4)] == [200, 200, 200, 429]
    response = admin_sign_in(client, owner.email, PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    assert AuditEvent.objects.filter(event_type="console.login-locked").count() == 1


def test_the_admin_login_counts_attempts_per_address(client, owner, settings):
    settings.THROTTLE_LOGIN_PER_IP = "2/900"
    for email in ("a@example.test", "b@example.test"):
        admin_sign_in(client, email)
    assert LOCKED in admin_sign_in(client, owner.email, PASSWORD).content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize("look_alike", ["admın.sam@example.test", "admin.ſam@example.test"])
def test_a_look_alike_address_names_no_account(client, owner, look_alike):
    """PostgreSQL's UPPER makes ``ı`` an ``I`` and ``ſ`` an ``S``; sign-in folds ASCII only,
    on every backend, so a look-alike is an unknown email: it neither signs in nor shares
    the account's lock-out (which would tell that the account exists)."""
    response = console_sign_in(client, look_alike, PASSWORD)
    assert response.status_code == 200
    assert not signed_in(client)


def test_failures_under_look_alike_addresses_do_not_lock_the_account(client, owner, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "3/900"
    for look_alike in ("admın.sam@example.test", "admin.ſam@example.test", "admın.ſam@example.test"):
        assert console_sign_in(client, look_alike).status_code == 200
    assert console_sign_in(client, "ADMIN.SAM@example.test", PASSWORD).status_code == 302


def test_a_flood_of_token_requests_does_not_flush_a_lockout(client, owner, settings):
    """Without Redis: ~800 made-up client ids used to evict the sign-in counters."""
    if settings.REDIS_URL:
        pytest.skip("this is the no-Redis configuration's attack")
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "3/900"
    settings.THROTTLE_LOGIN_PER_IP = "5/900"
    for _ in range(4):
        console_sign_in(client, owner.email)
    for n in range(800):
        body = form(grant_type="client_credentials", client_id=f"OQ{n:032x}", client_secret="x")
        post_token(client, body, REMOTE_ADDR=f"10.{n // 250}.{n % 250}.1")
    assert console_sign_in(client, owner.email, PASSWORD).status_code == 429
    assert console_sign_in(client, "someone@example.test").status_code == 429  # per address, too


def test_the_lockout_ends_when_its_window_does(client, owner, settings, monkeypatch):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "2/900"
    for _ in range(3):
        console_sign_in(client, owner.email)
    assert console_sign_in(client, owner.email, PASSWORD).status_code == 429
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=901))
    limits_reset()  # the per-address window has ended too
    assert console_sign_in(client, owner.email, PASSWORD).status_code == 302


def test_a_sign_in_waits_for_a_free_password_check_then_is_told_to_retry(client, owner, settings):
    settings.PASSWORD_CHECKS_AT_ONCE = 1
    settings.PASSWORD_CHECK_WAIT = timedelta(seconds=0.2)
    from console.signin import password_check_slot

    with password_check_slot():
        response = console_sign_in(client, owner.email, PASSWORD)
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert "busy" in response.content.decode()
    assert console_sign_in(client, owner.email, PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ins_hash_at_most_the_configured_number_at_once(
    settings, monkeypatch, production_password_hashing
):
    """Argon2 takes ~100 MiB per check: runserver's unbounded threads reached 1 GB."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    settings.PASSWORD_CHECKS_AT_ONCE = 2
    settings.PASSWORD_CHECK_WAIT = timedelta(seconds=30)
    running, most, lock = [0], [0], threading.Lock()
    real_encode = Argon2PasswordHasher.encode

    def counted_encode(self, password, salt):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        try:
            return real_encode(self, password, salt)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(Argon2PasswordHasher, "encode", counted_encode)

    def attempt(n: int) -> None:
        try:
            request = RequestFactory().post("/login/", REMOTE_ADDR=f"127.0.0.{n + 1}")
            authenticate(request, username=f"nobody{n}@example.test", password="wrong password")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2
