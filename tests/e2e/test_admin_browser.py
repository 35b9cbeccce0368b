"""The Django admin's secret rotation in Chromium: confirmation in the console's words, the
new secret on a page reached by a redirect (a reload rotates nothing), and axe-core on the
app pages staff use."""

import json
import re

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from tests.e2e.conftest import LAPTOP, PHONE, SCREENSHOTS
from tests.factories import UserFactory, make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The three rules the admin failed; empty-table-header is "minor", so it is named here.
ADMIN_RULES = ("aria-prohibited-attr", "link-in-text-block", "empty-table-header")


@pytest.fixture
def staff(transactional_db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_rotation_redirects_and_shows_the_secret_once(page, staff, sign_in, axe):
    app = make_app(name="Ledger").app
    sign_in(page, staff)
    page.set_viewport_size(LAPTOP)
    problems = {}

    def check(name):
        found = axe(page, also=ADMIN_RULES)
        if found:
            problems[name] = found
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"admin-{name}-laptop.png", full_page=True)

    page.goto(f"/django-admin/oauthapps/oauthapp/{app.pk}/change/")
    scopes_label = page.locator("label[for=id_scopes]").bounding_box()
    picker = page.locator(".field-scopes .selector").bounding_box()
    assert scopes_label["y"] + scopes_label["height"] <= picker["y"], "the label is not above the picker"
    check("change")
    page.goto("/django-admin/oauthapps/oauthapp/")
    check("changelist")
    page.get_by_role("row", name=re.compile("Ledger")).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Rotate secret")
    page.get_by_role("button", name="Go").click()
    check("rotate-confirm")
    page.get_by_role("button", name="Yes, rotate secret").click()

    expect(page).to_have_url(re.compile(r"/django-admin/oauthapps/oauthapp/rotated/\?batch="))
    secret = page.locator("td code").nth(1).inner_text()
    assert len(secret) == 64
    check("rotated")
    page.reload()
    expect(page.get_by_text("already shown")).to_be_visible()
    assert secret not in page.content()
    assert AuditEvent.objects.filter(event_type="oauth-apps.secret-rotated").count() == 1

    page.set_viewport_size(PHONE)
    page.goto(f"/django-admin/oauthapps/oauthapp/{app.pk}/change/")
    found = axe(page, also=ADMIN_RULES)
    if found:
        problems["change at phone width"] = found
    assert problems == {}, json.dumps(problems, indent=1)
