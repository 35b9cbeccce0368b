"""Rotating in the console: the choices survive the password confirmation, and the result
says in words which secret stops when."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from console.reauth import AUTHENTICATED_AT
from oauthapps.models import ClientSecret
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REAUTH = reverse("console:reauth")
THREE_HOURS_AND_REVOKE = {"grace_period_0": "3", "grace_period_1": "hours", "revoke_previous": "1"}


def rotate_url(app) -> str:
    return reverse("oauthapps:rotate", args=[app.client_id])


def sign_in_long_ago(client) -> None:
    session = client.session
    session[AUTHENTICATED_AT] -= settings.REAUTH_MAX_AGE.total_seconds() + 1
    session.save()


def confirm_password(client, app, posted: dict) -> str:
    """POST the rotation with an old sign-in, confirm the password; the page it returns to."""
    refused = client.post(rotate_url(app), posted)
    assert refused.status_code == 302 and refused["Location"].startswith(REAUTH)
    back = parse_qs(urlsplit(refused["Location"]).query)["next"][0]
    confirmed = client.post(REAUTH, {"password": PASSWORD, "next": back})
    assert confirmed.status_code == 302
    return confirmed["Location"]


def test_the_choices_come_back_after_the_password_confirmation(member_client, app):
    sign_in_long_ago(member_client)
    back = confirm_password(member_client, app, THREE_HOURS_AND_REVOKE)
    assert back.startswith(rotate_url(app) + "?")
    assert ClientSecret.objects.filter(app=app).count() == 1  # nothing rotated on the way

    page = member_client.get(back).content.decode()
    assert re.search(r'name="grace_period_0" value="3"', page)
    assert re.search(r'<option value="hours" selected>', page)
    assert re.search(r'name="revoke_previous" value="1" checked', page)
    assert "your choices are kept" in page


def test_the_carried_choices_only_fill_the_form_and_never_rotate(member_client, app):
    member_client.get(rotate_url(app) + "?grace_period_0=0&grace_period_1=hours&revoke_previous=1")
    assert ClientSecret.objects.filter(app=app).count() == 1


def test_carried_choices_that_do_not_validate_are_ignored(member_client, app):
    page = member_client.get(rotate_url(app) + "?grace_period_0=-5&grace_period_1=weeks")
    body = page.content.decode()
    assert page.status_code == 200 and "your choices are kept" not in body
    assert 'name="grace_period_0" value="1"' in body and '<option value="days" selected>' in body


def test_no_secret_rides_in_the_query(member_client, app):
    sign_in_long_ago(member_client)
    back = confirm_password(
        member_client, app, {**THREE_HOURS_AND_REVOKE, "csrfmiddlewaretoken": "x", "other": "y"}
    )
    assert set(parse_qs(urlsplit(back).query)) == {"grace_period_0", "grace_period_1", "revoke_previous"}


def test_rotating_says_when_the_previous_secret_stops(member_client, app):
    replaced = app.secrets.get()
    before = timezone.now()
    response = member_client.post(
        rotate_url(app), {"grace_period_0": "3", "grace_period_1": "hours"}, follow=True
    )
    body = response.content.decode()
    ends = before + timedelta(hours=3)
    assert f"The previous secret {replaced.hint} stops working at" in body
    assert re.search(
        r"stops working at \d\d:\d\d:\d\d UTC on \d+ \w+ \d{4}, when its grace period of 3 hours", body
    )
    assert f"{ends:%H:%M}" in body or f"{ends + timedelta(minutes=1):%H:%M}" in body


def test_rotating_with_revoke_says_the_previous_secret_stopped_now(member_client, app):
    replaced = app.secrets.get()
    body = member_client.post(rotate_url(app), THREE_HOURS_AND_REVOKE, follow=True).content.decode()
    assert f"The previous secret {replaced.hint} stopped working now." in body
