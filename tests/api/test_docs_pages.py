"""The API documentation pages answer any method as the rest of the API does, never a 500."""

import pytest

from tests.api.conftest import assert_twilio_error

pytestmark = pytest.mark.django_db

PAGES = ["/v1/docs", "/v1/redoc"]


@pytest.mark.parametrize("path", [*PAGES, "/v1/openapi.json"])
def test_options_lists_the_methods(client, path):
    response = client.options(path)
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("path", PAGES)
def test_options_on_a_page_has_no_body(client, path):
    assert client.options(path).content == b""


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
def test_another_method_on_a_page_is_a_json_405(client, path, method):
    response = getattr(client, method)(path)
    error = assert_twilio_error(response, 405)
    assert error["code"] == 20004
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_still_render(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
