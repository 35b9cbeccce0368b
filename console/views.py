"""Sign in, sign out, switch account, home."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from console.devices import device_cookie_issue
from console.forms import EmailAuthenticationForm
from console.middleware import SESSION_ACCOUNT_KEY
from console.selectors import membership_list


class ConsoleLoginView(auth_views.LoginView):
    """Email and password, under the one sign-in policy of console/signin.py; its
    refusals (too many attempts, locked out, busy) answer 429 or 503 with Retry-After."""

    template_name = "console/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        device_cookie_issue(self.request, response)
        return response

    def form_invalid(self, form):
        refusal = getattr(self.request, "sign_in_refusal", None)
        if refusal is None:
            return super().form_invalid(form)
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")}
        )
        response = self.render_to_response(self.get_context_data(form=form, refusal=refusal.message))
        response.status_code = refusal.status
        response["Retry-After"] = str(refusal.retry_after)
        return response


class ConsoleLogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link or a prefetch cannot sign anyone out. The device
    cookie stays (console/devices.py): this browser is still one its owner has used."""

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
    catalog, audit = reverse("scopes:catalog"), reverse("audit:list")
    if target.startswith(catalog) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    if target.startswith(audit):
        return audit
    return reverse("oauthapps:list")
