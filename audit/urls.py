"""Console pages for the audit trail."""

from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_event_list_page, name="list"),
    path("<str:sid>/", views.audit_event_detail_page, name="detail"),
]
