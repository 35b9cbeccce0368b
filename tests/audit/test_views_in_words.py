"""The Audit pages in words: event types named ("Secret rotated", the code kept in a
tooltip), no user in the App column, the export's filter described, paging both ways."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.receivers import record_login_locked
from oauthapps.services import oauth_app_secret_rotate, oauth_app_update
from tests.audit.test_exports import export_dir, start  # noqa: F401 - export_dir is a fixture
from tests.factories import web_actor

pytestmark = pytest.mark.django_db

LIST = reverse("audit:list")


def test_event_types_read_in_words_with_the_code_in_a_tooltip(member_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    body = member_client.get(LIST).content.decode()
    assert 'title="oauth-apps.secret-rotated">Secret rotated</span>' in body
    assert 'title="oauth-apps.created">App created</span>' in body
    assert '<option value="oauth-apps.secret-rotated">Secret rotated</option>' in body


def test_the_detail_page_names_the_event_and_keeps_its_code(member_client, app):
    oauth_app_secret_rotate(app=app, actor=web_actor(app.created_by))
    event = AuditEvent.objects.get(event_type="oauth-apps.secret-rotated")
    body = member_client.get(reverse("audit:detail", kwargs={"sid": event.sid})).content.decode()
    assert "<h1>Secret rotated</h1>" in body and "<code>oauth-apps.secret-rotated</code>" in body


def test_a_sign_in_event_shows_no_user_in_the_app_column(member_client, member):
    record_login_locked(sender=None, user=member.user, ip_address="203.0.113.9")
    body = member_client.get(LIST).content.decode()
    app_cell = body.split('data-label="App">', 1)[1].split("</td>", 1)[0]
    assert app_cell.strip() == "—"
    assert member.user.email not in app_cell and member.user.sid not in app_cell


def test_the_export_page_describes_its_filter_in_words(member_client, app, export_dir):  # noqa: F811
    export = start(
        member_client,
        "csv",
        event_type="oauth-apps.secret-rotated",
        app=app.client_id,
        start="2025-03-01",
        end="2025-03-31",
    )
    body = member_client.get(reverse("audit:export", kwargs={"export_id": export.pk})).content.decode()
    assert (
        f"CSV of “Secret rotated” events of {app.name} ({app.client_id}) from 1 Mar 2025 to 31 Mar 2025"
        in body
    )
    assert "{" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_an_unfiltered_export_says_all_events(member_client, export_dir):  # noqa: F811
    export = start(member_client, "jsonl")
    assert (
        "JSONL of all events"
        in member_client.get(reverse("audit:export", kwargs={"export_id": export.pk})).content.decode()
    )


def test_paging_goes_older_then_newer_back_to_the_newest(member_client, app):
    for number in range(30):
        oauth_app_update(app=app, actor=web_actor(app.created_by), name=f"Name {number}")
    first = member_client.get(LIST)
    assert first.context["newer"] is None and first.context["older"]
    second = member_client.get(LIST, {"before": first.context["older"]})
    assert second.context["newer"] and second.context["older"] is None
    body = second.content.decode()
    assert ">Newer</a>" in body and 'rel="prev"' in body
    back = member_client.get(LIST, {"after": second.context["newer"]})
    assert [e.pk for e in back.context["events"]] == [e.pk for e in first.context["events"]]
    assert back.context["newer"] is None and back.context["older"] == first.context["older"]
