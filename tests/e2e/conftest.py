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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


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
