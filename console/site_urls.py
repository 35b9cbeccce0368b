"""Console pages that belong to the site itself: sign in/out, password, account switcher, home."""

from django.urls import path

from console import account_views, people_views, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("account/switch/", views.account_switch, name="account-switch"),
    path("account/confirm-password/", account_views.reauthenticate, name="reauth"),
    path("account/password/", account_views.ConsolePasswordChangeView.as_view(), name="password-change"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("console/people/", people_views.people_page, name="people"),
    path("console/people/<int:membership_id>/role/", people_views.person_role_page, name="person-role"),
    path("console/people/<int:membership_id>/remove/", people_views.person_remove_page, name="person-remove"),
]
