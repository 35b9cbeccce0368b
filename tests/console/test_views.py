"""Sign in and out, the account switcher, and the permission catalog pages."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from console.models import Role
from scopes.catalog import get_catalog
from tests.factories import PASSWORD, AccountFactory, MembershipFactory, make_app

pytestmark = pytest.mark.django_db


def test_login_page_has_email_and_password(client):
    body = client.get("/login/").content.decode()
    assert 'type="email"' in body and 'type="password"' in body and "Log in" in body


def test_login_with_wrong_password_is_refused(client, member):
    response = client.post("/login/", {"username": member.user.email, "password": "wrong password"})
    assert (
        response.status_code == 200
        and "Enter a correct email address and password" in response.content.decode()
    )


def test_repeated_login_failures_are_throttled(client, member, settings):
    settings.THROTTLE_LOGIN_FAILURES_PER_USER = "2/900"
    for _ in range(2):
        client.post("/login/", {"username": member.user.email, "password": "wrong password"})
    response = client.post("/login/", {"username": member.user.email, "password": "wrong password"})
    assert response.status_code == 429 and "Too many log-in attempts" in response.content.decode()


def test_login_requires_csrf(member):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 403


def test_logout_is_post_only(member_client):
    assert member_client.get("/logout/").status_code == 405
    response = member_client.post("/logout/")
    assert response.status_code == 302
    assert member_client.get(reverse("oauthapps:list")).status_code == 302


def test_logout_says_so_on_the_login_page(member_client):
    page = member_client.post("/logout/", follow=True)
    assert "You have been logged out." in page.content.decode()


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("console/favicon.svg")
    assert 'rel="icon"' in client.get(reverse("console:login")).content.decode()


def test_catalog_area_opens_with_an_introduction_and_keeps_the_notes_for_later(member_client):
    body = member_client.get(reverse("scopes:catalog-area", args=["voice"])).content.decode()
    notes = get_catalog().areas["voice"].notes
    assert body.index("endpoints listed next to it") < body.index("How this catalog is built")
    assert body.index("How this catalog is built") < body.index(notes[:40])


def test_account_switcher_shows_for_users_in_several_accounts(client, member):
    second = AccountFactory(name="Zeta Corp")
    MembershipFactory(user=member.user, account=second, role=Role.READ_ONLY)
    make_app(second, name="Zeta app")
    client.force_login(member.user)
    body = client.get(reverse("oauthapps:list")).content.decode()
    assert 'id="account-switcher"' in body and "Zeta Corp" in body
    response = client.post(reverse("console:account-switch"), {"account_sid": second.sid}, follow=True)
    body = response.content.decode()
    assert "Switched to Zeta Corp." in body and "Zeta app" in body
    assert "Create an OAuth app" not in body  # read-only there


def test_account_switcher_refuses_foreign_accounts(member_client, account):
    foreign = AccountFactory(name="Not mine")
    response = member_client.post(
        reverse("console:account-switch"), {"account_sid": foreign.sid}, follow=True
    )
    assert "You are not a member of that account." in response.content.decode()
    assert response.context["current_account"] == account


def test_account_switch_keeps_the_section_but_not_the_object(member_client, member):
    second = AccountFactory()
    MembershipFactory(user=member.user, account=second)
    switch = reverse("console:account-switch")
    to_audit = member_client.post(switch, {"account_sid": second.sid, "next": "/console/audit/AE123/?x=1"})
    assert to_audit["Location"] == reverse("audit:list")
    elsewhere = member_client.post(switch, {"account_sid": second.sid, "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("oauthapps:list")


def test_account_switch_requires_csrf(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post(reverse("console:account-switch"), {"account_sid": "AC1"}).status_code == 403


def test_catalog_requires_login(client):
    assert client.get(reverse("scopes:catalog")).status_code == 302


def test_catalog_lists_every_area(member_client):
    body = member_client.get(reverse("scopes:catalog")).content.decode()
    for area in get_catalog().areas.values():
        assert area.title.replace("&", "&amp;") in body


def test_catalog_area_page_lists_permissions_and_endpoints(member_client):
    body = member_client.get(reverse("scopes:catalog-area", args=["iam"])).content.decode()
    assert "/twilio/iam/account-oauth-apps/create" in body
    assert "/v1/Account/OAuthApps" in body and "Download PDF" in body


def test_the_navigation_marks_the_catalog_as_current(member_client):
    listing = member_client.get(reverse("scopes:catalog")).content.decode()
    assert 'aria-current="page">Permission catalog' in listing
    area = member_client.get(reverse("scopes:catalog-area", args=["iam"])).content.decode()
    assert 'aria-current="true">Permission catalog' in area


def test_unknown_area_is_404(member_client):
    assert member_client.get(reverse("scopes:catalog-area", args=["nope"])).status_code == 404
    assert member_client.get(reverse("scopes:catalog-download", args=["iam", "exe"])).status_code == 404


def test_catalog_downloads(member_client):
    area = get_catalog().areas["monitor"]
    as_csv = member_client.get(reverse("scopes:catalog-download", args=["monitor", "csv"]))
    assert as_csv["Content-Type"].startswith("text/csv")
    assert 'filename="twilio-permissions-monitor.csv"' in as_csv["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert rows[0] == ["permission", "description", "method", "host", "path"]
    assert {row[0] for row in rows[1:]} == {p.name for p in area.permissions}
    as_json = json.loads(
        member_client.get(reverse("scopes:catalog-download", args=["monitor", "json"])).content
    )
    assert [p["permission"] for p in as_json["permissions"]] == [p.name for p in area.permissions]
    as_pdf = member_client.get(reverse("scopes:catalog-download", args=["voice", "pdf"]))
    assert as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-1.") and as_pdf.content.rstrip().endswith(b"%%EOF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf.content)).pages)
    assert "/twilio/voice/calls/read" in text


def test_pdf_is_structurally_valid():
    from scopes.export import area_pdf

    # A strict reader (fpdf2 writes it): pages, the title, and an outline.
    reader = PdfReader(io.BytesIO(area_pdf(get_catalog().areas["voice"])), strict=True)
    assert len(reader.pages) > 1
    assert reader.metadata.title == "Voice permissions"
    assert reader.outline
