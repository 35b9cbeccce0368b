"""Template helpers for the console's forms and tables."""

from datetime import timedelta

from django import template

register = template.Library()


@register.simple_tag
def described_widget(field, help_id: str = ""):
    """The field's widget, tied to its help text and errors for screen readers."""
    attrs: dict[str, str] = {}
    described_by = []
    if help_id:
        described_by.append(help_id)
    if field.errors:
        described_by.append(f"{field.auto_id}-errors")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def contains(collection, item) -> bool:
    return item in collection


@register.filter
def count_in(names, selected) -> int:
    """How many of ``names`` are in ``selected``."""
    return len(set(names) & set(selected))


@register.filter
def duration_label(delta) -> str:
    """A grace period in words: "24 hours", "90 minutes", "30 seconds"."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0 and not (unit == "day" and seconds == 86400):
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


@register.filter
def seconds_label(seconds) -> str:
    """A number of seconds in words, as duration_label says a timedelta."""
    return duration_label(timedelta(seconds=int(seconds)))
