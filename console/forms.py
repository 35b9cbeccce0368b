"""Console forms that belong to the site itself."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class SignInRefusalForm:
    """Shows why a sign-in was refused (locked out, too many attempts, busy) instead of
    "wrong password": the refusal comes from console/signin.py, the same at every door."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            refusal = getattr(self.request, "sign_in_refusal", None)
            if refusal is None:
                raise
            raise ValidationError(refusal.message, code="sign_in_refused") from None


class EmailAuthenticationForm(SignInRefusalForm, AuthenticationForm):
    """Django's sign-in form, labelled and typed for an email address."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct email address and password. The password is case-sensitive.",
    }


class AdminSignInForm(SignInRefusalForm, AdminAuthenticationForm):
    """Django admin's sign-in form, under the same sign-in policy as the console's."""
