"""The permission catalog of one product area as CSV, JSON and PDF downloads, and the whole
catalog as one PDF."""

import csv
import io
import json

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from console.csv_cells import csv_safe
from scopes.catalog import ProductArea

CSV_HEADER = ("permission", "description", "method", "host", "path")


def _endpoint_rows(area: ProductArea):
    for permission in area.permissions:
        endpoints = permission.endpoints or (None,)
        for endpoint in endpoints:
            yield (
                permission.name,
                permission.description,
                endpoint.method if endpoint else "",
                endpoint.host if endpoint else "",
                endpoint.path if endpoint else "",
            )


def area_csv(area: ProductArea) -> str:
    """One row per (permission, endpoint); a `*` permission has one row without endpoint."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in _endpoint_rows(area):
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


def area_json(area: ProductArea) -> str:
    return json.dumps(area_document(area), indent=2, ensure_ascii=False) + "\n"


def area_document(area: ProductArea) -> dict:
    return {
        "area": area.key,
        "title": area.title,
        "host": area.host,
        "notes": area.notes,
        "permissions": [
            {
                "permission": p.name,
                "description": p.description,
                "derived": p.derived,
                "endpoints": [{"method": e.method, "host": e.host, "path": e.path} for e in p.endpoints],
            }
            for p in area.permissions
        ],
    }


def area_pdf(area: ProductArea) -> bytes:
    return catalog_pdf([area], title=f"{area.title} permissions")


def catalog_pdf(areas: list[ProductArea], *, title: str = "Permission catalog") -> bytes:
    """The areas as a printable PDF (fpdf2): the document title in its metadata and on its
    first page, and an outline with one bookmark per product area (its resources below)."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("OAuth apps")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, _latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for area in areas:
        _write_area(pdf, area, first=len(areas) == 1)
    return bytes(pdf.output())


def _write_area(pdf: "FPDF", area: ProductArea, *, first: bool) -> None:
    if not first:
        pdf.add_page()
    pdf.start_section(_latin1(area.title), level=0)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(area.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 8.5)
    pdf.multi_cell(0, 5, _latin1(f"API host: {area.host}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if area.notes:
        pdf.multi_cell(0, 5, _latin1(area.notes), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    resource = None
    for permission in area.permissions:
        if permission.resource != resource:
            resource = permission.resource
            pdf.ln(2)
            pdf.start_section(_latin1(resource), level=1)
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 5.5, _latin1(permission.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9.5)
        pdf.multi_cell(0, 5, _latin1(permission.description), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Courier", "", 8)
        for endpoint in permission.endpoints:
            line = f"{endpoint.method:<7}{endpoint.host}  {endpoint.path}"
            pdf.multi_cell(0, 4.5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if permission.is_wildcard:
            pdf.set_font("Helvetica", "I", 8.5)
            pdf.multi_cell(0, 5, "Grants every action of this resource.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _latin1(text: str) -> str:
    # The standard PDF fonts (nothing embedded) hold Latin-1; the catalog's data is ASCII.
    return text.encode("latin-1", "replace").decode("latin-1")
