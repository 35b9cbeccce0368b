"""Console forms for OAuth apps. Validation that matters lives in the services; these forms
collect input and carry the services' errors back to the page."""

from functools import cache

from django import forms

from oauthapps.services import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
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
                    {"name": name, "prefix": f"/twilio/{area.product}/{name}/", "permissions": items}
                    for name, items in resources.items()
                ],
            }
        )
    return areas


class OAuthAppForm(forms.Form):
    name = forms.CharField(
        label="App name",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label="Description of the app",
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    scopes = forms.MultipleChoiceField(
        label="OAuth Scopes",
        choices=scope_choices,
        error_messages={
            "required": "Select at least 1 OAuth scope.",
            "invalid_choice": "%(value)s is not a permission of the catalog.",
        },
    )

    max_scopes = MAX_SCOPES

    def selected_scopes(self) -> set[str]:
        if self.is_bound:
            return set(self.data.getlist(self.add_prefix("scopes")))
        return set(self.initial.get("scopes") or [])

    def add_service_error(self, error) -> None:
        """A service's ValidationError ({field: message}) onto the matching fields."""
        if hasattr(error, "error_dict"):
            for field, messages in error.error_dict.items():
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
