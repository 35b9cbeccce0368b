"""Error answers stay small whatever the request: a hostile body must not be amplified.

A 64 KiB IAM body with ``policy.allow = [1, 1, …]`` used to answer 2.7 MB (a message per
item, in ``message`` and again in ``details``) after validating every item.
"""

import json

import pytest

from oauthapps.api import serializers

pytestmark = pytest.mark.django_db

APPS = "/v1/Account/OAuthApps"
BODY_LIMIT = 64 * 1024
SMALL_ANSWER = 4096


def hostile_policy_body() -> str:
    """As many ``1`` items as fit in the API's 64 KiB body limit."""
    head, tail = '{"friendly_name": "x", "policy": {"allow": [', "]}}"
    count = (BODY_LIMIT - len(head) - len(tail)) // 2
    body = head + ",".join(["1"] * count) + tail
    assert len(body) <= BODY_LIMIT
    return body


@pytest.fixture
def validated_items(monkeypatch):
    """How many list items the IAM serializers looked at."""
    seen = []
    original = serializers.TextField.to_internal_value

    def counting(self, data):
        seen.append(data)
        return original(self, data)

    monkeypatch.setattr(serializers.TextField, "to_internal_value", counting)
    return seen


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_body_of_thousands_of_bad_items_gets_a_small_answer(api, admin_app, method, validated_items):
    path = APPS if method == "POST" else f"{APPS}/{admin_app.app.client_id}"
    response = api.request(method, path, hostile_policy_body())
    assert response.status_code == 400, response.content[:300]
    assert len(response.content) < SMALL_ANSWER
    body = response.json()
    assert body["status"] == 400 and "policy.allow" in body["message"]
    assert len(validated_items) <= 1000  # the items were not validated one by one


def test_many_problems_are_summarised_with_their_count(api):
    policy = {"allow": [1] * 50, "deny": [2] * 50}
    response = api.post(APPS, {"friendly_name": 1, "description": 2, "policy": policy})
    assert response.status_code == 400
    body = response.json()
    assert len(response.content) < SMALL_ANSWER
    assert body["message"].endswith("and 97 more problems.")
    assert len(body["details"]) <= 5


def test_a_long_echoed_value_is_cut_short(api):
    response = api.post(APPS, {"friendly_name": "x", "type": "y" * 30000})
    assert response.status_code == 400
    assert len(response.content) < SMALL_ANSWER
    assert "type" in response.json()["message"]


def test_a_few_problems_are_all_named(api):
    response = api.post(APPS, {"friendly_name": 12, "description": True})
    body = response.json()
    assert "friendly_name" in body["message"] and "description" in body["message"]
    assert "more problems" not in body["message"]
    assert set(body["details"]) == {"friendly_name", "description"}


def test_unknown_query_parameters_are_summarised_too(api):
    params = "&".join(f"p{index}=1" for index in range(900))
    response = api.get(f"{APPS}?{params}")
    assert response.status_code == 400
    assert len(response.content) < SMALL_ANSWER
    assert "more problems" in json.loads(response.content)["message"]
