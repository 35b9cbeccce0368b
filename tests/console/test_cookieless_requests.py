"""One middleware stack for every path: what only the console needs does nothing for a
request without a session cookie (console.session_limits.has_session_cookie), which is how
machines call the token, introspection, revocation and gateway-check paths."""

import pytest
from django.contrib.sessions.backends.base import SessionBase

from tests.oauthapps.test_token_endpoint import credentials, post_token

pytestmark = pytest.mark.django_db


def test_a_cookieless_token_request_loads_no_session_and_varies_on_no_cookie(client, issued, monkeypatch):
    loaded = []
    real = SessionBase._get_session

    def tracked(self, *args, **kwargs):
        loaded.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SessionBase, "_get_session", tracked)
    response = post_token(client, credentials(issued))
    assert response.status_code == 200, response.content
    assert loaded == []
    assert "Cookie" not in response.get("Vary", "")


def test_a_signed_in_console_request_still_gets_its_account(client, member):
    client.force_login(member.user)
    response = client.get("/")
    assert response.wsgi_request.membership == member
