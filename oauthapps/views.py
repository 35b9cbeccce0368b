"""Console pages for OAuth apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from oauthapps.selectors import oauth_app_list


@login_required
def oauth_app_list_page(request):
    apps = oauth_app_list(account=request.membership.account) if request.membership else []
    return render(request, "oauthapps/list.html", {"apps": apps})
