"""manage.py signing_keys: tokens signed before a rotation keep verifying until they expire."""

import json
from datetime import timedelta
from io import StringIO

import jwt
import pytest
from django.core.management import call_command
from django.utils import timezone

from oauthapps.models import SigningKey
from oauthapps.server.signing_keys import signing_keys_forget
from tests.oauthapps.test_checks import introspect, issue

pytestmark = pytest.mark.django_db


def keys_command(*args):
    out = StringIO()
    call_command("signing_keys", *args, stdout=out)
    signing_keys_forget()  # as another process would after its cache period
    return json.loads(out.getvalue())


def published_kids(client) -> set[str]:
    return {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(client, issued):
    before = issue(client, issued)
    old_kid = jwt.get_unverified_header(before)["kid"]
    new = keys_command("rotate")
    after = issue(client, issued)
    assert jwt.get_unverified_header(after)["kid"] == new["kid"] != old_kid
    assert {old_kid, new["kid"]} <= published_kids(client)
    assert introspect(client, issued, before).json()["active"] is True
    assert introspect(client, issued, after).json()["active"] is True


def test_retired_key_leaves_the_jwks_once_its_tokens_have_expired(client, issued, settings):
    old_kid = jwt.get_unverified_header(issue(client, issued))["kid"]
    keys_command("rotate")
    SigningKey.objects.filter(kid=old_kid).update(
        retired_at=timezone.now()
        - timedelta(seconds=settings.ACCESS_TOKEN_TTL_MAX_SECONDS)
        - timedelta(minutes=6)
    )
    signing_keys_forget()
    assert old_kid not in published_kids(client)


def test_retired_key_stays_published_while_a_30_day_token_may_be_live(client, issued, settings):
    old_kid = jwt.get_unverified_header(issue(client, issued))["kid"]
    keys_command("rotate")
    SigningKey.objects.filter(kid=old_kid).update(retired_at=timezone.now() - timedelta(days=29))
    signing_keys_forget()
    assert old_kid in published_kids(client)


def test_create_es256_and_list(client, issued):
    issue(client, issued)  # the first (RS256) key is created on first use
    keys_command("create", "--algorithm", "ES256")
    listed = keys_command("list")
    assert {k["algorithm"] for k in listed} == {"RS256", "ES256"}
    assert all("private" not in json.dumps(k).lower() for k in listed)


def test_retire_unknown_key_is_an_error():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No signing key"):
        call_command("signing_keys", "retire", "nope", stdout=StringIO())
