"""Sign in, sign out, switch account, home."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from console.actors import client_ip
from console.forms import EmailAuthenticationForm
from console.middleware import SESSION_ACCOUNT_KEY
from console.models import User
from console.selectors import membership_list
from console.signals import console_login_locked
from console.throttling import Limit, limit_exhausted, limit_hit

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
        # A locked account stays locked for the right password too, until the window ends.
        if not limit_exhausted(self._per_user(), self._email()).allowed:
            return self._refuse()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        email = self._email()
        if email:
            verdict = limit_hit(self._per_user(), email)
            if not verdict.allowed:
                if verdict.count == self._per_user().max_requests + 1:
                    self._announce_lockout(email)
                return self._refuse()
        return super().form_invalid(form)

    def _email(self) -> str:
        return (self.request.POST.get("username") or "").strip().lower()

    @staticmethod
    def _per_user() -> Limit:
        return Limit.parse("login-user", settings.THROTTLE_LOGIN_FAILURES_PER_USER)

    def _announce_lockout(self, email: str) -> None:
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:  # unknown addresses have no account to tell
            console_login_locked.send(sender=type(self), user=user, ip_address=client_ip(self.request))

    def _refuse(self):
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")}
        )
        response = self.render_to_response(self.get_context_data(form=form, refusal=TOO_MANY_ATTEMPTS))
        response.status_code = 429
        return response


class ConsoleLogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link or a prefetch cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # After logout(): the message goes into the new, anonymous session.
        messages.info(request, "You have been logged out.")
        return response


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says."""
    return redirect(static("console/favicon.svg"), permanent=True)


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
