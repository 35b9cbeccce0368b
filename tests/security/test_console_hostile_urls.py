"""Hostile values a signed-in user can put in console URLs: a clear 4xx or an empty result,
never a 500. Found by attacking a running server (PostgreSQL refuses NUL characters in text,
and the day after 9999-12-31 does not exist)."""

import pytest
from django.urls import reverse


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/console/oauth-apps/?q=%00",
        "/console/oauth-apps/?q=a%00b",
        "/console/oauth-apps/OQ%00/",
        "/console/oauth-apps/OQ0123456789abcdef0123456789abcde%00/",
        "/console/audit/AE%00/",
        "/console/audit/?end=9999-12-31",
        "/console/audit/?start=9999-12-31&end=9999-12-31",
        "/console/audit/?app=OQ%00",
        "/console/audit/?actor=US%00",
    ],
)
def test_hostile_console_urls_are_not_server_errors(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code in {200, 302, 400, 404}


def test_a_search_with_a_nul_character_finds_nothing_and_says_so(signed_in, app):
    response = signed_in.get(reverse("oauthapps:list"), {"q": "\x00"})
    assert response.status_code == 200
