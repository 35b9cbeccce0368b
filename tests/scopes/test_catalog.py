"""Tests for the permission catalog's data and its loader."""

import json
import re

import pytest

from scopes.catalog import (
    CATALOG_DIR,
    PERMISSION_RE,
    Catalog,
    CatalogError,
    check_template,
    get_catalog,
    load_catalog,
)

AREAS = {
    "messaging",
    "phone-numbers",
    "studio",
    "taskrouter",
    "voice",
    "lookup",
    "iam",
    "monitor",
    "verify",
    "video",
    "event-streams",
    "usage-records",
    "serverless",
}

# Twilio's published strings (docs/permissions.md), in this notation: `{a,b}` lists actions; an entry without
# actions is a resource published without them (at least one action must exist).
REFERENCE = {
    "messaging": """messages/{read,list,create,update,delete,*}; messages.feedback/create;
        services/{read,list,create,update,delete,*}; services.phonenumbers/{read,list,create,delete};
        services.shortcodes/{read,list,create,delete}; services.alphasenders/{read,list,create,delete};
        services.destination-alpha-senders/{read,list,create,delete}; services.channelsenders/{read,list};
        services.usa2p-campaign/{read,list,create,delete}; services.usa2p-usecase/list;
        content-templates/{read,list,create,delete}; pricing/{read,list}; deactivations/list;
        whatsapp-senders/{read,list,create,update,delete,*}""",
    "voice": """calls/{read,list,create,update,delete,*}; calls.recordings/{read,list,create,update,delete,*};
        calls.notifications/{read,list}; recordings/{read,list,delete};
        recordings.transcriptions/{read,list,delete}; recordings.add-ons/{read,list,delete};
        recordings.add-ons.payload/{read,list}; recordings.add-ons.payload.data/read;
        transcriptions/{read,list,delete}; conferences/{read,list,update};
        conferences.participants/{read,list,create,update,delete,*}; conferences.recordings/{list,update};
        queues/{read,list,create,update,delete,*}; queues.member/{read,list,update};
        outgoing-caller-ids/{read,list,create,update,delete,*}; twiml.apps/{read,list,create,update,delete,*};
        request-inspector/read; sip.domains/*; sip.credential-lists/*; sip.credential-lists.credentials/*;
        sip.ip-acls/*; sip.ip-acls.ip-addresses/{read,list,create,update};
        sip.ip-acl-mappings/{read,list,create,delete};
        sip.domains.auth.calls.credential-list-mappings/*;
        sip.domains.auth.registrations.credential-list-mappings/*; sip.trunks/*;
        sip.trunks.origination-urls/*; sip.trunks.auth.calls.credential-list-mappings/*;
        sip.trunks.auth.calls.ip-acl-mappings/*; sip.byoc-trunks/*; sip.connection-policies/*;
        sip.connection-policies.targets/*; sip.source-ip-mappings/*; sip.ip-records/*;
        sip.emergency-addresses/{create,delete}; insights.call.summaries; insights.call.events;
        insights.call.metrics; insights.call.annotations; insights.conference.summaries;
        insights.conference.participants; insights.settings/{read,update}; intelligence.services;
        intelligence.transcripts; intelligence.transcript-sentences; intelligence.transcript-media;
        intelligence.operator-results; intelligence.operators; intelligence.operator-types""",
    "phone-numbers": """active-numbers/{read,list,create,update,delete,*}; available-numbers/list;
        address-service/{read,create}; regulatory-compliance.bundles/*; regulatory-compliance.end-users/*;
        regulatory-compliance.supporting-documents/*; regulatory-compliance.bundles.replace-items/update;
        regulatory-compliance.bundle-copies/{list,create}; regulatory-compliance.end-users-types/{read,list};
        regulatory-compliance.supporting-documents-types/{read,list};
        regulatory-compliance.item-assignments/{read,list,create,delete};
        regulatory-compliance.evaluations/{read,list,create};
        regulatory-compliance.regulations/{read,list}""",
    "studio": """flows/{read,list,create,update,delete,*}; flows.validate/update; flows.revisions/{read,list};
        executions/{read,list,create,update,delete,*}; executions.context/read; executions.steps/{read,list};
        executions.steps.context/read; test-users/{read,update}""",
    "taskrouter": """workspaces/*; workspaces.activities/*; workspaces.tasks/*; workspaces.task-queues/*;
        workspaces.task-channels/*; workspaces.workers/*; workspaces.workflows/*;
        workspaces.tasks.reservations/{read,list,update}; workspaces.workers.reservations/{read,list,update};
        workspaces.workers.channels/{read,list,update}; workspaces.events/{read,list};
        workspaces.task-queues.cumulative-statistics/list; workspaces.workers.real-time-statistics/list""",
    "lookup": "phone-numbers/read",
    "verify": """service/*; webhook/*; factor/*; bucket/*; rate-limit/*; rule/{list,create,update,delete};
        entity/{read,list,create,delete}; challenge/{read,list,create}; verification/{read,create,update};
        verification-check/create; verification-attempt/{read,list}; verification-attempts-summary/read;
        verification-template/list; access-token/{read,create}; push-notification/create;
        safelist/{read,create,delete}""",
    "iam": """account-oauth-apps/{read,list,create,update,delete,*};
        api-keys/{read,list,create,update,delete,*}; public-keys/list; accounts/{read,list}""",
    "monitor": "events/{read,list}; alerts/{read,list}",
    "event-streams": """schema/read; schema.version/{read,list}; event-type/{read,list}; sink/*;
        sink.test/create; subscription/*; subscription.subscribed-event/*""",
    "billing": "usage/read",
    "video": """rooms/{read,list,create,update}; rooms.participants/{read,list,update};
        rooms.participants.anonymize; rooms.participants.published-tracks;
        rooms.participants.subscribed-tracks; rooms.participants.subscribe-rules; rooms.recording-rules;
        rooms.recordings; rooms.transcriptions; recordings/{read,list,delete};
        recordings.recording-settings/{read,update}; compositions/{read,list,create,delete};
        compositions.composition-settings/{read,update}; compositions.composition-hooks/*""",
}


