"""The Prometheus endpoint: protected, and counting what operators need."""

import pytest

from oauthapps import services
from tests.factories import web_actor
from tests.oauthapps.test_token_endpoint import credentials, form, post_token

pytestmark = pytest.mark.django_db


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return response.content.decode()


def value(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_tokens_and_refusals(client, issued):
    before = scrape(client)
    post_token(client, credentials(issued))
    post_token(
        client, form(grant_type="client_credentials", client_id=issued.app.client_id, client_secret="x")
    )
    after = scrape(client)
    assert value(after, "oauthapps_tokens_issued_total") == value(before, "oauthapps_tokens_issued_total") + 1
    refused = 'oauthapps_tokens_refused_total{error="invalid_client"}'
    assert value(after, refused) == value(before, refused) + 1
    assert "oauthapps_token_request_seconds_bucket" in after


def test_metrics_gauges_read_the_database(client, issued, member, account):
    services.oauth_app_secret_rotate(app=issued.app, actor=web_actor(member.user))
    post_token(client, credentials(issued))  # the previous secret, used during its grace period
    doomed = services.oauth_app_create(
        account=account, actor=web_actor(member.user), name="Doomed", scopes=["/twilio/monitor/events/list"]
    )
    services.oauth_app_delete(app=doomed.app, actor=web_actor(member.user))
    text = scrape(client)
    assert value(text, "oauthapps_active_apps") == 1
    assert value(text, "oauthapps_secrets_in_grace_period") == 1
    assert value(text, "oauthapps_secrets_in_grace_period_used_last_hour") == 1
    assert value(text, "oauthapps_revocations_in_force") == 1  # the deleted app's tokens


def test_metrics_refused_outside_allowed_networks(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403


def test_metrics_with_bearer_token(client, settings):
    settings.METRICS_BEARER_TOKEN = "scrape-me"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me").status_code == 200


def test_metrics_never_show_secrets(client, issued):
    token = post_token(client, credentials(issued)).json()["access_token"]
    text = scrape(client)
    assert issued.secret not in text and token not in text
