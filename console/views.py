"""Sign in, sign out, switch account, home."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from console.actors import client_ip
from console.forms import EmailAuthenticationForm
from console.middleware import SESSION_ACCOUNT_KEY
from console.selectors import membership_list
from console.throttling import Limit, limit_hit

TOO_MANY_ATTEMPTS = "Too many sign-in attempts. Wait a few minutes, then try again."


class ConsoleLoginView(auth_views.LoginView):
    """Email and password. Attempts are limited per IP and failures per email address."""

    template_name = "console/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        per_ip = Limit.parse("login-ip", settings.THROTTLE_LOGIN_PER_IP)
        if not limit_hit(per_ip, client_ip(request) or "unknown").allowed:
            return self._refuse()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        email = (self.request.POST.get("username") or "").strip().lower()
        if email:
            per_user = Limit.parse("login-user", settings.THROTTLE_LOGIN_FAILURES_PER_USER)
            if not limit_hit(per_user, email).allowed:
                return self._refuse()
        return super().form_invalid(form)

    def _refuse(self):
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")}
        )
        response = self.render_to_response(self.get_context_data(form=form, refusal=TOO_MANY_ATTEMPTS))
        response.status_code = 429
        return response


class ConsoleLogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link or a prefetch cannot sign anyone out."""


def home(request):
    return redirect("oauthapps:list")


@login_required
@require_POST
def account_switch(request):
    sid = request.POST.get("account_sid", "")
    membership = membership_list(user=request.user).filter(account__sid=sid).first()
    if membership is None:
        messages.error(request, "You are not a member of that account.")
    else:
        request.session[SESSION_ACCOUNT_KEY] = sid
        messages.success(request, f"Switched to {membership.account.name}.")
    return redirect(_same_section(request.POST.get("next", "")))


def _same_section(target: str) -> str:
    """Stay in the section the user switched from, but never on an object of the old account:
    that page would be a 404 in the new one."""
    catalog, audit = reverse("console:catalog"), reverse("audit:list")
    if target.startswith(catalog) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    if target.startswith(audit):
        return audit
    return reverse("oauthapps:list")
