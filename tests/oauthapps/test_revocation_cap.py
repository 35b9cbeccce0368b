"""A cap on the one-token (``jti``) revocations in force per app: beyond it RFC 7009
revocation answers 429, pointing to revoking by secret; the storage per app is visible."""

import pytest

from oauthapps.models import Revocation
from tests.factories import make_app
from tests.oauthapps.test_checks import introspect, issue
from tests.oauthapps.test_token_endpoint import basic, form

pytestmark = pytest.mark.django_db


def revoke(client, issued, token):
    return client.post(
        "/v2/token/revoke",
        form(token=token),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(issued.app.client_id, issued.secret),
    )


@pytest.fixture
def cap(settings):
    settings.REVOCATIONS_MAX_JTI_PER_APP = 3
    return 3


def test_revocations_beyond_the_cap_are_429_and_the_token_stays_valid(client, issued, account, member, cap):
    for _ in range(cap):
        assert revoke(client, issued, issue(client, issued)).status_code == 200
    token = issue(client, issued)
    response = revoke(client, issued, token)
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["error"] == "too_many_requests"
    assert "revoke_previous" in body["error_description"] and "secret" in body["error_description"]
    assert int(response["Retry-After"]) > 0
    observer = make_app(account, user=member.user, name="Observer")
    assert introspect(client, observer, token).json()["active"] is True
    assert Revocation.objects.filter(key__startswith="jti:").count() == cap


def test_the_cap_is_per_app(client, issued, account, member, cap):
    for _ in range(cap):
        revoke(client, issued, issue(client, issued))
    other = make_app(account, user=member.user, name="Other")
    assert revoke(client, other, issue(client, other)).status_code == 200


def test_revoking_an_already_revoked_token_at_the_cap_is_200(client, issued, cap):
    tokens = [issue(client, issued) for _ in range(cap)]
    for token in tokens:
        revoke(client, issued, token)
    assert revoke(client, issued, tokens[0]).status_code == 200


def test_unknown_tokens_at_the_cap_are_still_200(client, issued, cap):
    for _ in range(cap):
        revoke(client, issued, issue(client, issued))
    assert revoke(client, issued, "not-a-token").status_code == 200  # RFC 7009 §2.2


def test_the_setting_has_a_default_read_from_the_environment():
    from django.conf import settings

    assert settings.REVOCATIONS_MAX_JTI_PER_APP == 1000


def test_the_admin_shows_each_revocations_app(admin_client, issued):
    revoke_client = admin_client  # the staff client can also post the RFC 7009 form
    revoke(revoke_client, issued, issue(revoke_client, issued))
    page = admin_client.get("/django-admin/oauthapps/revocation/", {"q": issued.app.client_id})
    assert page.status_code == 200
    assert f'<td class="field-client_id">{issued.app.client_id}</td>' in page.content.decode()


def test_a_metric_reports_the_most_jti_revocations_of_any_app(client, issued, cap):
    from oauthapps.metrics import OAuthAppsCollector

    for _ in range(2):
        revoke(client, issued, issue(client, issued))
    metrics = {family.name: family for family in OAuthAppsCollector().collect()}
    assert metrics["oauthapps_revocations_jti_max_per_app"].samples[0].value == 2
