"""The permission catalog for tools: public JSON, no sign-in (Twilio publishes the same).

``GET /v1/Permissions`` lists the product areas; ``GET /v1/Permissions/{area}`` gives one
area's permissions with the endpoints each allows; ``?permission=`` resolves one string.
"""

from django.http import JsonResponse
from django.urls import reverse

from console.api_errors import api_methods
from console.errors import twilio_error
from scopes.catalog import get_catalog
from scopes.export import area_document

PUBLIC_CACHE = "public, max-age=3600"


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        response["Cache-Control"] = PUBLIC_CACHE
    return response


@api_methods("GET")
def catalog_areas(request) -> JsonResponse:
    catalog = get_catalog()
    wanted = request.GET.get("permission")
    if wanted is not None:
        permission = catalog.get(wanted)
        if permission is None:
            return _json(twilio_error(404, f"No permission {wanted[:120]!r} in the catalog."), status=404)
        return _json(
            {
                "permission": permission.name,
                "area": permission.area,
                "description": permission.description,
                "derived": permission.derived,
                "grants": list(catalog.expand(permission.name)),
                "endpoints": [
                    {"method": e.method, "host": e.host, "path": e.path} for e in permission.endpoints
                ],
            }
        )
    return _json(
        {
            "areas": [
                {
                    "area": area.key,
                    "title": area.title,
                    "host": area.host,
                    "permissions": len(area.permissions),
                    "url": request.build_absolute_uri(reverse("catalog-api-area", kwargs={"key": area.key})),
                }
                for area in catalog.areas.values()
            ],
            "permissions": len(catalog.permissions),
        }
    )


@api_methods("GET")
def catalog_area(request, key: str) -> JsonResponse:
    area = get_catalog().areas.get(key)
    if area is None:
        known = ", ".join(get_catalog().areas)
        return _json(twilio_error(404, f"No product area {key!r}; the areas are: {known}."), status=404)
    return _json(area_document(area))
