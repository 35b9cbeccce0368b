"""manage.py purge_expired: expired tokens and dead client secrets go, live ones stay."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from console.actors import Actor
from oauthapps import services
from oauthapps.models import ClientSecret, IssuedToken
from oauthapps.server.secret_check import client_authenticate

pytestmark = pytest.mark.django_db
AccessToken = get_access_token_model()


def make_token(app, *, expires_in: timedelta) -> "AccessToken":
    return AccessToken.objects.create(
        application=app, token_checksum=uuid.uuid4().hex * 2, expires=timezone.now() + expires_in
    )


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_expired_tokens_are_deleted_and_live_ones_kept(app):
    expired = [make_token(app, expires_in=timedelta(minutes=-5)) for _ in range(3)]
    live = make_token(app, expires_in=timedelta(minutes=30))

    purge()

    assert not AccessToken.objects.filter(pk__in=[token.pk for token in expired]).exists()
    assert AccessToken.objects.filter(pk=live.pk).exists()


def test_batches_cover_every_primary_key_range(app):
    tokens = [make_token(app, expires_in=timedelta(minutes=-1)) for _ in range(7)]

    output = purge("--batch-size", "2")

    assert not AccessToken.objects.filter(pk__in=[token.pk for token in tokens]).exists()
    span = tokens[-1].pk - tokens[0].pk + 1
    assert f"Deleted 7 expired access token(s) in {-(-span // 2)} batch(es)" in output


def test_refresh_token_link_is_cleared_not_left_dangling(app, member):
    token = make_token(app, expires_in=timedelta(minutes=-1))
    refresh = get_refresh_token_model().objects.create(
        user=member.user, application=app, access_token=token, token_checksum=uuid.uuid4().hex * 2
    )

    purge()

    refresh.refresh_from_db()
    assert refresh.access_token_id is None


def test_an_issued_tokens_secret_link_goes_with_it(issued):
    expired, live = (
        make_token(issued.app, expires_in=delta) for delta in (timedelta(minutes=-1), timedelta(hours=1))
    )
    for token in (expired, live):
        IssuedToken.objects.create(access_token=token, secret=issued.secret_record)

    purge()

    assert list(IssuedToken.objects.values_list("access_token_id", flat=True)) == [live.pk]
    assert list(AccessToken.objects.values_list("pk", flat=True)) == [live.pk]


def end_tracking(secret: ClientSecret) -> None:
    """As if the last token ``secret`` obtained had expired."""
    ClientSecret.objects.filter(pk=secret.pk).update(tokens_expire_at=timezone.now() - timedelta(seconds=1))


def test_a_lapsed_secret_takes_its_links_not_its_tokens(issued):
    token = make_token(issued.app, expires_in=timedelta(hours=1))
    IssuedToken.objects.create(access_token=token, secret=issued.secret_record)
    services.oauth_app_secret_rotate(app=issued.app, actor=Actor.system())
    ClientSecret.objects.filter(pk=issued.secret_record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    purge()
    assert ClientSecret.objects.filter(pk=issued.secret_record.pk).exists()  # its tokens may live
    end_tracking(issued.secret_record)
    purge()

    assert not ClientSecret.objects.filter(pk=issued.secret_record.pk).exists()
    assert AccessToken.objects.filter(pk=token.pk).exists() and not IssuedToken.objects.exists()


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
        "Deleted 0 expired access token(s) in 0 batch(es) and "
        "0 client secret(s) revoked or whose tokens have all expired in 0 batch(es); "
        "0 client secret(s) lapsed at the end of their grace period. "
        "Deleted 0 revocation(s) whose tokens have all expired.\n"
    )


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--sleep", "-1"]])
def test_bad_arguments_are_refused(args):
    with pytest.raises(CommandError):
        purge(*args)
