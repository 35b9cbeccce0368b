"""Console pages that belong to the site itself: sign in/out, account switcher, home."""

from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", views.ConsoleLogoutView.as_view(), name="logout"),
    path("account/switch/", views.account_switch, name="account-switch"),
]
