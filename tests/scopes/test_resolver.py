"""Tests for request-to-permission resolution, grants and allow/deny policies."""

import re
from types import SimpleNamespace

import pytest

from scopes.catalog import get_catalog
from scopes.resolver import effective_permissions, grants, host_key, path_account_sids, required_permission

A = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef"


def concrete_path(template):
    return re.sub(r"\{[A-Za-z0-9]+\}", "XX0123456789abcdef", template)


def name_of(method, host, path):
    permission = required_permission(method, host, path)
    return permission.name if permission else None


def every_endpoint():
    for permission in get_catalog():
        for endpoint in permission.endpoints:
            yield permission.name, endpoint


# --- every catalog endpoint resolves to its own permission ----------------------------------


def test_every_endpoint_resolves_to_its_permission():
    for name, endpoint in every_endpoint():
        path = concrete_path(endpoint.path)
        assert name_of(endpoint.method, f"{endpoint.host}.twilio.com", path) == name, (endpoint, path)
        assert name_of(endpoint.method, f"{endpoint.host}.twilio.com:443", path + "/") == name, (
            endpoint,
            path,
        )


@pytest.mark.parametrize("area", sorted(get_catalog().areas))
def test_each_action_kind_of_each_area_resolves(area):
    seen = {}
    for permission in get_catalog().areas[area].permissions:
        if permission.endpoints and permission.action not in seen:
            seen[permission.action] = permission
    assert seen
    for action, permission in seen.items():
        endpoint = permission.endpoints[0]
        path = concrete_path(endpoint.path) + "?PageSize=50"
        assert required_permission(endpoint.method, f"{endpoint.host}.twilio.com", path) is permission, action


# --- Twilio's documented examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "host", "path", "expected"),
    [
        ("POST", "api.twilio.com", f"{A}/Calls.json", "/twilio/voice/calls/create"),
        ("POST", "api.twilio.com", f"{A}/Calls", "/twilio/voice/calls/create"),
        ("POST", "api.twilio.com", f"{A}/Calls/CA123.json", "/twilio/voice/calls/update"),
        ("GET", "api.twilio.com", f"{A}/Messages/SM123.json", "/twilio/messaging/messages/read"),
        ("GET", "api.twilio.com", f"{A}/Messages.json", "/twilio/messaging/messages/list"),
        ("POST", "api.twilio.com", f"{A}/Messages.json", "/twilio/messaging/messages/create"),
        ("DELETE", "api.twilio.com", f"{A}/Messages/SM123.json", "/twilio/messaging/messages/delete"),
        ("GET", "api.twilio.com", f"{A}/Usage/Records.json", "/twilio/billing/usage/read"),
        ("GET", "api.twilio.com", f"{A}/Usage/Records/Daily.json", "/twilio/billing/usage/read"),
        ("GET", "api.twilio.com", f"{A}/Usage/Records/Monthly", "/twilio/billing/usage/read"),
        (
            "GET",
            "api.twilio.com",
            f"{A}/IncomingPhoneNumbers.json",
            "/twilio/phone-numbers/active-numbers/list",
        ),
        (
            "POST",
            "api.twilio.com",
            f"{A}/IncomingPhoneNumbers/Local.json",
            "/twilio/phone-numbers/active-numbers/create",
        ),
        (
            "POST",
            "api.twilio.com",
            f"{A}/IncomingPhoneNumbers/PN1.json",
            "/twilio/phone-numbers/active-numbers/update",
        ),
        ("GET", "api.twilio.com", "/2010-04-01/Accounts.json", "/twilio/iam/accounts/list"),
        ("GET", "api.twilio.com", "/2010-04-01/Accounts/AC1.json", "/twilio/iam/accounts/read"),
        ("POST", "studio.twilio.com", "/v2/Flows/Validate", "/twilio/studio/flows.validate/update"),
        ("POST", "studio.twilio.com", "/v2/Flows/FW123", "/twilio/studio/flows/update"),
        (
            "GET",
            "verify.twilio.com",
            "/v2/Attempts/Summary",
            "/twilio/verify/verification-attempts-summary/read",
        ),
        ("GET", "verify.twilio.com", "/v2/Attempts/VL123", "/twilio/verify/verification-attempt/read"),
        ("GET", "serverless.twilio.com", "/v1/Services/ZS1", "/twilio/serverless/services/read"),
        (
            "GET",
            "lookups.twilio.com",
            "/v2/PhoneNumbers/+15108675310?Fields=line_type_intelligence",
            "/twilio/lookup/phone-numbers/read",
        ),
    ],
)
def test_twilio_requests_resolve(method, host, path, expected):
    assert name_of(method, host, path) == expected


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/Account/OAuthApps", "list"),
        ("POST", "/v1/Account/OAuthApps", "create"),
        ("GET", "/v1/Account/OAuthApps/OQ0123", "read"),
        ("PUT", "/v1/Account/OAuthApps/OQ0123", "update"),
        ("POST", "/v1/Account/OAuthApps/OQ0123/Secret", "update"),
        ("DELETE", "/v1/Account/OAuthApps/OQ0123", "delete"),
    ],
)
def test_iam_oauth_apps_api_resolves(method, path, expected):
    assert name_of(method, "iam.twilio.com:8443", path) == f"/twilio/iam/account-oauth-apps/{expected}"


