"""Sign in with an email address and password, at every door (console and Django admin)."""

from django.contrib.auth.backends import ModelBackend

from console.signin import sign_in_authenticate


class EmailBackend(ModelBackend):
    """The one sign-in policy (limits, lock-out, bounded hashing) lives in console/signin.py."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or password is None:
            return None
        return sign_in_authenticate(
            request=request, email=email, password=password, can_authenticate=self.user_can_authenticate
        )
