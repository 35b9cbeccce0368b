"""Events the console announces; the audit app records them."""

from django.dispatch import Signal

# Sent with ``user`` (the console User whose sign-in is now locked) and ``ip_address``.
console_login_locked = Signal()
LOGIN_LOCKED = "console.login-locked"