def reference_entries():
    for product, text in REFERENCE.items():
        for entry in (e.strip() for e in text.split(";")):
            resource, _, actions = entry.partition("/")
            actions = actions.strip("{}").split(",") if actions else []
            yield f"/twilio/{product}/{resource}", actions


def write_area(directory, key="demo", product=None, permissions=None, **fields):
    document = {"area": key, "title": key.title(), "host": "demo", "notes": "", **fields}
    if product:
        document["product"] = product
    document["permissions"] = permissions if permissions is not None else demo_permissions(product or key)
    (directory / f"{key}.json").write_text(json.dumps(document))


def demo_permissions(product="demo"):
    return [
        perm(f"/twilio/{product}/things/read", "GET", "/v1/Things/{Sid}"),
        perm(f"/twilio/{product}/things/list", "GET", "/v1/Things"),
        {"permission": f"/twilio/{product}/things/*", "description": "All", "endpoints": []},
    ]


def perm(name, method, path, host="demo"):
    return {
        "permission": name,
        "description": "Demo",
        "derived": False,
        "endpoints": [{"method": method, "host": host, "path": path}],
    }


# --- the shipped catalog --------------------------------------------------------------------


def test_catalog_has_all_thirteen_product_areas():
    assert set(get_catalog().areas) == AREAS
    assert {path.stem for path in CATALOG_DIR.glob("*.json")} == AREAS


def test_catalog_has_several_hundred_permissions():
    catalog = get_catalog()
    assert len(catalog) >= 400
    assert sum(len(area.permissions) for area in catalog.areas.values()) == len(catalog)


def test_catalog_is_loaded_once():
    assert get_catalog() is get_catalog()


def test_every_permission_is_well_formed_and_prefixed_by_its_area():
    for permission in get_catalog():
        match = PERMISSION_RE.match(permission.name)
        assert match, permission.name
        area = get_catalog().areas[permission.area]
        assert match["product"] == (area.product or area.key)
        assert permission.description.strip() and "  " not in permission.description


def test_usage_records_permissions_use_the_billing_prefix():
    area = get_catalog().areas["usage-records"]
    assert [p.name for p in area.permissions] == ["/twilio/billing/usage/read"]


def test_every_endpoint_template_is_well_formed():
    for permission in get_catalog():
        for endpoint in permission.endpoints:
            assert check_template(endpoint.path) is None, (permission.name, endpoint.path)
            assert re.fullmatch(r"[a-z0-9-]+", endpoint.host)


def test_wildcards_have_no_endpoints_and_concrete_permissions_have_some():
    for permission in get_catalog():
        assert bool(permission.endpoints) != permission.is_wildcard, permission.name


