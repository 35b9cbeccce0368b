"""Console pages that belong to the site itself: sign in/out, account switcher, home, catalog."""

from django.urls import path

from console import catalog_views, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("account/switch/", views.account_switch, name="account-switch"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("console/catalog/", catalog_views.catalog_area_list, name="catalog"),
    path("console/catalog/<slug:key>/", catalog_views.catalog_area_detail, name="catalog-area"),
    path(
        "console/catalog/<slug:key>/permissions.<str:fmt>",
        catalog_views.catalog_area_download,
        name="catalog-download",
    ),
]
