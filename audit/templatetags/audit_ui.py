"""Template filters of the audit pages."""

from django import template

from audit.events import event_type_label

register = template.Library()

register.filter("event_type_label", event_type_label)
