"""Attach the signed-in user's current membership (and so account) to the request."""

from console.selectors import membership_current
from console.session_limits import has_session_cookie

SESSION_ACCOUNT_KEY = "account_sid"


class CurrentAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # API and token requests carry no session cookie: no query is made for them.
        request.membership = None
        if has_session_cookie(request) and request.user.is_authenticated:
            request.membership = membership_current(
                user=request.user, account_sid=request.session.get(SESSION_ACCOUNT_KEY)
            )
        return self.get_response(request)
