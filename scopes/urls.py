"""Console pages of the permission catalog: browse by product area, download an area."""

from django.urls import path

from scopes import views

app_name = "scopes"

urlpatterns = [
    path("", views.catalog_area_list, name="catalog"),
    path("permissions.pdf", views.catalog_pdf_download, name="catalog-pdf"),
    path("<slug:key>/", views.catalog_area_detail, name="catalog-area"),
    path("<slug:key>/permissions.<str:fmt>", views.catalog_area_download, name="catalog-download"),
]
