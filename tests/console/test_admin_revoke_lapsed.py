"""Review of issue 20: "a secret whose grace period simply ran out leaves its tokens to live
to their exp, but a later revoke_previous (and "Revoke now") still reaches them". The
services' ``revoke_previous`` and the console's "Revoke now" do; the Django admin's action
"Revoke previous secrets now" only looks at secrets still in their grace period, so the
unexpired tokens of a lapsed secret survive it (and the admin reports "Revoked 0")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oauthapps import services
from oauthapps.models import ClientSecret
from tests.console.test_admin import run_action, staff, staff_client, token  # noqa: F401
from tests.factories import token_is_live, web_actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("recorded", [False, True], ids=["before purge_expired", "after purge_expired"])
def test_revoke_previous_secrets_action_reaches_the_tokens_of_a_lapsed_secret(
    staff_client,  # noqa: F811
    issued,
    member,
    token,  # noqa: F811
    recorded,
):
    services.oauth_app_secret_rotate(
        app=issued.app, actor=web_actor(member.user), grace_period=timedelta(minutes=5)
    )
    # The grace period ran out; the token (one hour) obtained with the old secret lives on.
    ClientSecret.objects.filter(pk=issued.secret_record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    if recorded:
        assert services.oauth_app_secrets_expire_lapsed(actor=web_actor(member.user)) == 1
    assert token_is_live(token)

    assert run_action(staff_client, "revoke_previous_secrets", issued.app).status_code == 302

    assert not token_is_live(token), "the lapsed secret's token survived 'Revoke previous secrets now'"
