"""Contract tests: the real twilio package (9.x), hosts swapped for a live server.

What the package expects of us (read from twilio/rest/iam/v1/o_auth_app.py and
twilio/rest/monitor/v1/event.py): JSON bodies with ``friendly_name``, ``policy`` etc.,
``None`` values dropped before sending; dates as ``%Y-%m-%dT%H:%M:%SZ`` (anything else is
left a string by ``deserialize.iso8601_datetime``); list pages whose ``meta.key`` names
the records and whose ``meta.next_page_url`` is absolute and requested as is.
"""

from datetime import datetime

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.credential.client_credential_provider import ClientCredentialProvider
from twilio.rest import Client
from twilio.rest.iam.v1.o_auth_app import OAuthAppList

from audit.models import AuditEvent
from oauthapps.models import OAuthApp
from tests.api.conftest import EVERYTHING
from tests.factories import AccountFactory, MembershipFactory, make_app

pytestmark = pytest.mark.django_db(transaction=True)


def twilio_client(base_url: str, client_id: str, secret: str) -> Client:
    provider = ClientCredentialProvider(client_id, secret)
    provider.to_auth_strategy()  # builds the token manager, whose own Client posts to /v2/token
    provider.token_manager.client.oauth.base_url = base_url
    client = Client(credential_provider=provider)
    client.iam.base_url = base_url
    client.monitor.base_url = base_url
    return client


@pytest.fixture
def tenant(transactional_db):
    account = AccountFactory()
    user = MembershipFactory(account=account).user
    issued = make_app(account, user=user, name="Automation", scopes=EVERYTHING)
    return account, user, issued


@pytest.fixture
def make_twilio(live_server):
    """Builds package clients for the live server; closes their keep-alive connections
    afterwards, so no server thread outlives the test's database."""
    made = []

    def make(client_id: str, secret: str) -> Client:
        made.append(twilio_client(live_server.url, client_id, secret))
        return made[-1]

    yield make
    for client in made:
        for http_client in (client.http_client, client.credential_provider.token_manager.client.http_client):
            if http_client.session is not None:
                http_client.session.close()


@pytest.fixture
def twilio(make_twilio, tenant):
    _account, _user, issued = tenant
    return make_twilio(issued.app.client_id, issued.secret)


def create_request(**fields):
    return OAuthAppList.IamV1AccountVendorOauthAppCreateRequest(fields)


def update_request(**fields):
    return OAuthAppList.IamV1AccountVendorOauthAppUpdateRequest(fields)


def test_create_update_delete_through_the_package(twilio, tenant):
    account, _user, _issued = tenant
    created = twilio.iam.v1.o_auth_apps.create(
        create_request(
            type="client_credentials",
            friendly_name="Invoices",
            description="Pushes invoices",
            owner_sid=account.sid,
            token_endpoint_auth_method="client_secret_basic",
            policy={"allow": ["/twilio/monitor/events/list"], "deny": []},
            access_token_ttl=3600,
        )
    )
    assert created.sid.startswith("OQ") and len(created.secret) == 64
    assert created.friendly_name == "Invoices" and created.status == "active"
    assert isinstance(created.date_created, datetime)  # our date format parses
    assert created.access_token_ttl == 3600
    assert created.policy == {"allow": ["/twilio/monitor/events/list"], "deny": []}

    updated = twilio.iam.v1.o_auth_apps(created.sid).update(
        update_request(friendly_name="Invoices v2", policy={"allow": ["/twilio/monitor/events/read"]})
    )
    assert updated.friendly_name == "Invoices v2" and updated.description == "Pushes invoices"
    assert updated.policy["allow"] == ["/twilio/monitor/events/read"]

    assert twilio.iam.v1.o_auth_apps(created.sid).delete() is True
    assert not OAuthApp.objects.filter(client_id=created.sid).exists()


def test_the_created_secret_works_with_the_package(make_twilio, twilio):
    created = twilio.iam.v1.o_auth_apps.create(
        create_request(friendly_name="Reader", policy={"allow": ["/twilio/monitor/events/list"]})
    )
    reader = make_twilio(created.sid, created.secret)
    assert isinstance(reader.monitor.v1.events.list(limit=1), list)


