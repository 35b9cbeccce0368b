"""Twilio parity in Chromium: Token expiration time on create and edit, the Grace period
of the rotation pop-up (0, and a few seconds by a test setting), the two-secret warning."""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from oauthapps.models import ClientSecret, OAuthApp
from oauthapps.server.secret_check import client_authenticate
from oauthapps.services import oauth_app_secret_rotate
from tests.factories import make_app, web_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ttl_number(page):
    return page.get_by_label("Token expiration time", exact=True)


def ttl_unit(page):
    return page.get_by_label("Token expiration time unit", exact=True)


def open_rotate_dialog(page, app):
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/")
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog


def finish_reveal(page):
    expect(page.get_by_role("heading", level=1, name="New Client Secret")).to_be_visible()
    page.get_by_label("Got it!").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", name="Previous secrets")).to_be_visible()


def test_token_expiration_time_on_create(page, owner, sign_in, shot):
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    expect(ttl_number(page)).to_have_value("1")
    expect(ttl_unit(page)).to_have_value("hours")
    expect(page.get_by_text("from 1 minute to 30 days")).to_be_visible()
    page.get_by_label("App name").fill("Short-lived")
    page.get_by_label("Filter scopes").fill("events/list")
    page.get_by_role("checkbox", name="/twilio/monitor/events/list", exact=True).check()

    # Out of range: the page says the range and keeps the input.
    ttl_number(page).fill("31")
    ttl_unit(page).select_option("days")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_text("must be from 1 minute (60 seconds) to 30 days")).to_be_visible()
    assert not OAuthApp.objects.exists()

    ttl_number(page).fill("90")
    ttl_unit(page).select_option("minutes")
    shot(page, "20-create-token-expiration-time")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()
    assert OAuthApp.objects.get(name="Short-lived").access_token_ttl == 5400


def test_token_expiration_time_on_edit(page, owner, sign_in):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    expect(ttl_number(page)).to_have_value("1")
    expect(ttl_unit(page)).to_have_value("hours")
    ttl_number(page).fill("2")
    ttl_unit(page).select_option("days")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("were saved")
    app.refresh_from_db()
    assert app.access_token_ttl == 2 * 86400
    expect(ttl_number(page)).to_have_value("2")
    expect(ttl_unit(page)).to_have_value("days")


def test_grace_period_0_stops_the_old_secret_at_once(page, owner, sign_in, shot):
    issued = make_app(owner.account, user=owner.user, name="Ledger")
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, issued.app)
    grace = dialog.get_by_label("Grace period", exact=True)
    expect(grace).to_have_value("1")
    expect(dialog.get_by_label("Grace period unit", exact=True)).to_have_value("days")
    expect(dialog.get_by_text("0 stops the current secret at once")).to_be_visible()
    zero_note = dialog.get_by_text("With a grace period of 0")
    expect(zero_note).to_be_hidden()
    grace.fill("0")
    expect(zero_note).to_be_visible()
    shot(page, "21-rotate-grace-0")
    dialog.get_by_role("button", name="Yes, rotate secret").click()
    finish_reveal(page)
    expect(page.get_by_text("No previous secret is in its grace period.")).to_be_visible()
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None


def test_grace_period_of_a_few_seconds_by_a_test_setting(page, owner, sign_in, settings):
    settings.SECRET_GRACE = timedelta(seconds=3)
    issued = make_app(owner.account, user=owner.user, name="Ledger")
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, issued.app)
    expect(dialog.get_by_label("Grace period", exact=True)).to_have_value("3")
    expect(dialog.get_by_label("Grace period unit", exact=True)).to_have_value("seconds")
    dialog.get_by_role("button", name="Yes, rotate secret").click()
    finish_reveal(page)
    previous = ClientSecret.objects.get(app=issued.app, replaced_at__isnull=False)
    assert previous.expires_at - previous.replaced_at == timedelta(seconds=3)
    row = page.get_by_role("row", name=re.compile(previous.hint))
    expect(row).to_contain_text(previous.expires_at.strftime("%H:%M:%S"))
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is not None
    time.sleep(max(0.0, (previous.expires_at.timestamp() - time.time())) + 0.2)
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    page.reload()
    # Ended, but its tokens may still be unexpired: listed, and revocable, until they are.
    expect(page.get_by_role("row", name=re.compile(previous.hint))).to_contain_text("tokens valid until")


def test_the_pop_up_warns_that_a_previous_secret_will_stop(page, owner, sign_in, shot):
    issued = make_app(owner.account, user=owner.user, name="Ledger")
    second = oauth_app_secret_rotate(app=issued.app, actor=web_actor(owner.user))
    older = ClientSecret.objects.get(app=issued.app, replaced_at__isnull=False)
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, issued.app)
    warning = dialog.get_by_text(f"The previous secret {older.hint} stops at once.")
    expect(warning).to_be_visible()
    expect(dialog).to_contain_text("at most two secrets are valid at any time")
    shot(page, "22-rotate-two-secret-warning")
    dialog.get_by_role("button", name="Yes, rotate secret").click()
    finish_reveal(page)
    expect(page.get_by_role("row", name=re.compile(older.hint))).to_have_count(0)
    expect(page.get_by_role("row", name=re.compile("…"))).to_have_count(1)
    assert client_authenticate(client_id=issued.app.client_id, secret=issued.secret) is None
    assert client_authenticate(client_id=issued.app.client_id, secret=second.secret) is not None


def test_no_warning_when_no_previous_secret_is_in_its_grace_period(page, owner, sign_in):
    issued = make_app(owner.account, user=owner.user, name="Ledger")
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, issued.app)
    expect(dialog.get_by_text("stops at once.")).to_have_count(0)
