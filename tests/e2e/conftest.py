"""Browser fixtures: Debian's Chromium driven by Playwright (sync API) against live_server."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures, assertions) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# axe-core comes from the npm registry (`.ci/run` installs it); the tests load it from this file.
AXE = ROOT / "artifacts" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "npm install --prefix artifacts/axe axe-core@4"
DESKTOP = {"width": 1280, "height": 860}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SMALLEST_PHONE = {"width": 320, "height": 640}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Chromium is not installed: run `apt-get install chromium` to run the browser tests.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser, live_server, transactional_db):
    context = _new_context(browser, live_server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def nojs_page(browser, live_server, transactional_db):
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def owner(transactional_db):
    """The owner's membership of an account named Acme."""
    from console.models import Role
    from tests.factories import AccountFactory, MembershipFactory

    return MembershipFactory(account=AccountFactory(name="Acme"), role=Role.OWNER)


@pytest.fixture
def sign_in(live_server):
    """Put a signed-in session for ``user`` into a page's browser context (skips the form)."""

    def sign_in(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return sign_in


@pytest.fixture
def shot():
    """Save a full-page screenshot at laptop and at phone width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)

    return shot


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE.exists():
        message = f"axe-core is not installed: run `{AXE_INSTALL}` to run the accessibility checks."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


@pytest.fixture
def axe(axe_script):
    """The serious and critical axe-core violations of the page as it is now (or, with
    ``also``, those plus the violations of the rules it names, whatever their impact)."""

    def axe(page, also: tuple[str, ...] = ()) -> list[dict]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_script)
        return page.evaluate(
            """async (also) => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .filter((v) => v.impact === "serious" || v.impact === "critical" || also.includes(v.id))
                .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" "))}))""",
            list(also),
        )

    return axe


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than its viewport (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
