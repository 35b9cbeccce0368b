"""IAM v1 routes, on Twilio's paths (``iam.twilio.com/v1/...``)."""

from django.urls import path

from oauthapps.api import iam

app_name = "iam"

urlpatterns = [
    path("v1/Account/OAuthApps", iam.OAuthAppListCreateApi.as_view(), name="oauth-apps"),
    path("v1/Account/OAuthApps/<str:sid>", iam.OAuthAppApi.as_view(), name="oauth-app"),
    path(
        "v1/Account/OAuthApps/<str:sid>/Secret",
        iam.OAuthAppSecretRotateApi.as_view(),
        name="oauth-app-secret",
    ),
    # Twilio's iam v1 spec spells the rotation path in lower case; its console and older
    # docs use /Secret. Both rotate.
    path(
        "v1/Account/OAuthApps/<str:sid>/secret",
        iam.OAuthAppSecretRotateLowerCaseApi.as_view(),
        name="oauth-app-secret-lower",
    ),
]
