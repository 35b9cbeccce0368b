"""WSGI entry point for gunicorn (and for runserver, through ``WSGI_APPLICATION``).

The machine-facing hot paths (``LEAN_PATHS``) run through the lean middleware stack,
everything else through the full one (console/lean_stack.py).
"""

import os

from django.core.wsgi import get_wsgi_application

from console.lean_stack import lean_paths_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = lean_paths_application(get_wsgi_application())
