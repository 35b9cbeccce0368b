"""Sign in, sign out, switch account, home."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from console.middleware import SESSION_ACCOUNT_KEY
from console.selectors import membership_list


class ConsoleLoginView(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True


class ConsoleLogoutView(auth_views.LogoutView):
    pass


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
    return redirect("oauthapps:list")
