"""Events the console announces; the apps above it subscribe."""

from django.dispatch import Signal

# Sent with ``user`` (the console User whose sign-in is now locked) and ``ip_address``.
console_login_locked = Signal()
LOGIN_LOCKED = "console.login-locked"

# Sent by ``manage.py bootstrap`` once the default account exists, with ``write`` (prints
# one line on the operator's terminal). An app that needs first-start data of its own
# (oauthapps: a signing key) connects here, so the console never imports it.
site_bootstrapped = Signal()

# Sent by console/people.py inside its transaction, with ``change`` (a people.PeopleChange):
# a person added to an account, their role changed, or removed.
membership_changed = Signal()
MEMBER_ADDED = "console.member-added"
MEMBER_ROLE_CHANGED = "console.member-role-changed"
MEMBER_REMOVED = "console.member-removed"