def test_every_wildcard_expands_to_its_resources_concrete_actions():
    catalog = get_catalog()
    expanded = catalog.expand("/twilio/voice/calls/*")
    assert set(expanded) == {
        f"/twilio/voice/calls/{a}" for a in ("read", "list", "create", "update", "delete")
    }
    for permission in catalog:
        if permission.is_wildcard:
            assert catalog.expand(permission.name), permission.name


@pytest.mark.parametrize(("resource", "actions"), list(reference_entries()), ids=lambda v: str(v))
def test_every_published_permission_is_in_the_catalog(resource, actions):
    catalog = get_catalog()
    if actions:
        for action in actions:
            assert catalog.get(f"{resource}/{action}"), f"{resource}/{action}"
    else:
        assert any(p.name.rpartition("/")[0] == resource for p in catalog), resource


def test_published_wildcards_come_with_their_individual_actions():
    catalog = get_catalog()
    for resource, actions in reference_entries():
        if actions == ["*"]:
            assert catalog.get(f"{resource}/read") or catalog.get(f"{resource}/list"), resource
            assert catalog.get(f"{resource}/create"), resource


def test_serverless_permissions_are_all_marked_derived():
    area = get_catalog().areas["serverless"]
    assert area.permissions and all(p.derived for p in area.permissions)
    assert "derived" in area.notes


def test_product_areas_document_their_mapping():
    for area in get_catalog().areas.values():
        assert area.title and area.notes, area.key
        if any(e.host == "api" for p in area.permissions for e in p.endpoints):
            assert ".json" in area.notes, area.key


def test_own_apis_are_in_the_catalog_with_their_endpoints():
    catalog = get_catalog()
    update = catalog.get("/twilio/iam/account-oauth-apps/update")
    assert {(e.method, e.host, e.path) for e in update.endpoints} == {
        ("PUT", "iam", "/v1/Account/OAuthApps/{Sid}"),
        ("POST", "iam", "/v1/Account/OAuthApps/{Sid}/Secret"),
    }
    events = catalog.get("/twilio/monitor/events/list")
    assert [(e.method, e.host, e.path) for e in events.endpoints] == [("GET", "monitor", "/v1/Events")]


def test_get_and_area_of():
    catalog = get_catalog()
    assert catalog.get("/twilio/nope/x/read") is None
    assert catalog.area_of("/twilio/iam/account-oauth-apps/create").title == (
        "Identity and Access Management (IAM)"
    )
    assert catalog.area_of("/twilio/nope/x/read") is None


# --- the loader's checks --------------------------------------------------------------------


def test_loader_reads_a_directory_of_area_files(tmp_path):
    write_area(tmp_path)
    catalog = load_catalog(tmp_path)
    assert isinstance(catalog, Catalog)
    assert set(catalog.permissions) == {p["permission"] for p in demo_permissions()}
    assert catalog.get("/twilio/demo/things/read").endpoints[0].path == "/v1/Things/{Sid}"


def test_loader_accepts_a_product_prefix_other_than_the_area_key(tmp_path):
    write_area(tmp_path, key="usage-records", product="billing")
    assert load_catalog(tmp_path).get("/twilio/billing/things/read").area == "usage-records"


def test_loader_rejects_an_empty_directory(tmp_path):
    with pytest.raises(CatalogError, match="No catalog files"):
        load_catalog(tmp_path)


def test_loader_rejects_invalid_json(tmp_path):
    (tmp_path / "demo.json").write_text("{not json")
    with pytest.raises(CatalogError, match="demo.json: cannot read JSON"):
        load_catalog(tmp_path)


def test_loader_rejects_an_area_that_does_not_match_its_file_name(tmp_path):
    write_area(tmp_path)
    (tmp_path / "demo.json").rename(tmp_path / "other.json")
    with pytest.raises(CatalogError, match="must match the file name"):
        load_catalog(tmp_path)


def test_loader_rejects_a_duplicate_permission_in_one_file(tmp_path):
    permissions = demo_permissions()
    permissions.append(perm("/twilio/demo/things/read", "GET", "/v1/Other/{Sid}"))
    write_area(tmp_path, permissions=permissions)
    with pytest.raises(CatalogError, match=r"duplicate permission /twilio/demo/things/read"):
        load_catalog(tmp_path)


