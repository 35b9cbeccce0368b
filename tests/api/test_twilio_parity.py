"""twilio-python 9.x against a live server: Token expiration time, account_sid on
/v2/token, the oauth v1 token endpoint, and the Monitor events the changes leave."""

import json

import jwt
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.api.test_twilio_contract import create_request, make_twilio, tenant, twilio, update_request  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def twilio_with_account_credentials(live_server, tenant):  # noqa: F811
    """A Client built as most Twilio users build one (account SID and auth token): the token
    endpoints must ignore that Basic header and read the app's credentials from the form."""
    account, _user, _issued = tenant
    client = Client(account.sid, "an auth token this server never sees")
    client.oauth.base_url = live_server.url
    yield client
    if client.http_client.session is not None:
        client.http_client.session.close()


def test_create_and_update_with_access_token_ttl(twilio, tenant):  # noqa: F811
    created = twilio.iam.v1.o_auth_apps.create(
        create_request(
            friendly_name="Short", policy={"allow": ["/twilio/monitor/events/list"]}, access_token_ttl=300
        )
    )
    assert created.access_token_ttl == 300
    updated = twilio.iam.v1.o_auth_apps(created.sid).update(update_request(access_token_ttl=86400))
    assert updated.access_token_ttl == 86400 and updated.friendly_name == "Short"


def test_an_out_of_range_access_token_ttl_is_a_400_naming_the_range(twilio):  # noqa: F811
    with pytest.raises(TwilioRestException) as caught:
        twilio.iam.v1.o_auth_apps.create(
            create_request(
                friendly_name="Bad", policy={"allow": ["/twilio/monitor/events/list"]}, access_token_ttl=30
            )
        )
    assert caught.value.status == 400
    assert "access_token_ttl" in caught.value.msg and "30 days" in caught.value.msg


def test_oauth_v2_token_with_the_apps_own_account_sid(twilio_with_account_credentials, tenant):  # noqa: F811
    account, _user, issued = tenant
    token = twilio_with_account_credentials.oauth.v2.token.create(
        grant_type="client_credentials",
        client_id=issued.app.client_id,
        client_secret=issued.secret,
        account_sid=account.sid,
    )
    claims = jwt.decode(token.access_token, options={"verify_signature": False})
    assert claims["account_sid"] == account.sid and token.expires_in == 3600


def test_oauth_v2_token_for_another_account_is_refused(twilio_with_account_credentials, tenant):  # noqa: F811
    _account, _user, issued = tenant
    with pytest.raises(TwilioRestException) as caught:
        twilio_with_account_credentials.oauth.v2.token.create(
            grant_type="client_credentials",
            client_id=issued.app.client_id,
            client_secret=issued.secret,
            account_sid="AC" + "0" * 32,
        )
    assert caught.value.status == 400
    assert "not the account of this app" in caught.value.msg


def test_oauth_v1_token_create(twilio_with_account_credentials, tenant):  # noqa: F811
    _account, _user, issued = tenant
    token = twilio_with_account_credentials.oauth.v1.token.create(
        grant_type="client_credentials", client_id=issued.app.client_id, client_secret=issued.secret
    )
    assert token.token_type == "Bearer" and token.expires_in == 3600
    claims = jwt.decode(token.access_token, options={"verify_signature": False})
    assert claims["client_id"] == issued.app.client_id


def test_monitor_events_list_reads_the_changes(twilio, tenant):  # noqa: F811
    created = twilio.iam.v1.o_auth_apps.create(
        create_request(friendly_name="Audited", policy={"allow": ["/twilio/monitor/events/list"]})
    )
    twilio.iam.v1.o_auth_apps(created.sid).update(update_request(access_token_ttl=600))
    events = twilio.monitor.v1.events.list(resource_sid=created.sid)
    by_type = {event.event_type: event for event in events}
    assert {"oauth-apps.created", "oauth-apps.updated"} <= set(by_type)
    updated = by_type["oauth-apps.updated"]
    assert "access_token_ttl" in json.dumps(updated.event_data)
    assert "600" in json.dumps(updated.event_data)
