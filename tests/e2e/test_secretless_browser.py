"""Creating secretless apps in the console, in Chromium: the three ways in, the presets."""

import pytest
from playwright.sync_api import expect

from console.models import Role
from oauthapps.models import OAuthApp
from tests.factories import AccountFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner(transactional_db):
    return MembershipFactory(account=AccountFactory(name="Acme"), role=Role.OWNER)


def start_create(page):
    page.goto("/")
    page.get_by_role("navigation", name="Console").get_by_role("link", name="OAuth apps", exact=True).click()
    page.get_by_role("link", name="Create an OAuth app", exact=True).click()
    page.get_by_label("App name").fill("Deploy website")
    page.get_by_label("Filter scopes").fill("account-oauth-apps")
    page.get_by_role("checkbox", name="/twilio/iam/account-oauth-apps/list", exact=True).check()


def test_a_github_actions_app_is_created_from_its_preset(page, owner, sign_in, shot):
    sign_in(page, owner.user)
    start_create(page)
    expect(
        page.get_by_role("textbox", name="Public keys", exact=True)
    ).to_be_hidden()  # only the chosen way shows
    page.get_by_role("radio", name="Federated identity").check()
    expect(page.get_by_role("textbox", name="Public keys", exact=True)).to_be_hidden()
    page.get_by_label("Start from").select_option(label="GitHub Actions")
    expect(page.get_by_role("textbox", name="Issuer", exact=True)).to_have_value(
        "https://token.actions.githubusercontent.com"
    )
    expect(page.get_by_role("textbox", name="Subject", exact=True)).to_have_value(
        "repo:OWNER/REPO:ref:refs/heads/BRANCH"
    )
    page.get_by_role("textbox", name="Subject", exact=True).fill("repo:acme/website:ref:refs/heads/main")
    page.get_by_role("textbox", name="Audience", exact=True).fill("https://auth.example.com")
    shot(page, "secretless-01-create-federated")
    page.get_by_role("button", name="Create app").click()

    expect(page.get_by_role("heading", name="This app has no Client Secret")).to_be_visible()
    app = OAuthApp.objects.get(name="Deploy website")
    expect(page.get_by_role("textbox", name="Client ID")).to_have_value(app.client_id)
    example = page.get_by_role("textbox", name="Example token request").input_value()
    assert app.client_id in example and "client_assertion=" in example
    shot(page, "secretless-02-credentials")
    assert app.federated_credentials[0]["subject"] == "repo:acme/website:ref:refs/heads/main"


def test_the_kubernetes_preset_asks_for_the_clusters_issuer(page, owner, sign_in):
    sign_in(page, owner.user)
    start_create(page)
    page.get_by_role("radio", name="Federated identity").check()
    page.get_by_label("Start from").select_option(label="Kubernetes service account")
    expect(page.get_by_role("textbox", name="Subject", exact=True)).to_have_value(
        "system:serviceaccount:NAMESPACE:NAME"
    )
    expect(page.get_by_role("textbox", name="Issuer", exact=True)).to_be_focused()