def test_loader_rejects_a_duplicate_permission_across_files(tmp_path):
    write_area(tmp_path, key="demo")
    write_area(
        tmp_path, key="second", product="demo", permissions=[perm("/twilio/demo/things/list", "GET", "/v9/X")]
    )
    with pytest.raises(CatalogError, match="duplicate permission"):
        load_catalog(tmp_path)


@pytest.mark.parametrize(
    "name",
    [
        "/twilio/demo/things/fetch",
        "/twilio/demo/Things/read",
        "twilio/demo/things/read",
        "/twilio/demo/things/read/",
        "/twilio/demo/things",
        "/other/demo/things/read",
    ],
)
def test_loader_rejects_a_malformed_permission(tmp_path, name):
    write_area(tmp_path, permissions=[perm(name, "GET", "/v1/Things")])
    with pytest.raises(CatalogError, match="is not /twilio/"):
        load_catalog(tmp_path)


def test_loader_rejects_a_permission_outside_its_areas_prefix(tmp_path):
    write_area(tmp_path, permissions=[perm("/twilio/voice/things/read", "GET", "/v1/Things/{Sid}")])
    with pytest.raises(CatalogError, match="must start with /twilio/demo/"):
        load_catalog(tmp_path)


def test_loader_rejects_overlapping_endpoints_even_with_other_placeholder_names(tmp_path):
    permissions = demo_permissions()
    permissions.append(perm("/twilio/demo/others/read", "GET", "/v1/Things/{ThingSid}"))
    write_area(tmp_path, permissions=permissions)
    with pytest.raises(CatalogError, match="overlaps an endpoint of /twilio/demo/things/read"):
        load_catalog(tmp_path)


def test_loader_allows_one_path_under_different_methods_or_hosts(tmp_path):
    permissions = demo_permissions()
    permissions.append(perm("/twilio/demo/things/delete", "DELETE", "/v1/Things/{Sid}"))
    permissions.append(perm("/twilio/demo/mirror/read", "GET", "/v1/Things/{Sid}", host="mirror"))
    write_area(tmp_path, permissions=permissions)
    assert len(load_catalog(tmp_path)) == 5


@pytest.mark.parametrize(
    "path",
    [
        "v1/Things",
        "/v1/Things/Thing{Sid}",
        "/v1/{Sid}x",
        "/v1//Things",
        "/v1/Things/",
        "/v1/{1Sid}",
        "/v1/Things.json",
    ],
)
def test_loader_rejects_a_malformed_path_template(tmp_path, path):
    write_area(tmp_path, permissions=[perm("/twilio/demo/things/read", "GET", path)])
    with pytest.raises(CatalogError, match="path"):
        load_catalog(tmp_path)


@pytest.mark.parametrize("method", ["FETCH", "get", "OPTIONS", None])
def test_loader_rejects_an_unknown_method(tmp_path, method):
    write_area(tmp_path, permissions=[perm("/twilio/demo/things/read", method, "/v1/Things/{Sid}")])
    with pytest.raises(CatalogError, match="unknown method"):
        load_catalog(tmp_path)


def test_loader_rejects_a_wildcard_with_endpoints(tmp_path):
    write_area(tmp_path, permissions=[perm("/twilio/demo/things/*", "GET", "/v1/Things")])
    with pytest.raises(CatalogError, match="takes no endpoints"):
        load_catalog(tmp_path)


def test_loader_rejects_a_wildcard_without_concrete_actions(tmp_path):
    permissions = demo_permissions()
    permissions.append({"permission": "/twilio/demo/lonely/*", "description": "All", "endpoints": []})
    write_area(tmp_path, permissions=permissions)
    with pytest.raises(CatalogError, match="no concrete actions"):
        load_catalog(tmp_path)


def test_loader_rejects_a_concrete_permission_without_endpoints(tmp_path):
    write_area(tmp_path, permissions=[{"permission": "/twilio/demo/things/read", "description": "x"}])
    with pytest.raises(CatalogError, match="needs at least one endpoint"):
        load_catalog(tmp_path)


def test_loader_rejects_a_bad_host(tmp_path):
    write_area(
        tmp_path, permissions=[perm("/twilio/demo/things/read", "GET", "/v1/Things", host="api.twilio.com")]
    )
    with pytest.raises(CatalogError, match="first DNS label"):
        load_catalog(tmp_path)
