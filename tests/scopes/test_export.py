"""The catalog's CSV download follows the same spreadsheet rule as the audit export."""

import csv
import io

from scopes.catalog import Endpoint, Permission, ProductArea
from scopes.export import area_csv


def area_with(description: str) -> ProductArea:
    permission = Permission(
        name="/twilio/x/things/read",
        area="x",
        resource="things",
        action="read",
        description=description,
        derived=False,
        endpoints=(Endpoint("GET", "api.example.test", "/v1/Things"),),
    )
    return ProductArea(key="x", title="X", host="api.example.test", notes="", permissions=(permission,))


def test_a_cell_a_spreadsheet_would_run_is_quoted_as_in_the_audit_export():
    # A tab, a full-width sign and an invisible character before "=": the audit export's
    # rule quotes all three; the catalog's own rule looked at the first character only.
    for description in ("\t=cmd", "＝HYPERLINK()", "\u200b=1+1", "=1+1"):
        rows = list(csv.reader(io.StringIO(area_csv(area_with(description)))))
        assert rows[1][1] == "'" + description


def test_a_plain_cell_is_left_alone():
    rows = list(csv.reader(io.StringIO(area_csv(area_with("Read things")))))
    assert rows[1][1] == "Read things"
