"""Console exports: written to a file in the background, downloaded when ready, within the
account, whatever their size."""

import csv
import io
import json
import time

import pytest
from django.urls import reverse

from audit.exports import audit_export_write
from audit.models import AuditExport, ExportStatus
from tests.factories import make_app

LIST = reverse("audit:list")


def start(client, fmt: str, **filters) -> AuditExport:
    response = client.post(reverse("audit:export-create", kwargs={"fmt": fmt}) + "?" + _query(filters))
    assert response.status_code == 302
    export = AuditExport.objects.latest("created_at")
    assert response["Location"] == reverse("audit:export", kwargs={"export_id": export.pk})
    return export


def _query(filters: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(filters)


def download(client, export: AuditExport) -> str:
    response = client.get(reverse("audit:export-download", kwargs={"export_id": export.pk}))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.AUDIT_EXPORT_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_export_holds_the_filtered_events_of_this_account_only(client, issued, member, export_dir):
    make_app(name="Elsewhere")  # another account's events must not leak into the file
    client.force_login(member.user)
    export = start(client, "jsonl", event_type="oauth-apps.created")
    page = client.get(reverse("audit:export", kwargs={"export_id": export.pk}))
    assert "Being prepared" in page.content.decode() and page["Refresh"] == "2"
    audit_export_write(export.pk)
    rows = [json.loads(line) for line in download(client, export).splitlines()]
    assert [r["resource_sid"] for r in rows] == [issued.app.client_id]
    assert rows[0]["account_sid"] == issued.app.account.sid


@pytest.mark.django_db
def test_csv_export_across_many_keyset_pages_keeps_one_header_and_every_row(
    client, account, member, export_dir, monkeypatch
):
    from audit import retention

    for number in range(7):
        make_app(account, user=member.user, name=f"App {number}")
    monkeypatch.setattr(retention.keyset_pages, "__defaults__", (3,))  # pages of 3 events
    client.force_login(member.user)
    export = start(client, "csv")
    assert audit_export_write(export.pk).status == ExportStatus.READY
    table = list(csv.DictReader(io.StringIO(download(client, export))))
    assert len(table) == 7 and len({row["sid"] for row in table}) == 7
    assert [row["event_date"] for row in table] == sorted(row["event_date"] for row in table)


@pytest.mark.django_db
def test_another_accounts_member_cannot_see_or_download_an_export(client, member, export_dir):
    other = make_app(name="Elsewhere")
    client.force_login(member.user)
    export = start(client, "csv")
    audit_export_write(export.pk)
    client.force_login(other.app.created_by)
    assert client.get(reverse("audit:export", kwargs={"export_id": export.pk})).status_code == 404
    assert client.get(reverse("audit:export-download", kwargs={"export_id": export.pk})).status_code == 404


@pytest.mark.django_db
def test_export_needs_post(client, member):
    client.force_login(member.user)
    assert client.get(reverse("audit:export-create", kwargs={"fmt": "csv"})).status_code == 405
    assert client.post(reverse("audit:export-create", kwargs={"fmt": "xml"})).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_file_is_written_by_a_background_thread_after_the_request(client, issued, member, export_dir):
    client.force_login(member.user)
    export = start(client, "jsonl")
    for _ in range(100):
        export.refresh_from_db()
        if export.status != ExportStatus.RUNNING:
            break
        time.sleep(0.05)
    assert export.status == ExportStatus.READY
    assert issued.app.client_id in download(client, export)


@pytest.mark.django_db
def test_old_exports_are_removed_when_a_new_one_starts(client, member, export_dir, settings):
    from datetime import timedelta

    from django.utils import timezone

    from audit.exports import export_path

    client.force_login(member.user)
    old = audit_export_write(start(client, "csv").pk)
    AuditExport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.AUDIT_EXPORT_KEEP_HOURS + 1)
    )
    assert export_path(old).exists()
    start(client, "jsonl")
    assert not export_path(old).exists() and not AuditExport.objects.filter(pk=old.pk).exists()
