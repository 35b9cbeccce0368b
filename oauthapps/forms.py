"""Console forms for OAuth apps. Validation that matters lives in the services; these forms
collect input and carry the services' errors back to the page."""

import json
from datetime import timedelta
from functools import cache

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator

from console.templatetags.console_ui import duration_label
from oauthapps.models import (
    ACCESS_TOKEN_TTL_RANGE_WORDS,
    SECRET_GRACE_RANGE_TEXT,
    SECRET_GRACE_RANGE_WORDS,
    AuthMethod,
    OAuthApp,
)
from scopes.catalog import get_catalog
from scopes.validation import MAX_SCOPES


@cache
def scope_choices() -> list[tuple[str, str]]:
    return [(permission.name, permission.name) for permission in get_catalog()]


@cache
def scope_picker_areas() -> list[dict]:
    """The catalog as the picker shows it: areas by title, each with its resources, and a DOM
    id per permission (permission strings hold characters that make poor ids)."""
    areas, number = [], 0
    for area in sorted(get_catalog().areas.values(), key=lambda area: area.title.lower()):
        resources: dict[str, list] = {}
        for permission in area.permissions:
            number += 1
            item = {"name": permission.name, "description": permission.description, "id": f"scope-{number}"}
            resources.setdefault(permission.resource, []).append(item)
        areas.append(
            {
                "key": area.key,
                "title": area.title,
                "names": frozenset(permission.name for permission in area.permissions),
                "resources": [
                    {
                        "name": name,
                        "prefix": f"/twilio/{area.product}/{name}/",
                        "permissions": items,
                        # The resource's `*`, which holds (and so disables) its other actions.
                        "wildcard": next((i["name"] for i in items if i["name"].endswith("/*")), None),
                    }
                    for name, items in resources.items()
                ],
            }
        )
    return areas


# A duration is picked as a number and a unit; seconds are offered too, so that any value
# the IAM API or a test setting chose (90 seconds, say) shows as it is.
DURATION_UNITS = (
    ("days", "days", 86400),
    ("hours", "hours", 3600),
    ("minutes", "minutes", 60),
    ("seconds", "seconds", 1),
)
UNIT_SECONDS = {name: size for name, _label, size in DURATION_UNITS}


