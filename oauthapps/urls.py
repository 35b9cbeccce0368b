"""Console pages for OAuth apps."""

from django.urls import path

from oauthapps import views

app_name = "oauthapps"

urlpatterns = [
    path("", views.oauth_app_list_page, name="list"),
]