def test_monitor_events_api_resolves():
    assert (
        name_of("GET", "monitor.twilio.com", "/v1/Events?EventType=oauth-apps.created")
        == "/twilio/monitor/events/list"
    )
    assert name_of("GET", "monitor.twilio.com", "/v1/Events/AE0123") == "/twilio/monitor/events/read"


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "host", "path"),
    [
        ("PUT", "api.twilio.com", f"{A}/Calls.json"),
        ("PATCH", "iam.twilio.com", "/v1/Account/OAuthApps/OQ1"),
        ("POST", "iam.twilio.com", "/v1/Account/OAuthApps/OQ1"),
        ("DELETE", "iam.twilio.com", "/v1/Account/OAuthApps"),
        ("DELETE", "monitor.twilio.com", "/v1/Events/AE1"),
        ("OPTIONS", "monitor.twilio.com", "/v1/Events"),
        ("POST", "lookups.twilio.com", "/v2/PhoneNumbers/+15108675310"),
    ],
)
def test_a_wrong_method_matches_nothing(method, host, path):
    assert required_permission(method, host, path) is None


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("api.twilio.com", "/2010-04-01/Accounts/AC1/Nope.json"),
        ("api.twilio.com", f"{A}/Calls/CA1/Nope/Deeper"),
        ("api.twilio.com", "/"),
        ("api.twilio.com", ""),
        ("api.twilio.com", "2010-04-01/Accounts"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/OQ1/Secret/extra"),
        ("iam.twilio.com", "/v1/account/oauthapps"),
        ("iam.twilio.com", "/v1/Account/OAuthApps.json"),
        ("monitor.twilio.com", "/v1/Events/../Alerts"),
        ("monitor.twilio.com", "/v1/./Events"),
        ("monitor.twilio.com", "/v1//Events"),
        ("monitor.twilio.com", "//v1/Events"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/%2E%2E"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/%2e"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/a%2Fb"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/a%5Cb"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/OQ1;jsessionid=1"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/..;/OQ1"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/OQ1%3B"),
        # Double-encoded: a proxy that decodes once hands the upstream `%2F`, `%3B` or `%2E%2E`.
        ("iam.twilio.com", "/v1/Account/OAuthApps/a%252Fb"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/OQ1%253Bx"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/%252E%252E"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/a%255Cb"),
        ("iam.twilio.com", "/v1/Account/OAuthApps/a%25252Fb"),
        ("unknown.twilio.com", "/v1/Events"),
        ("127.0.0.1:8000", "/v1/Events"),
        ("[::1]:8000", "/v1/Events"),
        ("", "/v1/Events"),
    ],
)
def test_paths_and_hosts_outside_the_catalog_match_nothing(host, path):
    assert required_permission("GET", host, path) is None


def test_a_percent_sign_that_decodes_to_nothing_special_is_a_placeholder_value():
    assert (
        name_of("GET", "iam.twilio.com", "/v1/Account/OAuthApps/OQ%25")
        == "/twilio/iam/account-oauth-apps/read"
    )
    assert (
        name_of("GET", "iam.twilio.com", "/v1/Account/OAuthApps/OQ%2541")
        == "/twilio/iam/account-oauth-apps/read"
    )


def test_the_json_suffix_is_only_optional_on_the_api_host():
    assert name_of("GET", "monitor.twilio.com", "/v1/Events.json") is None
    assert name_of("GET", "api.twilio.com", f"{A}/Calls.json") == "/twilio/voice/calls/list"
    assert name_of("GET", "api.twilio.com", f"{A}/.json") is None


def test_head_needs_the_get_permission():
    assert name_of("HEAD", "monitor.twilio.com", "/v1/Events") == "/twilio/monitor/events/list"


def test_method_is_case_insensitive():
    assert name_of("get", "monitor.twilio.com", "/v1/Events") == "/twilio/monitor/events/list"


def test_without_a_host_an_unambiguous_path_resolves():
    assert name_of("GET", None, "/v1/Account/OAuthApps") == "/twilio/iam/account-oauth-apps/list"
    assert name_of("GET", None, f"{A}/Calls.json") == "/twilio/voice/calls/list"


def test_without_a_host_an_ambiguous_path_is_refused():
    # /v2/Services/{Sid} is a Verify service and a Conversational Intelligence service.
    assert required_permission("GET", None, "/v2/Services/VA123") is None


# --- hosts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("api.twilio.com", "api"),
        ("API.Twilio.COM.", "api"),
        ("api.dublin.ie1.twilio.com", "api"),
        ("iam.twilio.com:8443", "iam"),
        ("iam.example.test:8443", None),
        ("iam", None),
        ("monitor:8000", None),
        ("serverless.attacker.invalid", None),
        ("serverless.twilio.com.attacker.invalid", None),
        ("serverless.eviltwilio.com", None),
        ("a.b.c.serverless.twilio.com", None),
        ("[::1]:8000", None),
        ("", None),
        # Found attacking a running server: one trailing dot is DNS's absolute form, two are
        # no host name; a port is digits.
        ("api.twilio.com..", None),
        ("api.twilio.com:abc", None),
        ("api.twilio.com:", None),
        ("api.twilio.com.:443", "api"),
    ],
)
def test_host_key_is_the_api_label_of_a_twilio_host_only(host, key):
    assert host_key(host) == key


