"""The permission catalog's console pages: a search across every product area, and the PDFs
(fpdf2) with a title and an outline of one bookmark per product area."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from scopes.catalog import get_catalog
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CATALOG = reverse("scopes:catalog")


@pytest.fixture
def member_client(account):
    client = Client()
    client.force_login(MembershipFactory(account=account).user)
    return client


def test_a_search_finds_permissions_in_several_areas(member_client):
    body = member_client.get(CATALOG, {"q": "read"}).content.decode()
    areas = {
        area.title
        for area in get_catalog().areas.values()
        if any(p.action == "read" for p in area.permissions)
    }
    assert len(areas) > 3
    for title in areas:
        assert title in body.split('id="results-title"', 1)[1]
    assert "permissions match “read”" in body


def test_a_search_needs_every_word(member_client):
    body = member_client.get(CATALOG, {"q": "account-oauth-apps delete"}).content.decode()
    assert (
        "1 permission match" in body
        and '<code class="permission-name">/twilio/iam/account-oauth-apps/delete</code>' in body
    )


def test_a_search_that_matches_nothing_says_so(member_client):
    body = member_client.get(CATALOG, {"q": "no-such-thing-anywhere"}).content.decode()
    assert "No permission matches “no-such-thing-anywhere”" in body


def outline_titles(outline) -> list:
    return [item.title for item in outline if not isinstance(item, list)]


def test_the_whole_catalog_pdf_has_a_title_and_one_bookmark_per_area(member_client):
    response = member_client.get(reverse("scopes:catalog-pdf"))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == "Permission catalog"
    titles = sorted(area.title for area in get_catalog().areas.values())
    assert sorted(outline_titles(reader.outline)) == titles


def test_an_area_pdf_has_its_title_and_bookmarks(member_client):
    response = member_client.get(reverse("scopes:catalog-download", kwargs={"key": "iam", "fmt": "pdf"}))
    reader = PdfReader(io.BytesIO(response.content))
    area = get_catalog().areas["iam"]
    assert reader.metadata.title == f"{area.title} permissions"
    assert outline_titles(reader.outline) == [area.title]
    assert "account-oauth-apps" in reader.pages[0].extract_text()
