"""Device cookies in Chromium: while a stranger's browser has locked out the owner's email,
the owner's own browser still signs in (console and admin), and a browser never seen stays
locked, told how long and until when."""

import re

import pytest
from playwright.sync_api import expect

from console.models import Role
from tests.e2e.conftest import _new_context
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCKED = re.compile(r"Too many sign-in attempts\. Try again in 1[45] minutes, at \d\d:\d\d UTC\.")


@pytest.fixture
def owner(transactional_db):
    user = UserFactory(email="owner@example.test", is_staff=True, is_superuser=True)
    MembershipFactory(user=user, account=AccountFactory(name="Acme"), role=Role.OWNER)
    return user


def log_in(page, email, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def apps_heading(page):
    return page.get_by_role("heading", level=1, name="OAuth apps")


def test_the_owners_browser_signs_in_while_a_stranger_has_locked_the_email(
    browser, live_server, owner, settings, shot
):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "5/900"
    mine = _new_context(browser, live_server)
    stranger = _new_context(browser, live_server)
    newcomer = _new_context(browser, live_server)
    try:
        page = mine.new_page()
        log_in(page, owner.email)
        expect(apps_heading(page)).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("status")).to_contain_text("You have been logged out.")
        [cookie] = [c for c in mine.cookies() if c["name"] == "console_device"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert cookie["expires"] > 300 * 86400 + page.evaluate("Date.now() / 1000")

        theirs = stranger.new_page()
        for attempt in range(6):
            log_in(theirs, owner.email, "a guess")
            alert = theirs.get_by_role("alert")
            if attempt == 4:
                expect(alert).to_contain_text("One more failed attempt locks sign-in for 15 minutes.")
                shot(theirs, "sign-in-one-more-locks")
        expect(theirs.get_by_role("alert")).to_have_text(LOCKED)
        shot(theirs, "sign-in-locked")

        new = newcomer.new_page()
        log_in(new, owner.email)
        expect(new.get_by_role("alert")).to_have_text(LOCKED)
        expect(new).to_have_url(re.compile(r"/login/$"))

        log_in(page, owner.email)
        expect(apps_heading(page)).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        page.goto("/django-admin/login/")
        page.locator("#id_username").fill(owner.email)
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    finally:
        for context in (mine, stranger, newcomer):
            context.close()
