"""The Django project: settings, root URLs, WSGI/ASGI entry points and server configuration.

Not an app: nothing imports it except through Django (``DJANGO_SETTINGS_MODULE``,
``ROOT_URLCONF``, ``WSGI_APPLICATION``) and the servers that load it.
"""
