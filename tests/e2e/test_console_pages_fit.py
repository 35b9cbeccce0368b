"""Every console page, at laptop (1366×768) and phone (390×844, mobile emulation) width:
axe-core finds no serious or critical violation, nothing scrolls sideways (down to 320 px),
and a screenshot of each lands in artifacts/screenshots/ for a person to look at."""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from console.models import Role
from oauthapps.models import OAuthApp
from tests.e2e.conftest import LAPTOP, PHONE, SCREENSHOTS, SMALLEST_PHONE, horizontal_overflow
from tests.factories import MembershipFactory, UserFactory, make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Quarterly reconciliation of every regional ledger and its settlement accounts"
LONG_SCOPE = "/twilio/voice/sip.domains.auth.registrations.credential-list-mappings/delete"


@pytest.fixture
def owner(transactional_db):
    return MembershipFactory(role=Role.OWNER)


class Sweep:
    """Visits pages in one browser context and records what is wrong with each."""

    def __init__(self, page, width_name: str, axe):
        self.page, self.width_name, self.axe = page, width_name, axe
        self.problems: dict[str, object] = {}

    def check(self, name: str, *, run_axe: bool = True) -> None:
        """``run_axe=False`` for a second state of a page axe already checked (axe on the
        create page's thousand checkboxes is the slowest step of the sweep)."""
        page = self.page
        page.wait_for_load_state("load")
        violations = self.axe(page) if run_axe else []
        if violations:
            self.problems[f"{name} axe"] = violations
        sizes = [PHONE, SMALLEST_PHONE] if self.width_name == "phone" else [LAPTOP]
        for size in sizes:
            page.set_viewport_size(size)
            overflow = horizontal_overflow(page)
            if overflow > 0:
                self.problems[f"{name} at {size['width']} px"] = f"{overflow} px wider than the screen"
        page.set_viewport_size(sizes[0])
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"page-{name}-{self.width_name}.png"
        page.screenshot(path=path, full_page=True, timeout=60_000)


def sign_in_context(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def sweep_console(sweep: Sweep, live_server, owner, app_name: str) -> None:
    page = sweep.page
    page.goto("/console/oauth-apps/")
    expect(page).to_have_url(re.compile("/login/"))
    sweep.check("login")
    sign_in_context(page.context, live_server, owner.user)
    page.goto("/console/oauth-apps/")
    sweep.check("list-empty")

    page.goto("/console/oauth-apps/new/")
    sweep.check("create")
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_text("Please correct")).to_be_visible()
    sweep.check("create-errors")
    page.get_by_label("App name").fill(app_name)
    page.get_by_label("Filter scopes").fill("credential-list-mappings")
    page.get_by_role("checkbox", name=LONG_SCOPE, exact=True).check()
    sweep.check("create-filtered", run_axe=False)
    page.get_by_role("button", name="Create app").click()
    expect(page.get_by_role("heading", level=1, name="Credentials")).to_be_visible()
    sweep.check("credentials-reveal")
    page.reload()
    sweep.check("credentials-already-shown")

    app = OAuthApp.objects.get(name=app_name)
    make_app(owner.account, user=owner.user, name=f"{app_name} (copy)")
    page.goto("/console/oauth-apps/")
    sweep.check("list")
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    sweep.check("detail")
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/rotate/")
    sweep.check("rotate-confirm")
    page.get_by_role("button", name="Yes, rotate secret").click()
    expect(page.get_by_role("heading", level=1, name="New Client Secret")).to_be_visible()
    sweep.check("rotated-reveal")
    previous = app.secrets.filter(expires_at__isnull=False).first()
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/{previous.pk}/revoke/")
    sweep.check("revoke-confirm")
    page.goto(f"/console/oauth-apps/{app.client_id}/secrets/")
    sweep.check("secrets-with-previous")
    page.goto(f"/console/oauth-apps/{app.client_id}/delete/")
    sweep.check("delete-confirm")

    page.goto("/console/audit/")
    sweep.check("audit")
    page.get_by_role("table").get_by_role("link").first.click()
    sweep.check("audit-detail")
    page.goto("/console/catalog/")
    sweep.check("catalog")
    page.goto("/console/catalog/voice/")
    sweep.check("catalog-area")
    page.goto("/console/oauth-apps/OQ00000000000000000000000000000000/")
    sweep.check("not-found")

    reader = MembershipFactory(account=owner.account, role=Role.READ_ONLY)
    page.context.clear_cookies()
    sign_in_context(page.context, live_server, reader.user)
    page.goto(f"/console/oauth-apps/{app.client_id}/")
    sweep.check("detail-read-only")
    page.goto(f"/console/oauth-apps/{app.client_id}/delete/")
    sweep.check("forbidden")

    page.context.clear_cookies()
    sign_in_context(page.context, live_server, UserFactory())
    page.goto("/console/oauth-apps/")
    sweep.check("no-account")


def test_every_page_at_laptop_width(browser, live_server, owner, axe):
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    context.set_default_timeout(10_000)
    sweep = Sweep(context.new_page(), "laptop", axe)
    sweep_console(sweep, live_server, owner, LONG_NAME)
    context.close()
    assert sweep.problems == {}, json.dumps(sweep.problems, indent=1)


def test_every_page_at_phone_width(browser, live_server, owner, axe):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    sweep = Sweep(context.new_page(), "phone", axe)
    sweep_console(sweep, live_server, owner, LONG_NAME)
    context.close()
    assert sweep.problems == {}, json.dumps(sweep.problems, indent=1)
