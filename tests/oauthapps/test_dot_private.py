"""oauthapps/dot_private.py is pinned to the django-oauth-toolkit releases it was checked for:
an upgrade that moves or changes the private method it calls fails here."""

import inspect
from urllib.parse import urlencode

import oauth2_provider
import pytest
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors

from oauthapps.dot_private import CHECKED_DOT, set_request_resources
from oauthapps.validator import OAuthAppValidator


def token_request(*pairs: tuple[str, str]) -> Request:
    return Request(
        "https://auth.example.test/v2/token",
        http_method="POST",
        body=urlencode([("grant_type", "client_credentials"), *pairs]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_installed_dot_is_a_release_the_private_method_was_checked_for():
    version = tuple(int(part) for part in oauth2_provider.__version__.split(".")[:2])
    low, high = CHECKED_DOT
    assert low <= version < high, (
        f"django-oauth-toolkit {oauth2_provider.__version__} is outside {CHECKED_DOT}: "
        "re-check oauthapps/dot_private.py"
    )


def test_the_private_method_takes_the_oauthlib_request():
    method = OAuth2Validator._check_and_set_request_resource
    assert list(inspect.signature(method).parameters) == ["self", "request"]


def test_every_repeated_resource_is_kept_in_order():
    request = token_request(
        ("resource", "https://a.example.test/"), ("resource", "https://b.example.test/v1")
    )

    resources = set_request_resources(OAuthAppValidator(), request)

    assert resources == request.resource == ["https://a.example.test/", "https://b.example.test/v1"]


def test_no_resource_is_an_empty_list():
    assert set_request_resources(OAuthAppValidator(), token_request()) == []


@pytest.mark.parametrize("resource", ["urn:example:api", "/v1/relative", "https://a.example.test/#fragment"])
def test_a_resource_that_is_not_an_absolute_uri_is_invalid_target(resource):
    with pytest.raises(errors.CustomOAuth2Error) as raised:
        set_request_resources(OAuthAppValidator(), token_request(("resource", resource)))

    assert raised.value.error == "invalid_target" and raised.value.status_code == 400
