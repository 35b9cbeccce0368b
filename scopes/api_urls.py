"""The public catalog API: ``/v1/Permissions`` and ``/v1/Permissions/{area}``."""

from django.urls import path

from scopes import api

urlpatterns = [
    path("v1/Permissions", api.catalog_areas, name="catalog-api"),
    path("v1/Permissions/<slug:key>", api.catalog_area, name="catalog-api-area"),
]
