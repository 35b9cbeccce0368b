"""The permission catalog of one product area as CSV, JSON and PDF downloads."""

import csv
import io
import json
import textwrap

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
    lines: list[tuple[str, str]] = [
        ("title", f"{area.title} permissions"),
        ("small", f"API host: {area.host}"),
    ]
    for note_line in textwrap.wrap(area.notes, 100):
        lines.append(("small", note_line))
    for permission in area.permissions:
        lines.append(("gap", ""))
        lines.append(("bold", permission.name))
        for text in textwrap.wrap(permission.description, 95):
            lines.append(("body", text))
        for endpoint in permission.endpoints:
            lines.append(("mono", f"{endpoint.method:<7}{endpoint.host}  {endpoint.path}"))
        if permission.is_wildcard:
            lines.append(("small", "Grants every action of this resource."))
    return SimplePdf(title=f"{area.title} permissions").render(lines)


class SimplePdf:
    """A minimal PDF 1.4 writer: A4 pages of text lines in the standard fonts (no embedding).

    Enough for a printable catalog page without a PDF dependency. Text is limited to
    Latin-1, which the catalog's ASCII data satisfies; anything else is replaced.
    """

    PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 595, 842, 56
    STYLES = {  # kind: (font resource, size, line height)
        "title": ("F2", 18, 28),
        "bold": ("F2", 10.5, 15),
        "body": ("F1", 10, 13),
        "small": ("F1", 8.5, 12),
        "mono": ("F3", 8.5, 12),
        "gap": ("F1", 1, 8),
    }
    FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier"}

    def __init__(self, title: str) -> None:
        self.title = title

    @staticmethod
    def _escape(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    def _pages(self, lines):
        pages, current, y = [], [], self.PAGE_HEIGHT - self.MARGIN
        for kind, text in lines:
            font, size, height = self.STYLES[kind]
            if y - height < self.MARGIN:
                pages.append(current)
                current, y = [], self.PAGE_HEIGHT - self.MARGIN
            y -= height
            if text:
                current.append(f"BT /{font} {size} Tf {self.MARGIN} {y:.1f} Td ({self._escape(text)}) Tj ET")
        pages.append(current)
        return pages

    def render(self, lines) -> bytes:
        pages = self._pages(lines)
        objects: list[bytes] = []

        def add(body: str | bytes) -> int:
            objects.append(body.encode("latin-1") if isinstance(body, str) else body)
            return len(objects)

        catalog_id = add("")  # filled in once the page tree exists
        pages_id = add("")
        font_ids = {
            name: add(f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
            for name, base in self.FONTS.items()
        }
        fonts = " ".join(f"/{name} {oid} 0 R" for name, oid in font_ids.items())
        page_ids = []
        for number, commands in enumerate(pages, start=1):
            footer = (
                f"BT /F1 8 Tf {self.MARGIN} 30 Td ({self._escape(self.title)} - page {number} "
                f"of {len(pages)}) Tj ET"
            )
            stream = "\n".join([*commands, footer]).encode("latin-1")
            content_id = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
            page_ids.append(
                add(
                    f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {self.PAGE_WIDTH} "
                    f"{self.PAGE_HEIGHT}] /Resources << /Font << {fonts} >> >> /Contents {content_id} 0 R >>"
                )
            )
        kids = " ".join(f"{pid} 0 R" for pid in page_ids)
        objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()
        objects[catalog_id - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
        info_id = add(f"<< /Title ({self._escape(self.title)}) /Producer (OAuth apps console) >>")

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref_at = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            catalog_id,
            info_id,
            xref_at,
        )
        return bytes(out)
