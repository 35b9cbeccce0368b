"""Review of issue 20: the lock-out of an unknown email is keyed by Python's ``str.upper``
of what was typed, while a known email is found by the database's ``UPPER`` (``iexact``).
The two fold differently (``"ß".upper()`` is ``"SS"`` and ``"ﬆ".upper()`` is ``"ST"`` in
Python; PostgreSQL's and SQLite's UPPER keep both), so a spelling that the database does
not match to an account shares the lock-out of an unknown email's other spelling, and not
of a known one's: locking an email, then trying its other spelling, tells whether the
email has an account."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KNOWN, UNKNOWN = "ross.person@example.test", "ross.nobody@example.test"
# The admin's username field is NFKC-normalised (ﬆ becomes st, ß stays); the console's is
# an EmailField whose local part is ASCII, but whose domain may be written with ﬆ.
DOORS = {
    "console": ("/login/", {}, lambda email: email.replace(".test", ".teﬆ")),
    "admin": ("/django-admin/login/", {"next": "/django-admin/"}, lambda email: email.replace("ss", "ß")),
}


def attempt(client, door: str, email: str) -> tuple[int, str | None]:
    path, extra, _ = DOORS[door]
    response = client.post(path, {"username": email, "password": "wrong password", **extra})
    return response.status_code, response.get("Retry-After")


@pytest.mark.parametrize("door", DOORS)
def test_another_spelling_of_a_locked_email_answers_alike_for_known_and_unknown(door):
    UserFactory(email=KNOWN, is_staff=True)
    respell = DOORS[door][2]
    seen = {}
    for email, address in ((KNOWN, "10.0.0.1"), (UNKNOWN, "10.0.0.2")):
        client = Client(REMOTE_ADDR=address)
        answers = [attempt(client, door, email) for _ in range(6)]
        assert answers[-1] == (429, "900"), answers  # this spelling is locked out
        seen[email] = attempt(Client(REMOTE_ADDR=address), door, respell(email))
    assert seen[KNOWN] == seen[UNKNOWN], f"known {seen[KNOWN]} vs unknown {seen[UNKNOWN]}"
