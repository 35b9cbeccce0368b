"""Session limits and re-authentication in Chromium, with limits of a few seconds."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from oauthapps.models import OAuthApp
from tests.factories import PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user, password=PASSWORD):
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def apps_heading(page):
    return page.get_by_role("heading", level=1, name="OAuth apps")


def test_an_idle_session_signs_out_and_sign_in_returns_to_the_page(page, owner, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=4)
    page.goto("/console/oauth-apps/")
    log_in(page, owner.user)
    expect(apps_heading(page)).to_be_visible()
    for _ in range(3):  # activity keeps it: more than 4 s in all, never 4 s idle
        page.wait_for_timeout(1000)
        page.goto("/console/audit/")
        expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    page.wait_for_timeout(4200)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="OAuth apps").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/console/oauth-apps/$"))
    expect(page.get_by_role("status")).to_contain_text("You were logged out after 4 seconds without activity")
    log_in(page, owner.user)
    expect(apps_heading(page)).to_be_visible()


def test_a_busy_session_ends_at_its_maximum_age(page, owner, settings):
    settings.SESSION_MAX_AGE = timedelta(seconds=6)
    page.goto("/")
    log_in(page, owner.user)
    expect(apps_heading(page)).to_be_visible()
    page.wait_for_timeout(2000)
    page.reload()
    expect(apps_heading(page)).to_be_visible()
    page.wait_for_timeout(4500)
    page.reload()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("status")).to_contain_text("sessions end 6 seconds after log-in")


def test_delete_in_the_dialog_asks_for_the_password_when_sign_in_is_old(page, owner, settings, shot):
    settings.REAUTH_MAX_AGE = timedelta(seconds=2)
    make_app(owner.account, user=owner.user, name="Old job")
    page.goto("/")
    log_in(page, owner.user)
    page.wait_for_timeout(2200)
    row = page.get_by_role("row", name=re.compile("Old job"))
    row.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, delete application").click()

    expect(page.get_by_role("heading", level=1, name="Confirm your password")).to_be_visible()
    assert OAuthApp.objects.filter(name="Old job").exists()
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That is not your password")).to_be_visible()
    shot(page, "40-reauth-wrong-password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    # Back to the action: its confirmation page, then done.
    expect(page.get_by_role("heading", name="Delete “Old job”?")).to_be_visible()
    page.get_by_role("button", name="Yes, delete application").click()
    expect(page.get_by_role("status")).to_contain_text("“Old job” was deleted")
    assert not OAuthApp.objects.filter(name="Old job").exists()


def test_rotate_without_javascript_asks_for_the_password_when_sign_in_is_old(nojs_page, owner, settings):
    page = nojs_page
    settings.REAUTH_MAX_AGE = timedelta(seconds=2)
    app = make_app(owner.account, user=owner.user, name="Plain HTML").app
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/")
    log_in(page, owner.user)
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    expect(page.get_by_role("heading", name="Rotate the Client Secret?")).to_be_visible()  # fresh sign-in
    page.wait_for_timeout(2200)
    page.get_by_role("button", name="Yes, rotate secret").click()

    expect(page.get_by_role("heading", level=1, name="Confirm your password")).to_be_visible()
    assert app.secrets.count() == 1
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Rotate the Client Secret?")).to_be_visible()
    page.get_by_role("button", name="Yes, rotate secret").click()
    expect(page.get_by_role("textbox", name="Client Secret")).to_be_visible()
    assert app.secrets.count() == 2


def test_change_password_keeps_the_session(page, owner, shot):
    page.goto("/")
    log_in(page, owner.user)
    page.get_by_role("link", name="Change password").click()
    shot(page, "41-password-change")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("another long passphrase 77")
    page.get_by_label("New password confirmation").fill("another long passphrase 77")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    expect(apps_heading(page)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, owner.user, password="another long passphrase 77")
    expect(apps_heading(page)).to_be_visible()