def test_errors_surface_as_twilio_rest_exceptions(twilio):
    with pytest.raises(TwilioRestException) as caught:
        twilio.iam.v1.o_auth_apps.create(
            create_request(friendly_name="", policy={"allow": ["/twilio/monitor/events/list"]})
        )
    assert caught.value.status == 400 and caught.value.code == 20001
    assert "friendly_name" in caught.value.msg
    with pytest.raises(TwilioRestException) as caught:
        twilio.iam.v1.o_auth_apps("OQ" + "0" * 32).update(update_request(friendly_name="x"))
    assert caught.value.status == 404 and caught.value.code == 20404


def test_escalation_through_the_package_is_a_403_naming_what_is_lacking(make_twilio, tenant):
    account, user, _issued = tenant
    creator = make_app(account, user=user, name="Creator", scopes=["/twilio/iam/account-oauth-apps/create"])
    updater = make_app(account, user=user, name="Updater", scopes=["/twilio/iam/account-oauth-apps/update"])
    creating, updating = (make_twilio(app.app.client_id, app.secret) for app in (creator, updater))
    with pytest.raises(TwilioRestException) as caught:
        creating.iam.v1.o_auth_apps.create(
            create_request(friendly_name="Wider", policy={"allow": ["/twilio/monitor/events/list"]})
        )
    assert caught.value.status == 403 and "/twilio/monitor/events/list" in caught.value.msg
    with pytest.raises(TwilioRestException) as caught:
        updating.iam.v1.o_auth_apps(updater.app.client_id).update(
            update_request(policy={"allow": ["/twilio/iam/account-oauth-apps/*"]})
        )
    assert caught.value.status == 403 and "/twilio/iam/account-oauth-apps/delete" in caught.value.msg
    with pytest.raises(TwilioRestException) as caught:
        # The package has no rotate method: its own request path, as its resources use it.
        updating.iam.v1.create("POST", f"/Account/OAuthApps/{_issued.app.client_id}/Secret")
    assert caught.value.status == 403 and "/twilio/monitor/events/read" in caught.value.msg
    assert OAuthApp.objects.count() == 3
    assert not AuditEvent.objects.filter(
        actor_sid__in=[creator.app.client_id, updater.app.client_id]
    ).exists()


def test_events_list_with_filters_pages_through_every_page(twilio, tenant):
    account, user, _issued = tenant
    apps = [make_app(account, user=user, name=f"App {i}").app for i in range(7)]
    expected = list(
        AuditEvent.objects.filter(account=account, event_type="oauth-apps.created", actor_sid=user.sid)
        .order_by("-event_date", "-id")
        .values_list("sid", flat=True)
    )
    assert len(expected) == 8  # the seven apps and the fixture's "Automation"
    events = twilio.monitor.v1.events.list(event_type="oauth-apps.created", actor_sid=user.sid, page_size=3)
    assert [event.sid for event in events] == expected  # three pages: 3, 3, 2
    assert {app.client_id for app in apps} <= {event.resource_sid for event in events}
    assert all(isinstance(event.event_date, datetime) for event in events)
    assert {(event.source, event.actor_type) for event in events} == {("web", "user")}

    one = twilio.monitor.v1.events.list(resource_sid=apps[3].client_id, page_size=50)
    assert [(e.event_type, e.resource_sid, e.account_sid) for e in one] == [
        ("oauth-apps.created", apps[3].client_id, account.sid)
    ]
    assert twilio.monitor.v1.events(one[0].sid).fetch().sid == one[0].sid


def test_events_page_objects_follow_next_and_previous(twilio, tenant):
    account, user, _issued = tenant
    for i in range(4):
        make_app(account, user=user, name=f"App {i}")  # with the fixture's app: five events by this user
    first = twilio.monitor.v1.events.page(actor_sid=user.sid, page_size=2)
    second = first.next_page()
    third = second.next_page()
    assert [len(list(page)) for page in (first, second, third)] == [2, 2, 1]
    assert third.next_page() is None
    assert third.previous_page() is not None


def test_events_date_filters_take_the_packages_datetimes(twilio, tenant):
    account, user, _issued = tenant
    make_app(account, user=user, name="Dated")
    start = AuditEvent.objects.filter(account=account).order_by("event_date").first().event_date
    events = twilio.monitor.v1.events.list(
        start_date=start.replace(microsecond=0), end_date=datetime(2100, 1, 1)
    )
    assert len(events) == AuditEvent.objects.filter(account=account).count()
    assert twilio.monitor.v1.events.list(end_date=datetime(2000, 1, 1)) == []
