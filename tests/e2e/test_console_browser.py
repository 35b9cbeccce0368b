"""Every console procedure of the product documentation, followed in Chromium by its visible labels."""

import re

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from console.models import Role
from oauthapps.models import OAuthApp
from oauthapps.services import oauth_app_secret_rotate, oauth_app_update
from scopes.catalog import get_catalog
from scopes.resolver import without_covered
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, make_app, web_actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IAM_CREATE = "/twilio/iam/account-oauth-apps/create"


def open_oauth_apps(page):
    page.goto("/")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="OAuth apps", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="OAuth apps")).to_be_visible()


def open_area(page, title):
    """Unfold a product area of the OAuth Scopes picker."""
    page.get_by_role("group", name="OAuth Scopes").get_by_text(title, exact=True).click()


def scope_box(page, name):
    return page.get_by_role("checkbox", name=name, exact=True)


def test_sign_in_by_email_and_out(page, owner, shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "01-login")
    page.get_by_label("Email").fill(owner.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="OAuth apps")).to_be_visible()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("Admin")
    expect(breadcrumb).to_contain_text("Account management")
    expect(breadcrumb).to_contain_text("Keys & credentials")
    expect(breadcrumb).to_contain_text("OAuth apps")
    expect(page.get_by_text("No OAuth apps yet")).to_be_visible()
    shot(page, "02-list-empty")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.get_by_role("status")).to_have_text("You have been logged out.")


