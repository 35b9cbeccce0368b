"""manage.py purge_expired: dead client secrets and ended revocations go, live ones stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from console.actors import Actor
from oauthapps import services
from oauthapps.models import ClientSecret, Revocation
from oauthapps.server.secret_check import client_authenticate

pytestmark = pytest.mark.django_db


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def revocation(n: int, *, until) -> Revocation:
    return Revocation.objects.create(key=f"jti:{n}", until=until)


def test_ended_revocations_are_deleted_and_those_in_force_kept():
    now = timezone.now()
    ended = [revocation(n, until=now - timedelta(minutes=5)) for n in range(3)]
    in_force = revocation(99, until=now + timedelta(minutes=30))

    output = purge()

    assert not Revocation.objects.filter(pk__in=[row.pk for row in ended]).exists()
    assert Revocation.objects.filter(pk=in_force.pk).exists()
    assert "Deleted 3 revocation(s)" in output


def test_batches_cover_every_primary_key_range(issued):
    for _ in range(7):
        services.oauth_app_secret_rotate(app=issued.app, actor=Actor.system(), revoke_previous=True)
    dead = list(ClientSecret.objects.filter(revoked_at__isnull=False).order_by("pk"))

    output = purge("--batch-size", "2")

    assert not ClientSecret.objects.filter(pk__in=[secret.pk for secret in dead]).exists()
    span = ClientSecret.objects.get().pk - dead[0].pk + 1
    assert (
        f"Deleted 7 client secret(s) revoked or whose tokens have all expired in {-(-span // 2)} batch(es)"
        in output
    )


def end_tracking(secret: ClientSecret) -> None:
    """As if the last token ``secret`` obtained had expired."""
    ClientSecret.objects.filter(pk=secret.pk).update(tokens_expire_at=timezone.now() - timedelta(seconds=1))


def test_secret_past_grace_period_is_kept_until_its_tokens_expired_then_deleted(issued):
    rotated = services.oauth_app_secret_rotate(app=issued.app, actor=Actor.system())
    previous = ClientSecret.objects.get(app=issued.app, expires_at__isnull=False)
    ClientSecret.objects.filter(pk=previous.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    output = purge()
    assert "1 client secret(s) lapsed at the end of their grace period" in output
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    assert ClientSecret.objects.filter(pk=previous.pk, tokens_expire_at__isnull=False).exists()

    end_tracking(previous)
    output = purge()

    assert not ClientSecret.objects.filter(pk=previous.pk).exists()
    assert client_authenticate(client_id=issued.app.client_id, secret=rotated.secret) is not None
    assert "1 client secret(s) revoked or whose tokens have all expired" in output


def test_secret_in_grace_period_is_kept(issued):
    services.oauth_app_secret_rotate(app=issued.app, actor=Actor.system())

    purge()

    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is not None


def test_revoked_secret_is_deleted(issued):
    services.oauth_app_secret_rotate(app=issued.app, actor=Actor.system(), revoke_previous=True)

    purge()

    assert ClientSecret.objects.filter(app=issued.app).count() == 1


def test_empty_tables_report_zero():
    assert purge() == (
        "Deleted 0 client secret(s) revoked or whose tokens have all expired in 0 batch(es); "
        "0 client secret(s) lapsed at the end of their grace period. "
        "Deleted 0 revocation(s) whose tokens have all expired and 0 DPoP proof(s) past their window.\n"
        "Deleted 0 used client assertion(s) past their exp.\n"
    )


def test_used_assertions_past_their_exp_are_deleted():
    from datetime import timedelta

    from django.utils import timezone

    from oauthapps.models import UsedAssertion

    UsedAssertion.objects.create(key="old", until=timezone.now() - timedelta(seconds=1))
    UsedAssertion.objects.create(key="live", until=timezone.now() + timedelta(hours=1))
    assert "Deleted 1 used client assertion(s)" in purge()
    assert list(UsedAssertion.objects.values_list("key", flat=True)) == ["live"]


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--sleep", "-1"]])
def test_bad_arguments_are_refused(args):
    with pytest.raises(CommandError):
        purge(*args)
