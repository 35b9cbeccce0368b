"""A resource's `*` holds its actions: an app stores and a token carries it once, without
the actions it already covers (apps saved before this rule included)."""

import jwt
import pytest

from oauthapps.models import OAuthApp
from oauthapps.server.grant import token_scopes
from scopes.catalog import get_catalog
from tests.api.conftest import token_for
from tests.factories import make_app

pytestmark = pytest.mark.django_db

WILDCARD = "/twilio/iam/account-oauth-apps/*"
READ = "/twilio/iam/account-oauth-apps/read"
EVENTS = "/twilio/monitor/events/list"


def test_the_catalog_has_the_wildcard_these_tests_use():
    assert READ in get_catalog().expand(WILDCARD)


def test_an_app_stores_no_action_its_wildcard_holds(account, member):
    app = make_app(account, user=member.user, scopes=[READ, WILDCARD, EVENTS]).app
    assert app.scopes == [WILDCARD, EVENTS]


def test_a_token_of_an_app_saved_before_the_rule_carries_the_wildcard_once(client, account, member):
    issued = make_app(account, user=member.user, scopes=[WILDCARD, EVENTS])
    OAuthApp.objects.filter(pk=issued.app.pk).update(scopes=[READ, WILDCARD, EVENTS])
    claims = jwt.decode(token_for(client, issued), options={"verify_signature": False})
    assert claims["scope"].split(" ") == [WILDCARD, EVENTS]


def test_a_requested_scope_drops_the_actions_of_a_requested_wildcard(account, member):
    app = make_app(account, user=member.user, scopes=[WILDCARD, EVENTS]).app
    assert token_scopes(app, f"{READ} {WILDCARD}") == [WILDCARD]
    assert token_scopes(app, READ) == [READ]
