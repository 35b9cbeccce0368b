"""The signed-in user's own sign-in: confirm the password again, change it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from console.forms import ReauthForm
from console.reauth import MAX_PASSWORD_FAILURES, auth_mark_recent, password_failure_record

TOO_MANY_WRONG_PASSWORDS = (
    f"You were logged out after {MAX_PASSWORD_FAILURES} wrong passwords. Log in again to continue."
)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("console:home")


def _sign_out_after_wrong_passwords(request):
    logout(request)
    messages.error(request, TOO_MANY_WRONG_PASSWORDS)
    return redirect(settings.LOGIN_URL)


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    """Ask for the password again, then return to the page that asked for it."""
    next_url = _safe_next(request)
    if request.method == "POST":
        form = ReauthForm(request.user, request.POST)
        if form.is_valid():
            auth_mark_recent(request)
            # A new session key for the raised trust, as at sign-in.
            request.session.cycle_key()
            return redirect(next_url)
        if password_failure_record(request):
            return _sign_out_after_wrong_passwords(request)
    else:
        form = ReauthForm(request.user)
    return render(request, "console/reauth.html", {"form": form, "next": next_url})


class ConsolePasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (old password, new one twice, the password validators); it keeps this
    session signed in (update_session_auth_hash) and so ends every other session."""

    template_name = "console/password_change.html"
    success_url = reverse_lazy("console:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        auth_mark_recent(self.request)
        messages.success(self.request, "Your password was changed. Your other sessions were logged out.")
        return response

    def form_invalid(self, form):
        if form.has_error("old_password") and password_failure_record(self.request):
            return _sign_out_after_wrong_passwords(self.request)
        return super().form_invalid(form)
