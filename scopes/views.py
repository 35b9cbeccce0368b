"""Browse the permission catalog by product area, and download an area as CSV, JSON or PDF."""

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


@membership_required
def catalog_area_list(request):
    areas = sorted(get_catalog().areas.values(), key=lambda area: area.title.lower())
    return render(request, "console/catalog_list.html", {"areas": areas})


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