def test_host_aliases_come_from_settings(monkeypatch):
    fake = SimpleNamespace(
        configured=True, SCOPES_HOST_ALIASES={"LocalHost:8000": "iam", "audit.local": "monitor"}
    )
    monkeypatch.setattr("django.conf.settings", fake)
    assert host_key("localhost:8000") == "iam"
    assert host_key("audit.local:9000") == "monitor"
    assert name_of("GET", "localhost:8000", "/v1/Account/OAuthApps") == "/twilio/iam/account-oauth-apps/list"
    assert name_of("GET", "localhost:9999", "/v1/Account/OAuthApps") is None


def test_host_aliases_are_ignored_without_configured_settings(monkeypatch):
    fake = SimpleNamespace(configured=False, SCOPES_HOST_ALIASES={"localhost": "iam"})
    monkeypatch.setattr("django.conf.settings", fake)
    assert host_key("localhost") is None


# --- grants ----------------------------------------------------------------------------------


def test_an_exact_permission_is_granted():
    assert grants(["/twilio/voice/calls/create"], "/twilio/voice/calls/create")


def test_read_does_not_grant_list():
    assert not grants(["/twilio/messaging/messages/read"], "/twilio/messaging/messages/list")


def test_a_wildcard_grants_every_action_of_its_resource():
    for action in ("read", "list", "create", "update", "delete"):
        assert grants(iter(["/twilio/voice/calls/*"]), f"/twilio/voice/calls/{action}")


def test_a_wildcard_does_not_grant_sub_resources_or_other_areas():
    granted = ["/twilio/voice/calls/*"]
    assert not grants(granted, "/twilio/voice/calls.recordings/read")
    assert not grants(granted, "/twilio/messaging/calls/read")
    assert not grants(["/twilio/voice/calls.recordings/*"], "/twilio/voice/calls/read")


def test_nothing_granted_grants_nothing():
    assert not grants([], "/twilio/voice/calls/read")


# --- allow / deny ----------------------------------------------------------------------------

CALLS = "/twilio/voice/calls"


def test_allow_without_deny_is_unchanged():
    assert effective_permissions([f"{CALLS}/read", f"{CALLS}/*"], []) == {f"{CALLS}/read", f"{CALLS}/*"}


def test_a_denied_action_is_removed():
    assert effective_permissions([f"{CALLS}/read", f"{CALLS}/list"], [f"{CALLS}/list"]) == {f"{CALLS}/read"}


def test_a_denied_wildcard_removes_every_action_of_the_resource():
    allow = [f"{CALLS}/read", f"{CALLS}/*", f"{CALLS}.recordings/read"]
    assert effective_permissions(allow, [f"{CALLS}/*"]) == {f"{CALLS}.recordings/read"}


def test_a_denied_action_is_carved_out_of_an_allowed_wildcard():
    result = effective_permissions([f"{CALLS}/*"], [f"{CALLS}/delete"])
    assert result == {f"{CALLS}/read", f"{CALLS}/list", f"{CALLS}/create", f"{CALLS}/update"}
    assert not grants(result, f"{CALLS}/delete")
    assert grants(result, f"{CALLS}/update")


def test_deny_order_does_not_matter():
    allow = [f"{CALLS}/*", "/twilio/monitor/events/list"]
    first = effective_permissions(allow, [f"{CALLS}/delete", f"{CALLS}/*"])
    second = effective_permissions(allow, [f"{CALLS}/*", f"{CALLS}/delete"])
    assert first == second == {"/twilio/monitor/events/list"}


def test_deny_of_something_not_allowed_changes_nothing():
    assert effective_permissions([f"{CALLS}/read"], ["/twilio/iam/api-keys/*"]) == {f"{CALLS}/read"}


def test_percent_encoded_unreserved_characters_match_their_literal_route():
    from scopes.resolver import required_permission

    plain = required_permission("POST", "studio.twilio.com", "/v2/Flows/Validate")
    encoded = required_permission("POST", "studio.twilio.com", "/v2/Flows/%56alidate")
    assert plain is not None and encoded is not None
    assert encoded.name == plain.name


# --- accounts named by a path ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "sids"),
    [
        (f"{A}/Messages.json", ["AC0123456789abcdef0123456789abcdef"]),
        (f"{A}.json", ["AC0123456789abcdef0123456789abcdef"]),
        ("/2010-04-01/Accounts/AC%30%31/Calls", ["AC01"]),
        ("/2010-04-01/Accounts.json", []),
        ("/v1/Events", []),
        ("/2010-04-01/Accounts/AC1;x/Calls", None),
    ],
)
def test_path_account_sids_read_the_path_as_the_resolver_does(path, sids):
    assert path_account_sids(path) == sids
