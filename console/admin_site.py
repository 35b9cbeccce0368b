"""Django admin's site, signed into under the console's sign-in policy (console/signin.py)."""

from django.contrib import admin

from console.devices import device_cookie_issue
from console.forms import AdminSignInForm


class ConsoleAdminSite(admin.AdminSite):
    """The admin's login door: the same limits and lock-out as the console's, and the
    same answer to a refusal (429, or 503 when busy, with Retry-After), and the same
    device cookie on success."""

    login_form = AdminSignInForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        device_cookie_issue(request, response)
        refusal = getattr(request, "sign_in_refusal", None)
        if refusal is not None:
            response.status_code = refusal.status
            response["Retry-After"] = str(refusal.retry_after)
        return response
