"""Console pages for the audit trail."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_event_list_page, name="list"),
    path("export.<str:fmt>", views.audit_export_create, name="export-create"),
    path("exports/<uuid:export_id>/", views.audit_export_page, name="export"),
    path("exports/<uuid:export_id>/download", views.audit_export_download, name="export-download"),
    path("<str:sid>/", views.audit_event_detail_page, name="detail"),
]
