"""Issue 25's console fixes in Chromium at 1280×800 and 390×844, each state checked by
axe-core and screenshotted: rotation choices kept through the password confirmation and
the result in words; the new secret surviving a reload until "Got it!"; confirm buttons and
Delete buttons named for what they do."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit.receivers import record_login_locked
from console.models import Role
from oauthapps.models import OAuthApp
from oauthapps.services import oauth_app_secret_rotate
from tests.e2e.conftest import SCREENSHOTS, horizontal_overflow
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, make_app, web_actor

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


def test_a_wildcard_scope_holds_its_actions_counts_once_and_stores_alone(page, owner, sign_in, check):
    wildcard, read = "/twilio/iam/account-oauth-apps/*", "/twilio/iam/account-oauth-apps/read"
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    page.get_by_label("App name").fill("Automation")
    page.get_by_label("Filter scopes").fill("account-oauth-apps")
    page.get_by_role("checkbox", name=read, exact=True).check()
    expect(page.get_by_text("1 of 100 selected")).to_be_visible()
    page.get_by_role("checkbox", name=wildcard, exact=True).check()

    action = page.get_by_role("checkbox", name=read, exact=True)
    expect(action).to_be_checked()
    expect(action).to_be_disabled()
    expect(action).to_have_accessible_description(re.compile(f"Included in {re.escape(wildcard)}"))
    expect(page.get_by_text("1 of 100 selected")).to_be_visible()
    check("picker-wildcard")

    page.get_by_role("checkbox", name=wildcard, exact=True).uncheck()
    expect(action).to_be_enabled()
    expect(action).to_be_checked()  # as the person had it before the `*`
    expect(page.get_by_text("1 of 100 selected")).to_be_visible()
    page.get_by_role("checkbox", name=wildcard, exact=True).check()
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()
    assert OAuthApp.objects.get(name="Automation").scopes == [wildcard]


def test_audit_page_fits_reads_in_words_and_pages_both_ways(page, owner, sign_in, check, width, monkeypatch):
    long_name = "Quarterly reconciliation of every regional ledger"
    app = make_app(owner.account, user=owner.user, name=long_name).app
    for _ in range(2):
        oauth_app_secret_rotate(app=app, actor=web_actor(owner.user, "2001:db8:85a3::8a2e:370:7334"))
    record_login_locked(sender=None, user=owner.user, ip_address="203.0.113.9")
    monkeypatch.setattr("audit.views.PAGE_SIZE", 2)
    sign_in(page, owner.user)
    page.goto("/console/audit/")
    table = page.get_by_role("region", name="Audit events")
    locked = table.get_by_role("row", name=re.compile("Sign-in locked"))
    expect(locked.get_by_role("cell").nth(1)).to_have_text("—")  # the App column: no user there
    expect(table.get_by_text("Secret rotated")).to_have_attribute("title", "oauth-apps.secret-rotated")
    check("audit-list")
    if width == "desktop":
        widths = table.evaluate("(el) => [...el.querySelectorAll('thead th')].map((th) => th.offsetWidth)")
        assert table.evaluate("(el) => el.scrollWidth - el.clientWidth") <= 0, widths
        for header in ("IP address", "Source"):
            box = table.get_by_role("columnheader", name=header).bounding_box()
            assert box["x"] + box["width"] <= 1280, header
    pages = 1
    while page.get_by_role("link", name="Older", exact=True).count():
        page.get_by_role("link", name="Older", exact=True).click()
        expect(page.get_by_role("link", name="Newer", exact=True)).to_be_visible()
        pages += 1
    assert pages >= 3
    expect(table.get_by_text("App created")).to_be_visible()
    check("audit-oldest")
    for _ in range(pages - 1):
        page.get_by_role("link", name="Newer", exact=True).click()
    expect(page.get_by_role("link", name="Newer", exact=True)).to_have_count(0)  # the newest page again
    expect(table.get_by_text("Sign-in locked")).to_be_visible()


def test_people_page_adds_changes_and_removes_people(page, owner, sign_in, check):
    from console.models import Membership

    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1, name="People")).to_be_visible()
    check("people")

    page.get_by_label("Email").fill("reader@example.test")
    page.get_by_label("Role", exact=True).select_option(label="Read-only")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="reader@example.test was added as Read-only")).to_be_visible()
    expect(page.get_by_role("textbox", name="First password")).to_have_value(re.compile(r".{20,}"))
    check("people-added")

    page.get_by_label("Role of reader@example.test").select_option(label="Developer")
    page.get_by_role("button", name="Change role of reader@example.test").click()
    expect(page.get_by_role("status")).to_have_text("reader@example.test is now Developer.")

    page.get_by_label(f"Role of {owner.user.email}").select_option(label="Read-only")
    page.get_by_role("button", name=f"Change role of {owner.user.email}").click()
    expect(page.get_by_role("alert")).to_contain_text("keeps at least one owner")
    check("people-last-owner")

    page.get_by_role("link", name="Remove reader@example.test").click()
    check("person-remove")
    page.get_by_role("button", name="Yes, remove reader@example.test").click()
    expect(page.get_by_role("status")).to_have_text("reader@example.test was removed from this account.")
    assert list(Membership.objects.filter(account=owner.account).values_list("role", flat=True)) == ["owner"]


def test_the_catalog_searches_every_area_and_offers_the_whole_pdf(page, owner, sign_in, check):
    sign_in(page, owner.user)
    page.goto("/console/catalog/")
    page.get_by_label("Search every product area").fill("read messages")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("matches “read messages”")
    results = page.get_by_role("table")
    expect(results.get_by_text("/twilio/messaging/messages/read", exact=True)).to_have_count(1)
    check("catalog-search")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the whole catalog (PDF)").click()
    assert download.value.suggested_filename == "twilio-permissions.pdf"


def test_phones_get_a_compact_apps_list_and_see_who_is_signed_in(page, owner, sign_in, check, width):
    for number in range(12):
        make_app(owner.account, user=owner.user, name=f"Service number {number} with a long descriptive name")
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/")
    expect(page.get_by_role("banner").get_by_text(owner.user.email, exact=True)).to_be_visible()
    rows = page.get_by_role("region", name="OAuth apps").locator("tbody tr")
    heights = rows.evaluate_all("(rows) => rows.map((row) => row.getBoundingClientRect().height)")
    if width == "phone":
        assert max(heights) < 60, heights  # one line per app
        first = rows.first
        expect(first.get_by_role("link", name=re.compile("^Service number"))).to_be_visible()
        expect(first.get_by_role("link", name=re.compile("^Delete Service number"))).to_be_visible()
    check("apps-list-compact")


def test_edit_cancel_asks_before_discarding_changes(page, owner, sign_in, check):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    page.get_by_role("link", name="Cancel").click()  # nothing changed: leaves at once
    expect(page.get_by_role("heading", level=1, name="OAuth apps")).to_be_visible()

    page.goto(f"/console/oauth-apps/{app.client_id}/")
    page.get_by_label("App name").fill("Ledger v2")
    page.get_by_role("link", name="Cancel").click()
    dialog = page.get_by_role("dialog", name="Discard your changes?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep editing")).to_be_focused()
    check("edit-discard-dialog")
    dialog.get_by_role("button", name="Keep editing").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("App name")).to_have_value("Ledger v2")
    page.get_by_role("link", name="Cancel").click()
    dialog.get_by_role("button", name="Discard changes").click()
    expect(page.get_by_role("heading", level=1, name="OAuth apps")).to_be_visible()
    app.refresh_from_db()
    assert app.name == "Ledger"


def test_the_admin_app_page_fits_a_phone_and_reads_like_the_console(page, sign_in, check, width):
    from oauthapps.services import oauth_app_secret_rotate as rotate
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    long_scope = "/twilio/voice/sip.domains.auth.registrations.credential-list-mappings/delete"
    app = make_app(name="Ledger", scopes=[long_scope, "/twilio/iam/account-oauth-apps/*"]).app
    rotate(app=app, actor=web_actor(staff))
    sign_in(page, staff)
    page.goto(f"/django-admin/oauthapps/oauthapp/{app.pk}/change/")
    # What overflows, if anything: elements whose content is wider than their box.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((el) => el.tagName !== 'OPTION' && el.scrollWidth > el.clientWidth + 1
                && getComputedStyle(el).overflowX === 'visible')
            .map((el) => el.tagName + ' ' + el.textContent.trim().slice(0, 40))"""
    )
    assert horizontal_overflow(page) <= 0, wide
    secrets = page.get_by_role("region", name="Client secrets")
    current = app.secrets.get(expires_at__isnull=True)
    expect(secrets).to_contain_text(f"{current.hint} (current)")
    expect(secrets).not_to_contain_text(f" of {app.pk}")
    expect(secrets).to_contain_text(re.compile(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d UTC"))
    expect(page.get_by_label(re.compile(r"^Token expiration time:?$"))).to_have_value("1")
    expect(page.get_by_label("Token expiration time unit")).to_have_value("hours")
    check("admin-app")
    page.goto("/django-admin/oauthapps/oauthapp/")
    expect(page.get_by_role("row", name=re.compile("Ledger"))).to_contain_text("1 hour")