class DurationWidget(forms.MultiWidget):
    """A number and a unit select; the value is whole seconds."""

    def __init__(self, *, unit_label: str, attrs=None):
        number = forms.NumberInput(
            attrs={"min": "0", "step": "1", "inputmode": "numeric", "class": "duration-number"}
        )
        unit = forms.Select(
            choices=[(name, label) for name, label, _size in DURATION_UNITS],
            attrs={"aria-label": unit_label, "class": "duration-unit"},
        )
        super().__init__([number, unit], attrs)

    def id_for_label(self, id_):
        # Django leaves a MultiWidget's label unattached; ours names the number (the unit
        # select carries its own aria-label).
        return f"{id_}_0" if id_ else id_

    def decompress(self, value):
        if value is None or value == "":
            return [None, "minutes"]
        seconds = int(value)
        for name, _label, size in DURATION_UNITS:
            if seconds and seconds % size == 0:
                return [seconds // size, name]
        return [seconds, "seconds"]


class DurationField(forms.MultiValueField):
    """Whole seconds from a number and a unit, checked by ``validators`` (the model field's
    for the Token expiration time), each naming the range."""

    def __init__(self, *, label: str, range_message: str, validators=(), **kwargs):
        fields = (
            forms.IntegerField(
                min_value=0, error_messages={"invalid": range_message, "min_value": range_message}
            ),
            forms.ChoiceField(choices=[(name, label) for name, label, _size in DURATION_UNITS]),
        )
        super().__init__(
            fields,
            label=label,
            widget=DurationWidget(unit_label=f"{label} unit"),
            validators=list(validators),
            error_messages={"incomplete": range_message, "invalid": range_message},
            **kwargs,
        )

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return None
        return data_list[0] * UNIT_SECONDS[data_list[1]]


def access_token_ttl_field() -> DurationField:
    """The console's Token expiration time: label and range text from the model field.

    The range itself is checked once, by the service (``add_service_error`` puts its message
    on this field), as for the API and the command line."""
    model_field = OAuthApp._meta.get_field("access_token_ttl")
    range_message = model_field.validators[0].message  # both bounds' validators share it
    # Not required: left out, a new app gets the default and an edit keeps the app's value.
    return DurationField(
        required=False,
        label=model_field.verbose_name,
        range_message=range_message,
        help_text=f"How long each access token of this app is valid: from {ACCESS_TOKEN_TTL_RANGE_WORDS}. "
        "Tokens already issued keep their lifetime.",
    )


def app_label(field: str) -> str:
    """An app field's label, as its model field names it."""
    return str(OAuthApp._meta.get_field(field).verbose_name)


def app_text_field(field: str, **kwargs) -> forms.CharField:
    """The form field of an app's text field: label, length and whether it may be blank from
    the model field (the services check the same, and say so in the same words)."""
    model_field = OAuthApp._meta.get_field(field)
    return forms.CharField(
        label=model_field.verbose_name,
        max_length=model_field.max_length,
        required=not model_field.blank,
        **kwargs,
    )


# The three ways an app proves itself, in plain words; all but the first are private_key_jwt.
AUTH_WAYS = (
    ("secret", "Client secret"),
    ("key", "Private key"),
    ("federated", "Federated identity"),
)
# Presets of the federated identity fields (filled in by static/console/auth-way.js).
FEDERATED_PRESETS = (
    {
        "key": "github",
        "label": "GitHub Actions",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:OWNER/REPO:ref:refs/heads/BRANCH",
    },
    {
        "key": "kubernetes",
        "label": "Kubernetes service account",
        "issuer": "",  # the cluster's own issuer: kubectl get --raw /.well-known/openid-configuration
        "subject": "system:serviceaccount:NAMESPACE:NAME",
    },
)
# A service error on one of these fields is shown on this form field.
SERVICE_FIELDS = {"token_endpoint_auth_method": "auth_way", "federated_credentials": "federated_issuer"}


def auth_way_of(app: OAuthApp) -> str:
    if app.uses_secret:
        return "secret"
    return "key" if (app.jwks or app.jwks_uri) else "federated"


def auth_initial(app: OAuthApp) -> dict:
    """The authentication fields of the edit form, as the app is now (its first federated
    credential; the others are kept as they are)."""
    first = (app.federated_credentials or [{}])[0]
    return {
        "auth_way": auth_way_of(app),
        "jwks": json.dumps(app.jwks, indent=2) if app.jwks else "",
        "jwks_uri": app.jwks_uri,
        "federated_issuer": first.get("issuer", ""),
        "federated_subject": first.get("subject", ""),
        "federated_audience": (first.get("audiences") or [""])[0],
    }


class OAuthAppForm(forms.Form):
    name = app_text_field("name", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = app_text_field("description", widget=forms.Textarea(attrs={"rows": 3}))
    scopes = forms.MultipleChoiceField(
        label=app_label("scopes"),
        choices=scope_choices,
        error_messages={
            "required": "Select at least 1 OAuth scope.",
            "invalid_choice": "%(value)s is not a permission of the catalog.",
        },
    )
    access_token_ttl = access_token_ttl_field()
    dpop_bound_access_tokens = forms.BooleanField(
        required=False,
        label=app_label("dpop_bound_access_tokens"),
        help_text=OAuthApp._meta.get_field("dpop_bound_access_tokens").help_text,
    )
    auth_way = forms.ChoiceField(
        label="How the app proves who it is",
        choices=AUTH_WAYS,
        initial="secret",
        required=False,  # left out (an older page): unchanged, or a client secret for a new app
        widget=forms.RadioSelect,
    )
    jwks = forms.CharField(
        label="Public keys",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono", "spellcheck": "false"}),
    )
    jwks_uri = forms.CharField(
        label="Or the address of your public keys",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/.well-known/jwks.json"}),
    )
    federated_issuer = forms.CharField(
        label="Issuer",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://token.actions.githubusercontent.com"}),
    )
    federated_subject = forms.CharField(
        label="Subject",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "repo:OWNER/REPO:ref:refs/heads/BRANCH"}),
    )
    federated_audience = forms.CharField(label="Audience", required=False, max_length=500)

    max_scopes = MAX_SCOPES
    presets = FEDERATED_PRESETS

    def clean_jwks(self):
        text = self.cleaned_data["jwks"].strip()
        if not text or self.data.get(self.add_prefix("auth_way")) != "key":
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError('Paste the public keys as JSON: {"keys": [ ... ]}.') from None

    def auth_arguments(self, app: OAuthApp | None = None) -> dict:
        """The services' authentication arguments for the chosen way. Editing, an app's other
        federated credentials (beyond the first, which the form shows) are kept."""
        way, data = self.cleaned_data["auth_way"], self.cleaned_data
        if not way:
            return {}
        if way == "secret":
            keep = app is not None and app.uses_secret
            method = app.token_endpoint_auth_method if keep else AuthMethod.CLIENT_SECRET_BASIC
            return {
                "token_endpoint_auth_method": method,
                "jwks": None,
                "jwks_uri": "",
                "federated_credentials": [],
            }
        if way == "key":
            return {
                "token_endpoint_auth_method": AuthMethod.PRIVATE_KEY_JWT,
                "jwks": data["jwks"],
                "jwks_uri": "" if data["jwks"] else data["jwks_uri"].strip(),
                "federated_credentials": [],
            }
        first = {
            "issuer": data["federated_issuer"].strip(),
            "subject": data["federated_subject"].strip(),
            "audiences": [data["federated_audience"].strip()] if data["federated_audience"].strip() else [],
        }
        others = list((app.federated_credentials or [])[1:]) if app is not None else []
        return {
            "token_endpoint_auth_method": AuthMethod.PRIVATE_KEY_JWT,
            "jwks": None,
            "jwks_uri": "",
            "federated_credentials": [first, *others],
        }

    def selected_scopes(self) -> set[str]:
        if self.is_bound:
            return set(self.data.getlist(self.add_prefix("scopes")))
        return set(self.initial.get("scopes") or [])

    def add_service_error(self, error) -> None:
        """A service's ValidationError ({field: message}) onto the matching fields."""
        if hasattr(error, "error_dict"):
            for field, messages in error.error_dict.items():
                field = SERVICE_FIELDS.get(field, field)
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)


