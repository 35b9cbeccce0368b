"""Issue 25's console fixes in Chromium at 1280×800 and 390×844, each state checked by
axe-core and screenshotted: rotation choices kept through the password confirmation and
the result in words; the new secret surviving a reload until "Got it!"; confirm buttons and
Delete buttons named for what they do."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from console.models import Role
from tests.e2e.conftest import SCREENSHOTS, horizontal_overflow
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def owner(transactional_db):
    return MembershipFactory(account=AccountFactory(name="Acme"), role=Role.OWNER)


@pytest.fixture(params=list(WIDTHS))
def width(request, page):
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


@pytest.fixture
def check(page, axe, width):
    """No serious axe violation, no sideways scrolling, and a screenshot to look at."""

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        assert axe(page) == [], name
        assert horizontal_overflow(page) <= 0, name
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"polish-{name}-{width}.png", full_page=True)

    return check


def open_rotate_dialog(page, app):
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/")
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_rotation_keeps_its_choices_through_the_password_and_says_what_stops(
    page, owner, sign_in, settings, check
):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    replaced = app.secrets.get()
    sign_in(page, owner.user)
    settings.REAUTH_MAX_AGE = timedelta(seconds=2)
    dialog = open_rotate_dialog(page, app)
    dialog.get_by_label("Grace period", exact=True).fill("3")
    dialog.get_by_label("Grace period unit").select_option("hours")
    dialog.get_by_label("Revoke the current secret now").check()
    page.wait_for_timeout(2200)
    dialog.get_by_role("button", name="Yes, rotate secret").click()

    expect(page.get_by_role("heading", level=1, name="Confirm your password")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1, name="Rotate the Client Secret?")).to_be_visible()
    expect(page.get_by_text("your choices are kept")).to_be_visible()
    expect(page.get_by_label("Grace period", exact=True)).to_have_value("3")
    expect(page.get_by_label("Grace period unit")).to_have_value("hours")
    expect(page.get_by_label("Revoke the current secret now")).to_be_checked()
    assert app.secrets.count() == 1
    check("rotate-choices-kept")
    page.get_by_role("button", name="Yes, rotate secret").click()

    expect(page.get_by_role("heading", level=1, name="New Client Secret")).to_be_visible()
    stopped = f"The previous secret {replaced.hint} stopped working now."
    expect(page.get_by_role("status")).to_have_text(stopped)
    replaced.refresh_from_db()
    assert replaced.revoked_at is not None


def test_rotating_says_when_the_previous_secret_stops(page, owner, sign_in, check):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    replaced = app.secrets.get()
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, app)
    dialog.get_by_label("Grace period", exact=True).fill("3")
    dialog.get_by_label("Grace period unit").select_option("hours")
    dialog.get_by_role("button", name="Yes, rotate secret").click()
    replaced.refresh_from_db()
    stops = replaced.expires_at.strftime("%H:%M:%S")
    expect(page.get_by_role("status")).to_contain_text(
        f"The previous secret {replaced.hint} stops working at {stops} UTC"
    )
    expect(page.get_by_role("status")).to_contain_text("when its grace period of 3 hours ends")
    check("rotated-says-when")


def test_the_new_secret_survives_a_reload_until_got_it(page, owner, sign_in, check):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    dialog = open_rotate_dialog(page, app)
    dialog.get_by_role("button", name="Yes, rotate secret").click()
    secret = page.get_by_role("textbox", name="Client Secret").input_value()
    assert len(secret) == 64

    page.reload()
    expect(page.get_by_role("textbox", name="Client Secret")).to_have_value(secret)
    check("rotated-after-reload")
    page.get_by_label("Got it!").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("status")).to_contain_text("was rotated")

    page.go_back()
    expect(page.get_by_text("The new Client Secret was already shown")).to_be_visible()
    assert secret not in page.content()


def test_delete_buttons_name_their_app_and_confirm_in_twilio_words(page, owner, sign_in, check):
    first = make_app(owner.account, user=owner.user, name="Twin").app
    second = make_app(owner.account, user=owner.user, name="Twin").app
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/")
    for app in (first, second):
        expect(page.get_by_role("link", name=f"Delete Twin ({app.client_id})", exact=True)).to_have_count(1)
    check("list-twins")
    page.get_by_role("link", name=f"Delete Twin ({second.client_id})", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Yes, delete application", exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Yes, delete application", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("“Twin” was deleted")
    expect(page.get_by_role("link", name=re.compile(re.escape(first.client_id)))).to_have_count(1)
    assert not type(second).objects.filter(pk=second.pk).exists()
