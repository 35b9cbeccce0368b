"""The reference endpoint: a Django-free WSGI app returning a small JSON body.

Served by the same gunicorn settings as the product, it measures what the server, the
load generator and the loopback cost per request; the product's scenarios are reported
as a ratio to it.
"""

BODY = b'{"status": "ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
