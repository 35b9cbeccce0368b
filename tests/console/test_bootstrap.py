"""First start: the default account, its owner, a signing key; Argon2 for console passwords."""

from io import StringIO

import pytest
from django.core.management import call_command

from console.models import Account, Membership, Role, User
from oauthapps.models import SigningKey

pytestmark = pytest.mark.django_db


def run_bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_bootstrap_uses_admin_email_and_password(settings, production_password_hashing):
    settings.ADMIN_EMAIL = "owner@example.com"
    settings.ADMIN_PASSWORD = "a-long-enough-password-42"
    output = run_bootstrap()
    owner = User.objects.get(email="owner@example.com")
    assert owner.check_password("a-long-enough-password-42")
    assert owner.password.startswith("argon2$")
    assert owner.is_staff and owner.is_superuser
    account = Account.objects.get()
    assert Membership.objects.get(user=owner, account=account).role == Role.OWNER
    assert account.sid.startswith("AC") and len(account.sid) == 34
    assert "a-long-enough-password-42" not in output
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == 1


def test_production_hashes_console_passwords_with_argon2_first():
    """The suite hashes with a fast test hasher (tests/conftest.py); deployments must not."""
    from tests.conftest import PRODUCTION_PASSWORD_HASHERS

    assert PRODUCTION_PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "MD5PasswordHasher" not in " ".join(PRODUCTION_PASSWORD_HASHERS)


def test_bootstrap_prints_a_generated_password_once(settings):
    settings.ADMIN_EMAIL = ""
    settings.ADMIN_PASSWORD = ""
    output = run_bootstrap()
    password = output.split("Password  ")[1].split()[0]
    assert User.objects.get(email="admin@example.com").check_password(password)
    second = run_bootstrap()
    assert "Password" not in second
    assert Account.objects.count() == 1 and SigningKey.objects.count() == 1


def test_the_generated_password_comes_last_framed_with_the_url_to_open(settings):
    settings.ADMIN_EMAIL = ""
    settings.ADMIN_PASSWORD = ""
    settings.OAUTH_ISSUER = "http://127.0.0.1:8123"
    lines = run_bootstrap().rstrip("\n").splitlines()
    box = lines[-6:]
    assert box[0] == box[-1] and set(box[0]) == {"+", "-"}
    assert all(
        line.startswith("| ") and line.endswith(" |") and len(line) == len(box[0]) for line in box[1:-1]
    )
    assert "Open http://127.0.0.1:8123/login/ and log in:" in box[1]
    assert "admin@example.com" in box[2] and "Password" in box[3]
    assert not any("Password" in line for line in lines[:-6])


def test_signing_key_is_stored_encrypted():
    run_bootstrap()
    key = SigningKey.objects.get()
    assert "ENCRYPTED PRIVATE KEY" in key.private_key_pem
    assert "d" not in key.public_jwk
