"""Console forms that belong to the site itself."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from console.signin import SignInRefused, password_check_slot


class SignInRefusalForm:
    """Shows why a sign-in was refused (locked out, too many attempts, busy) instead of
    "wrong password", and after a failure warns that one more locks sign-in: both come
    from console/signin.py, the same at every door."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            refusal = getattr(self.request, "sign_in_refusal", None)
            if refusal is not None:
                raise ValidationError(refusal.message, code="sign_in_refused") from None
            warning = getattr(self.request, "sign_in_warning", None)
            if warning is None:
                raise
            raise ValidationError(
                [*error.error_list, ValidationError(warning, code="sign_in_warning")]
            ) from None


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


class ReauthForm(forms.Form):
    """The signed-in user's password, asked again before a destructive action."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autofocus": True, "autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        try:
            with password_check_slot():  # the same Argon2 bound as sign-in
                matches = self.user.check_password(password)
        except SignInRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        if not matches:
            raise forms.ValidationError("That is not your password. It is case-sensitive.")
        return password


class AdminSignInForm(SignInRefusalForm, AdminAuthenticationForm):
    """Django admin's sign-in form, under the same sign-in policy as the console's."""
