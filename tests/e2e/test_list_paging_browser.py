"""The console's app list in Chromium without JavaScript: pages and the search form."""

import re

import pytest
from playwright.sync_api import expect

from console.models import Role
from oauthapps import views
from tests.factories import AccountFactory, MembershipFactory, make_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_and_pages_work_without_javascript(nojs_page, sign_in, monkeypatch):
    page = nojs_page
    monkeypatch.setattr(views, "APPS_PER_PAGE", 2)
    owner = MembershipFactory(account=AccountFactory(name="Acme"), role=Role.OWNER)
    for name in ("Billing one", "Reports", "Billing two", "Billing three"):
        make_app(owner.account, user=owner.user, name=name)
    sign_in(page, owner.user)
    page.goto("/console/oauth-apps/")
    expect(page.get_by_text("Page 1 of 2 · 1–2 of 4 apps")).to_be_visible()

    page.get_by_label("Search by name or Client ID").fill("billing")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"\?q=billing$"))
    rows = page.get_by_role("row", name=re.compile("Billing"))
    expect(rows).to_have_count(2)
    page.get_by_role("link", name="Older").click()
    expect(page).to_have_url(re.compile(r"\?q=billing&page=2$"))
    expect(page.get_by_role("link", name="Billing one", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Reports", exact=True)).to_have_count(0)

    page.get_by_label("Search by name or Client ID").fill("nothing like it")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No OAuth apps match “nothing like it”")).to_be_visible()
    page.get_by_role("link", name="Clear search").click()
    expect(page.get_by_text("Page 1 of 2 · 1–2 of 4 apps")).to_be_visible()
