"""Console pages for the audit trail."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_event_list_page, name="list"),
    path("export.<str:fmt>", views.audit_event_export, name="export"),
    path("<str:sid>/", views.audit_event_detail_page, name="detail"),
]