def test_create_app_shows_the_secret_once(page, owner, sign_in, shot):
    sign_in(page, owner.user)
    open_oauth_apps(page)
    page.get_by_role("link", name="Create an OAuth app", exact=True).click()
    page.get_by_label("App name").fill("Billing sync")
    page.get_by_label("Description of the app").fill("Pushes invoices to the ledger")
    expect(page.get_by_text("0 of 100 selected")).to_be_visible()
    page.get_by_label("Filter scopes").fill("account-oauth-apps")
    scope_box(page, IAM_CREATE).check()
    scope_box(page, "/twilio/iam/account-oauth-apps/read").check()
    expect(page.get_by_text("2 of 100 selected")).to_be_visible()
    shot(page, "03-create")
    page.get_by_role("button", name="Create app").click()

    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()
    client_id = page.get_by_role("textbox", name="Client ID").input_value()
    secret = page.get_by_role("textbox", name="Client Secret").input_value()
    assert client_id.startswith("OQ") and len(secret) == 64
    expect(page.get_by_text("It is shown only once")).to_be_visible()
    finish = page.get_by_role("button", name="Finish")
    expect(finish).to_be_disabled()
    page.get_by_role("button", name="Copy Client Secret").click()
    expect(page.get_by_role("button", name="Client Secret copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot(page, "04-credentials")
    page.get_by_label("Got it!").check()
    expect(finish).to_be_enabled()
    page.get_by_label("Got it!").uncheck()
    expect(finish).to_be_disabled()
    page.get_by_label("Got it!").check()
    finish.click()

    expect(page.get_by_role("status")).to_have_text("The OAuth app “Billing sync” was created.")
    expect(page).to_have_url(re.compile(r"/console/oauth-apps/$"))
    expect(page.get_by_role("link", name="Billing sync", exact=True)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Billing sync"))
    expect(row).to_contain_text(client_id)
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")
    shot(page, "05-list")
    # Back to the credentials page, and a reload of it: the secret is gone, no second app.
    page.go_back()
    expect(page.get_by_text("The Client Secret was already shown")).to_be_visible()
    page.reload()
    expect(page.get_by_text("The Client Secret was already shown")).to_be_visible()
    assert secret not in page.content()
    shot(page, "06-credentials-after-reveal")
    page.go_back()
    page.go_back()
    assert OAuthApp.objects.count() == 1
    for path in [
        "/console/oauth-apps/",
        f"/console/oauth-apps/{client_id}/",
        f"/console/oauth-apps/{client_id}/secrets/",
    ]:
        page.goto(path)
        assert secret not in page.content()


def test_scope_picker_refuses_the_101st(page, owner, sign_in, shot):
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    # A resource's `*` holds its actions: they count once (scopes/resolver.py).
    counted = {
        area: len(without_covered(p.name for p in get_catalog().areas[area].permissions))
        for area in ("voice", "messaging", "phone-numbers")
    }
    open_area(page, "Voice")
    page.get_by_label("Select all in Voice").click()
    expect(page.get_by_text(f"{counted['voice']} of 100 selected")).to_be_visible()
    open_area(page, "Messaging")
    page.get_by_label("Select all in Messaging").click()
    expect(page.get_by_role("alert")).to_contain_text("You can select at most 100 OAuth Scopes")
    expect(page.get_by_role("alert")).to_be_in_viewport()
    expect(page.get_by_text(f"{counted['voice']} of 100 selected")).to_be_in_viewport()
    page.get_by_label("Select all in Voice").uncheck()
    expect(page.get_by_text("0 of 100 selected")).to_be_visible()
    page.get_by_label("Select all in Messaging").check()
    open_area(page, "Phone Numbers")
    page.get_by_label("Select all in Phone Numbers").check()
    selected = counted["messaging"] + counted["phone-numbers"]
    expect(page.get_by_text(f"{selected} of 100 selected")).to_be_visible()
    voice = [p.name for p in get_catalog().areas["voice"].permissions if not p.is_wildcard]
    for name in voice[: 100 - selected]:
        scope_box(page, name).check()
    expect(page.get_by_text("100 of 100 selected")).to_be_visible()
    extra = scope_box(page, voice[100 - selected])
    extra.click()
    expect(extra).not_to_be_checked()
    # Told where the click was, next to the count: not thousands of pixels above.
    expect(page.get_by_role("alert")).to_contain_text("You can select at most 100 OAuth Scopes")
    expect(page.get_by_role("alert")).to_be_in_viewport()
    expect(page.get_by_text("100 of 100 selected")).to_be_in_viewport()
    page.get_by_label("Filter scopes").fill("recordings")
    page.get_by_label("App name").scroll_into_view_if_needed()
    shot(page, "07-create-limit")
    page.get_by_label("App name").fill("Hundred")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()
    assert len(OAuthApp.objects.get(name="Hundred").scopes) == 100


def test_view_edit_save_cancel_and_errors(page, owner, sign_in, shot):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    open_oauth_apps(page)
    page.get_by_role("link", name="Ledger", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Ledger")).to_be_visible()
    for label in ["Client ID", "Date created", "Created by"]:
        expect(page.get_by_text(label, exact=True).first).to_be_visible()
    expect(page.get_by_label("App name")).to_have_value("Ledger")
    expect(page.get_by_label("Description of the app")).to_have_value("Syncs invoices")
    expect(page.get_by_role("list", name="Selected scopes")).to_contain_text("/twilio/monitor/events/list")
    shot(page, "08-detail")

    page.get_by_label("App name").fill("")
    page.get_by_label("Description of the app").fill("Kept while invalid")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_label("Description of the app")).to_have_value("Kept while invalid")
    shot(page, "09-detail-error")

    page.get_by_label("App name").fill("Ledger v2")
    page.get_by_text("Add or remove OAuth Scopes").click()
    page.get_by_label("Filter scopes").fill("calls/read")
    scope_box(page, "/twilio/voice/calls/read").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("were saved")
    app.refresh_from_db()
    assert app.name == "Ledger v2" and "/twilio/voice/calls/read" in app.scopes

    page.get_by_label("App name").fill("Not saved")
    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_role("dialog", name="Discard your changes?").get_by_role(
        "button", name="Discard changes"
    ).click()
    expect(page.get_by_role("heading", level=1, name="OAuth apps")).to_be_visible()
    expect(page.get_by_role("link", name="Ledger v2", exact=True)).to_be_visible()

    # Someone else saves in between: a conflict, not a lost edit.
    page.get_by_role("link", name="Ledger v2", exact=True).click()
    oauth_app_update(app=app, actor=web_actor(owner.user), description="Changed elsewhere")
    page.get_by_label("App name").fill("Mine")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("changed by someone else")
    expect(page.get_by_label("App name")).to_have_value("Mine")


def test_rotate_secret_and_revoke_the_previous(page, owner, sign_in, shot):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    page.get_by_role("link", name="Credentials", exact=True).click()
    expect(page.get_by_role("heading", name="Current secret")).to_be_visible()
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    shot(page, "10-rotate-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    page.get_by_role("button", name="Yes, rotate secret").click()

    expect(page.get_by_role("heading", level=1, name="New Client Secret")).to_be_visible()
    secret = page.get_by_role("textbox", name="Client Secret").input_value()
    assert len(secret) == 64
    done = page.get_by_role("button", name="Done")
    expect(done).to_be_disabled()
    page.get_by_role("button", name="Copy Client Secret").click()
    shot(page, "11-rotated")
    page.get_by_label("Got it!").check()
    done.click()

    expect(page.get_by_role("status")).to_have_text("The Client Secret of “Ledger” was rotated.")
    expect(page).to_have_url(re.compile(r"/secrets/$"))
    expect(page.get_by_role("heading", name="Previous secrets")).to_be_visible()
    previous = page.get_by_role("row", name=re.compile("…"))
    expect(previous).to_have_count(1)
    expect(previous).to_contain_text("Never")
    expires = app.secrets.get(expires_at__isnull=False).expires_at
    expect(previous).to_contain_text(expires.strftime("%H:%M:%S"))
    assert secret not in page.content()
    shot(page, "12-secrets-tab")
    page.reload()
    assert secret not in page.content()

    page.get_by_role("link", name=re.compile("Revoke now")).click()
    shot(page, "13-revoke-dialog")
    page.get_by_role("button", name="Yes, revoke secret").click()
    expect(page.get_by_role("status")).to_contain_text("was revoked")
    expect(page.get_by_text("No previous secret is in its grace period.")).to_be_visible()

    # Rotating with "revoke now" leaves no previous secret in its grace period.
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    page.get_by_label("Revoke the current secret now").check()
    page.get_by_role("button", name="Yes, rotate secret").click()
    page.get_by_label("Got it!").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("No previous secret is in its grace period.")).to_be_visible()


def test_delete_from_the_list(page, owner, sign_in, shot):
    make_app(owner.account, user=owner.user, name="Keep me")
    make_app(owner.account, user=owner.user, name="Old job")
    sign_in(page, owner.user)
    open_oauth_apps(page)
    row = page.get_by_role("row", name=re.compile("Old job"))
    row.get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Old job")
    shot(page, "14-delete-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(row).to_be_visible()
    row.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Yes, delete application").click()
    expect(page.get_by_role("status")).to_contain_text("“Old job” was deleted")
    expect(page.get_by_role("link", name="Old job", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Keep me", exact=True)).to_be_visible()


def test_every_procedure_works_without_javascript(nojs_page, owner, sign_in, shot):
    page = nojs_page
    app = make_app(owner.account, user=owner.user, name="Plain HTML").app
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    page.get_by_label("App name").fill("No script")
    open_area(page, "Monitor")
    scope_box(page, "/twilio/monitor/events/list").check()
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("textbox", name="Client Secret")).to_be_visible()
    page.get_by_role("button", name="Finish").click()  # "Got it!" is required: nothing happens
    expect(page.get_by_role("textbox", name="Client Secret")).to_be_visible()
    page.get_by_label("Got it!").check()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("link", name="No script", exact=True)).to_be_visible()

    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/")
    page.get_by_role("link", name="Rotate secret", exact=True).click()
    shot(page, "15-nojs-rotate-confirm")
    page.get_by_role("button", name="Yes, rotate secret").click()
    page.get_by_label("Got it!").check()
    page.get_by_role("button", name="Done").click()
    page.get_by_role("link", name=re.compile("Revoke now")).click()
    page.get_by_role("button", name="Yes, revoke secret").click()
    expect(page.get_by_role("status")).to_contain_text("was revoked")

    page.goto("/console/oauth-apps/")
    page.get_by_role("row", name=re.compile("Plain HTML")).get_by_role("link", name="Delete").click()
    shot(page, "16-nojs-delete-confirm")
    page.get_by_role("button", name="Yes, delete application").click()
    expect(page.get_by_role("status")).to_contain_text("was deleted")


def test_read_only_role_sees_but_cannot_change(page, owner, sign_in, shot):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    reader = MembershipFactory(account=owner.account, role=Role.READ_ONLY)
    sign_in(page, reader.user)
    open_oauth_apps(page)
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(page.get_by_role("link", name="Create an OAuth app", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Delete")).to_have_count(0)
    shot(page, "17-readonly-list")
    page.get_by_role("link", name="Ledger", exact=True).click()
    expect(page.get_by_text("/twilio/iam/account-oauth-apps/read")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    shot(page, "18-readonly-detail")
    page.get_by_role("link", name="Credentials", exact=True).click()
    expect(page.get_by_role("link", name="Rotate secret", exact=True)).to_have_count(0)
    response = page.goto(f"/console/oauth-apps/{app.client_id}/delete/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can’t do that here")).to_be_visible()
    shot(page, "19-forbidden")
    assert OAuthApp.objects.filter(pk=app.pk).exists()


def test_account_switcher(page, owner, sign_in, shot):
    make_app(owner.account, user=owner.user, name="Acme app")
    other = AccountFactory(name="Globex")
    MembershipFactory(user=owner.user, account=other, role=Role.READ_ONLY)
    make_app(other, name="Globex app")
    sign_in(page, owner.user)
    open_oauth_apps(page)
    expect(page.get_by_role("link", name="Acme app", exact=True)).to_be_visible()
    page.get_by_label("Account").select_option(label="Globex")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("status")).to_contain_text("Switched to Globex.")
    expect(page.get_by_role("link", name="Globex app", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Acme app", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Create an OAuth app", exact=True)).to_have_count(0)
    shot(page, "20-switched-account")


def test_audit_lists_filters_and_details(page, owner, sign_in, shot):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    helper = MembershipFactory(account=owner.account)
    make_app(owner.account, user=helper.user, name="Other")
    oauth_app_update(app=app, actor=web_actor(owner.user), name="Ledger v2", scopes=[IAM_CREATE])
    oauth_app_secret_rotate(app=app, actor=web_actor(owner.user, "10.1.2.3"))
    make_app(AccountFactory(), name="Foreign")
    sign_in(page, owner.user)
    page.goto("/")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("Monitor")
    expect(breadcrumb).to_contain_text("Insights")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(5)  # header + 4 events of this account
    expect(rows.nth(1)).to_contain_text("Secret rotated")  # in words; the code in the tooltip
    expect(rows.nth(1).get_by_title("oauth-apps.secret-rotated")).to_have_text("Secret rotated")
    expect(rows.nth(1)).to_contain_text("10.1.2.3")
    expect(page.get_by_text("Foreign")).to_have_count(0)
    shot(page, "21-audit")

    page.get_by_label("Event type").select_option("oauth-apps.created")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(3)
    page.get_by_label("Actor", exact=True).select_option(label=helper.user.email)
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Other")
    page.get_by_role("link", name="Clear filters", exact=True).click()
    page.get_by_label("App", exact=True).select_option(value=app.client_id)
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill("2000-01-02")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No events match these filters")).to_be_visible()
    page.get_by_label("To", exact=True).fill("")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(4)

    page.get_by_role("row", name=re.compile("App updated")).get_by_role("link").click()
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()
    changes = page.get_by_role("table")
    expect(changes).to_contain_text("Ledger")
    expect(changes).to_contain_text("Ledger v2")
    expect(changes).to_contain_text(IAM_CREATE)
    shot(page, "22-audit-detail")
    assert AuditEvent.objects.filter(account=owner.account).count() == 4


def test_audit_paginates(page, owner, sign_in):
    app = make_app(owner.account, user=owner.user, name="Busy").app
    for number in range(30):
        oauth_app_update(app=app, actor=web_actor(owner.user), name=f"Busy {number}")
    sign_in(page, owner.user)
    page.goto("/console/audit/")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_role("link", name="Newest")).to_have_count(0)  # already the newest
    pages.get_by_role("link", name="Older", exact=True).click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(7)
    expect(pages.get_by_role("link", name="Older")).to_have_count(0)  # the oldest page
    pages.get_by_role("link", name="Newest", exact=True).click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(26)


def test_permission_catalog_and_downloads(page, owner, sign_in, shot):
    sign_in(page, owner.user)
    page.goto("/")
    page.get_by_role("link", name="Permission catalog", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Permission catalog")).to_be_visible()
    shot(page, "23-catalog")
    page.get_by_role("link", name="Identity and Access Management (IAM)", exact=True).click()
    expect(page.get_by_role("rowheader", name=IAM_CREATE)).to_be_visible()
    shot(page, "24-catalog-area")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF", exact=True).click()
    assert download.value.suggested_filename == "twilio-permissions-iam.pdf"
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename == "twilio-permissions-iam.csv"


def test_keyboard_reaches_the_main_actions(page, owner, sign_in):
    make_app(owner.account, user=owner.user, name="Ledger")
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Create an OAuth app":
            break
    expect(page.get_by_role("link", name="Create an OAuth app", exact=True)).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
