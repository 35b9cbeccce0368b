"""Monitor v1 routes, on Twilio's paths (``monitor.twilio.com/v1/...``)."""

from django.urls import path

from audit.api import views

app_name = "monitor"

urlpatterns = [
    path("v1/Events", views.EventListApi.as_view(), name="events"),
    path("v1/Events/<str:sid>", views.EventApi.as_view(), name="event"),
]
