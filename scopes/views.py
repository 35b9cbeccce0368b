"""Browse the permission catalog by product area, and download an area as CSV, JSON or PDF."""

from functools import cache

from django.http import Http404, HttpResponse
from django.shortcuts import render

from console.decorators import membership_required
from scopes import export as catalog_export
from scopes.catalog import ProductArea, get_catalog

DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", catalog_export.area_csv),
    "json": ("application/json", catalog_export.area_json),
    "pdf": ("application/pdf", catalog_export.area_pdf),
}


def _area(key: str) -> ProductArea:
    area = get_catalog().areas.get(key)
    if area is None:
        raise Http404("No such product area.")
    return area


SEARCH_MAX_LENGTH = 100
SEARCH_MAX_RESULTS = 200


def _sorted_areas() -> list[ProductArea]:
    return sorted(get_catalog().areas.values(), key=lambda area: area.title.lower())


def catalog_search(text: str) -> list[tuple[ProductArea, object]]:
    """(area, permission) of every permission whose name, description, area or endpoint
    paths hold each word of ``text`` (case-insensitive), across all areas."""
    words = text.lower().split()
    if not words:
        return []
    found = []
    for area in _sorted_areas():
        for permission in area.permissions:
            haystack = " ".join(
                [permission.name, permission.description, area.title, *(e.path for e in permission.endpoints)]
            ).lower()
            if all(word in haystack for word in words):
                found.append((area, permission))
    return found


@membership_required
def catalog_area_list(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    found = catalog_search(query)
    context = {
        "areas": _sorted_areas(),
        "query": query,
        "results": found[:SEARCH_MAX_RESULTS],
        "result_count": len(found),
        "results_cut": len(found) > SEARCH_MAX_RESULTS,
    }
    return render(request, "console/catalog_list.html", context)


@cache
def _whole_catalog_pdf() -> bytes:
    # The catalog is fixed while the process runs, and the PDF takes seconds to lay out.
    return catalog_export.catalog_pdf(_sorted_areas())


@membership_required
def catalog_pdf_download(request):
    response = HttpResponse(_whole_catalog_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="twilio-permissions.pdf"'
    return response


@membership_required
def catalog_area_detail(request, key: str):
    area = _area(key)
    resources: dict[str, list] = {}
    for permission in area.permissions:
        resources.setdefault(permission.resource, []).append(permission)
    return render(request, "console/catalog_area.html", {"area": area, "resources": resources})


@membership_required
def catalog_area_download(request, key: str, fmt: str):
    area = _area(key)
    if fmt not in DOWNLOADS:
        raise Http404("No such format.")
    content_type, build = DOWNLOADS[fmt]
    response = HttpResponse(build(area), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="twilio-permissions-{area.key}.{fmt}"'
    return response
