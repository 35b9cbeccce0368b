"""The audit page's filter form (a GET form: filters live in the URL, so they can be shared)."""

from datetime import datetime, time

from django import forms
from django.utils import timezone

from audit.events import event_type_label
from audit.selectors import audit_event_types, audit_filter_actors, audit_filter_apps
from console.sids import is_sid


class AuditFilterForm(forms.Form):
    event_type = forms.ChoiceField(label="Event type", required=False)
    app = forms.ChoiceField(label="App", required=False)
    actor = forms.ChoiceField(label="Actor", required=False)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "All event types")] + [
            (t, event_type_label(t)) for t in audit_event_types()
        ]
        self.fields["app"].choices = [("", "All apps")] + self._with_given(
            "app", "OQ", [(sid, f"{name} ({sid})") for sid, name in audit_filter_apps(account=account)]
        )
        self.fields["actor"].choices = [("", "All actors")] + self._with_given(
            "actor", None, audit_filter_actors(account=account)
        )

    def _with_given(self, name: str, prefix: str | None, choices: list) -> list:
        """The choices, plus the SID given in the URL when it is not among them: a deleted
        app's history, or a staff member's changes, stay reachable by link."""
        given = self.data.get(name) if self.is_bound else None
        prefixes = (prefix,) if prefix else ("US", "AC")
        well_formed = given and any(is_sid(given, p) for p in prefixes)
        if well_formed and given not in {sid for sid, _label in choices}:
            return [*choices, (given, given)]
        return choices

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data

    def selector_filters(self) -> dict:
        """Keyword arguments for audit_event_list; whole days in the console's time zone."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        start = end = None
        if data.get("start"):
            start = datetime.combine(data["start"], time.min, tzinfo=zone)
        if data.get("end"):
            end = datetime.combine(data["end"], time.max, tzinfo=zone)  # (day after 9999-12-31: none)
        return {
            "event_type": data.get("event_type") or None,
            "resource_sid": data.get("app") or None,
            "actor_sid": data.get("actor") or None,
            "start": start,
            "end": end,
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)
