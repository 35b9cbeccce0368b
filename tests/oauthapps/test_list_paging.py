"""The console's app list: one page at a time, searchable by name or Client ID, without JS."""

import re

import pytest
from django.urls import reverse

from oauthapps import views
from tests.factories import AccountFactory, make_app

pytestmark = pytest.mark.django_db

LIST = reverse("oauthapps:list")


def listed(response) -> list[str]:
    """The Client IDs in the rendered table, in order."""
    assert response.status_code == 200
    return re.findall(
        r'data-label="Client ID"><code class="sid"[^>]*>(OQ\w+)</code>', response.content.decode()
    )


def test_a_page_holds_fifty_apps_newest_first(member_client, account, member):
    apps = [make_app(account, user=member.user, name=f"App {index}").app for index in range(51)]
    first = member_client.get(LIST)
    assert listed(first) == [app.client_id for app in reversed(apps[1:])]
    assert "Page 1 of 2 · 1–50 of 51 apps" in first.content.decode()
    assert listed(member_client.get(LIST, {"page": 2})) == [apps[0].client_id]


def test_page_numbers_out_of_range_or_garbage_still_answer(member_client, account, member, monkeypatch):
    monkeypatch.setattr(views, "APPS_PER_PAGE", 2)
    apps = [make_app(account, user=member.user, name=f"App {index}").app for index in range(3)]
    assert listed(member_client.get(LIST, {"page": "999"})) == [apps[0].client_id]
    assert listed(member_client.get(LIST, {"page": "x'; --"})) == [apps[2].client_id, apps[1].client_id]


def test_search_by_part_of_the_name_in_any_case(member_client, account, member):
    billing = make_app(account, user=member.user, name="Billing sync").app
    make_app(account, user=member.user, name="Reports")
    assert listed(member_client.get(LIST, {"q": "BILL"})) == [billing.client_id]


def test_search_by_client_id(member_client, account, member):
    make_app(account, user=member.user, name="Reports")
    wanted = make_app(account, user=member.user, name="Reports").app
    assert listed(member_client.get(LIST, {"q": wanted.client_id.lower()})) == [wanted.client_id]


def test_search_never_finds_another_accounts_app(member_client, account, member):
    theirs = make_app(AccountFactory(), name="Billing elsewhere").app
    make_app(account, user=member.user, name="Mine")
    assert listed(member_client.get(LIST, {"q": "Billing"})) == []
    assert listed(member_client.get(LIST, {"q": theirs.client_id})) == []


def test_page_links_keep_the_search(member_client, account, member, monkeypatch):
    monkeypatch.setattr(views, "APPS_PER_PAGE", 2)
    for index in range(3):
        make_app(account, user=member.user, name=f"Billing {index}")
    make_app(account, user=member.user, name="Reports")
    body = member_client.get(LIST, {"q": "billing"}).content.decode()
    assert 'href="?q=billing&amp;page=2" rel="next"' in body
    assert 'value="billing"' in body and "Clear search" in body
    assert len(listed(member_client.get(LIST, {"q": "billing", "page": 2}))) == 1


def test_a_search_without_match_says_so_and_still_offers_create(member_client, account, member):
    make_app(account, user=member.user, name="Reports")
    body = member_client.get(LIST, {"q": "nothing like it"}).content.decode()
    assert "No OAuth apps match “nothing like it”" in body
    assert "No OAuth apps yet" not in body and "Create an OAuth app" in body


def test_the_search_form_is_a_plain_get_form(member_client, app):
    body = member_client.get(LIST).content.decode()
    assert '<form method="get" class="card filters" role="search"' in body
    assert 'name="q"' in body


def test_an_account_without_apps_shows_no_search(member_client):
    body = member_client.get(LIST).content.decode()
    assert "No OAuth apps yet" in body and 'name="q"' not in body


def test_an_overlong_search_is_cut_not_refused(member_client, app):
    assert listed(member_client.get(LIST, {"q": "Billing" + "x" * 5000})) == []
    assert listed(member_client.get(LIST, {"q": "  billing  "})) == [app.client_id]
