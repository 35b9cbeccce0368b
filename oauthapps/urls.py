"""Console pages for OAuth apps."""

from django.urls import path

from oauthapps import views

app_name = "oauthapps"

urlpatterns = [
    path("", views.oauth_app_list_page, name="list"),
    path("new/", views.oauth_app_create_page, name="create"),
    path("<str:sid>/", views.oauth_app_detail_page, name="detail"),
    path("<str:sid>/credentials/", views.oauth_app_credentials_page, name="credentials"),
    path("<str:sid>/credentials/done/", views.oauth_app_credentials_done, name="credentials-done"),
    path("<str:sid>/secrets/", views.oauth_app_secrets_page, name="secrets"),
    path("<str:sid>/secrets/rotate/", views.oauth_app_rotate_page, name="rotate"),
    path("<str:sid>/secrets/rotated/", views.oauth_app_rotated_page, name="rotated"),
    path("<str:sid>/secrets/rotated/done/", views.oauth_app_rotated_done, name="rotated-done"),
    path("<str:sid>/secrets/<int:secret_id>/revoke/", views.oauth_app_secret_revoke_page, name="revoke"),
    path("<str:sid>/delete/", views.oauth_app_delete_page, name="delete"),
]