class OAuthAppCreateForm(OAuthAppForm):
    # One token per rendering of the form: a second POST of it (double click, reload of the
    # POST, back and resubmit) finds the app the first one created instead of making another.
    form_token = forms.CharField(widget=forms.HiddenInput)


class OAuthAppEditForm(OAuthAppForm):
    # The version the editor loaded: saving over someone else's newer edit is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SecretRotateForm(forms.Form):
    """The rotation pop-up: how long the replaced secret keeps working, or revoke it now."""

    # Left out (an older page, a script): the default, SECRET_GRACE.
    grace_period = DurationField(
        label="Grace period",
        required=False,
        range_message=f"The grace period must be from {SECRET_GRACE_RANGE_TEXT}.",
        validators=[
            MinValueValidator(0, message=f"The grace period must be from {SECRET_GRACE_RANGE_TEXT}."),
            MaxValueValidator(
                settings.SECRET_GRACE_MAX_SECONDS,
                message=f"The grace period must be from {SECRET_GRACE_RANGE_TEXT}.",
            ),
        ],
    )
    revoke_previous = forms.BooleanField(label="Revoke the current secret now", required=False)

    def chosen_grace_period(self) -> timedelta | None:
        seconds = self.cleaned_data["grace_period"]
        return None if seconds is None else timedelta(seconds=seconds)

    def __init__(self, *args, **kwargs):
        # SECRET_GRACE, the very default the rotation service applies when none is given.
        kwargs.setdefault("initial", {"grace_period": int(settings.SECRET_GRACE.total_seconds())})
        super().__init__(*args, **kwargs)
        self.fields["grace_period"].help_text = (
            f"From {SECRET_GRACE_RANGE_WORDS}; the default is {duration_label(settings.SECRET_GRACE)}. "
            "0 stops the current secret at once."
        )
