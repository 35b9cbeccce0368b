"""What a person notices in the console, in Chromium: the one-time secret guarded against an
accidental exit, a short edit page, copy feedback a screen reader speaks, counts without
JavaScript, identifiers on one line, the phone layout, focus after an error."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.factories import make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Quarterly reconciliation of every regional ledger and its settlement accounts"
EDIT_SCOPES = [
    "/twilio/iam/account-oauth-apps/read",
    "/twilio/monitor/events/list",
    "/twilio/voice/calls/read",
    "/twilio/voice/calls/list",
    "/twilio/messaging/messages/read",
]


def create_app_in_console(page, name: str) -> None:
    page.goto("/console/oauth-apps/new/")
    page.get_by_label("App name").fill(name)
    page.get_by_label("Filter scopes").fill("account-oauth-apps/read")
    page.get_by_role("checkbox", name="/twilio/iam/account-oauth-apps/read", exact=True).check()
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()


def test_leaving_an_unacknowledged_secret_asks_first(page, owner, sign_in):
    sign_in(page, owner.user)
    create_app_in_console(page, "Guarded")
    secret = page.get_by_role("textbox", name="Client Secret").input_value()
    leave = page.get_by_role("dialog", name="Leave without storing the Client Secret?")

    # The sidebar: asked, and "Stay" keeps the secret on screen.
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Audit", exact=True).click()
    expect(leave).to_be_visible()
    leave.get_by_role("button", name="Stay on this page").click()
    expect(leave).to_be_hidden()
    expect(page.get_by_role("textbox", name="Client Secret")).to_have_value(secret)

    # The breadcrumb, then Log out (a form): asked each time.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="OAuth apps").click()
    expect(leave).to_be_visible()
    leave.get_by_role("button", name="Stay on this page").click()
    page.get_by_role("button", name="Log out").click()
    expect(leave).to_be_visible()
    leave.get_by_role("button", name="Stay on this page").click()
    expect(page).to_have_url(re.compile(r"/credentials/$"))

    # Once "Got it!" is ticked, links leave without a question.
    page.get_by_label("Got it!").check()
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()


def test_leave_anyway_follows_the_link(page, owner, sign_in):
    sign_in(page, owner.user)
    create_app_in_console(page, "Left")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Permission catalog").click()
    page.get_by_role("button", name="Leave without it").click()
    expect(page.get_by_role("heading", level=1, name="Permission catalog")).to_be_visible()


def test_editing_scopes_is_a_short_page_with_removable_scopes(page, owner, sign_in, shot):
    app = make_app(owner.account, user=owner.user, name="Ledger", scopes=EDIT_SCOPES).app
    sign_in(page, owner.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    current = page.get_by_role("list", name="Selected scopes")
    expect(current.get_by_role("listitem")).to_have_count(len(EDIT_SCOPES))
    # Every product area starts closed, and the full picker opens on demand.
    assert page.locator("details[data-area][open]").count() == 0
    expect(page.get_by_label("Filter scopes")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollHeight") < 1600
    shot(page, "30-edit-compact")

    page.get_by_label("Description of the app").focus()
    presses = 0
    while page.evaluate("document.activeElement.textContent.trim()") != "Save" and presses < 40:
        page.keyboard.press("Tab")
        presses += 1
    # Description → the help's catalog link → one "Remove" per scope → "Add or remove OAuth
    # Scopes" → the Token expiration time's number and unit → Require DPoP-bound tokens → how
    # the app proves who it is (one radio group; the other ways' fields are hidden) → Save.
    assert presses <= len(EDIT_SCOPES) + 7

    page.get_by_role("button", name="Remove /twilio/voice/calls/list").click()
    expect(current.get_by_role("listitem")).to_have_count(len(EDIT_SCOPES) - 1)
    expect(page.get_by_text("4 of 100 selected")).to_be_visible()
    # Focus moves to the next scope's button, not to the top of the page.
    expect(page.get_by_role("button", name="Remove /twilio/voice/calls/read")).to_be_focused()
    page.get_by_text("Add or remove OAuth Scopes").click()
    page.get_by_label("Filter scopes").fill("calls/list")
    expect(page.get_by_role("checkbox", name="/twilio/voice/calls/list", exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("were saved")
    app.refresh_from_db()
    assert "/twilio/voice/calls/list" not in app.scopes and len(app.scopes) == len(EDIT_SCOPES) - 1


def test_copy_is_spoken_and_keeps_the_field_width(page, owner, sign_in):
    sign_in(page, owner.user)
    create_app_in_console(page, "Copier")
    field = page.get_by_role("textbox", name="Client Secret")
    width = field.bounding_box()["width"]
    page.get_by_role("button", name="Copy Client Secret").click()
    expect(page.get_by_role("button", name="Client Secret copied")).to_have_text("Copied")
    spoken = page.locator("[aria-live=polite]#copy-status")
    expect(spoken).to_have_text("Client Secret copied to the clipboard.")
    assert field.bounding_box()["width"] == width
    # The name comes back with the label, ready for a second copy.
    expect(page.get_by_role("button", name="Copy Client Secret")).to_have_text("Copy", timeout=5_000)


def test_counts_are_true_without_javascript(nojs_page, owner, sign_in, shot):
    page = nojs_page
    app = make_app(owner.account, user=owner.user, name="Plain", scopes=EDIT_SCOPES[:2]).app
    sign_in(page, owner.user)
    # Without JavaScript nothing can recount a tick: the count is the server's, and says so.
    page.goto("/console/oauth-apps/new/")
    expect(page.locator("#scopes-count")).to_have_text("0 of 100 selected when the page loaded")
    page.get_by_role("group", name="OAuth Scopes").get_by_text("Monitor", exact=True).click()
    page.get_by_role("checkbox", name="/twilio/monitor/events/list", exact=True).check()
    page.get_by_role("checkbox", name="/twilio/monitor/events/read", exact=True).check()
    page.get_by_role("button", name="Create app").click()  # no name: refused, ticks kept
    expect(page.locator("#scopes-count")).to_have_text("2 of 100 selected when the page loaded")
    # Per-area counts would go stale at the first tick: shown only with JavaScript.
    expect(page.locator("[data-area-count]").first).to_be_hidden()
    shot(page, "31-nojs-count")
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    expect(page.locator("#scopes-count")).to_have_text("2 of 100 selected when the page loaded")
    expect(page.get_by_role("list", name="Selected scopes").get_by_role("listitem")).to_have_count(2)


def test_counts_follow_the_ticks_with_javascript(page, owner, sign_in):
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    expect(page.locator("#scopes-count")).to_have_text("0 of 100 selected", use_inner_text=True)
    page.get_by_role("group", name="OAuth Scopes").get_by_text("Monitor", exact=True).click()
    page.get_by_role("checkbox", name="/twilio/monitor/events/list", exact=True).check()
    expect(page.locator("#scopes-count")).to_have_text("1 of 100 selected", use_inner_text=True)
    expect(page.locator("[data-area-count]").filter(has_text="1 of")).to_have_count(1)


def test_client_ids_stay_on_one_line(page, owner, sign_in):
    app = make_app(owner.account, user=owner.user, name=LONG_NAME).app
    sign_in(page, owner.user)
    for path in ["/console/oauth-apps/", f"/console/oauth-apps/{app.client_id}/"]:
        page.goto(path)
        for size in [{"width": 1366, "height": 768}, PHONE]:
            page.set_viewport_size(size)
            for sid in page.locator("code.sid").all():
                if not sid.is_visible():  # the phone's one-line apps list leaves it to the app's page
                    continue
                box = sid.bounding_box()
                line = sid.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)")
                assert box["height"] < 1.5 * line, (path, size, sid.inner_text())
                assert sid.get_attribute("title") == app.client_id


def test_phone_create_button_is_not_covered(browser, live_server, owner, sign_in):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/new/")
    page.get_by_label("Filter scopes").fill("voice")
    create = page.get_by_role("button", name="Create app")
    create.scroll_into_view_if_needed()
    box = create.bounding_box()
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.textContent.trim()",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top == "Create app"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_after_a_refused_save_focus_is_on_the_error_summary(page, owner, sign_in):
    app = make_app(owner.account, user=owner.user, name="Ledger").app
    sign_in(page, owner.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    page.get_by_label("App name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_be_focused()
    page.goto("/console/oauth-apps/new/")
    page.get_by_label("App name").fill("No scopes")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("alert")).to_be_focused()
    border = page.get_by_label("Filter scopes").evaluate("(el) => getComputedStyle(el).borderTopColor")
    assert border == "rgb(192, 40, 45)"  # --danger, as the other invalid fields
