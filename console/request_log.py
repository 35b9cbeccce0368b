"""One log line per request: id, method, path (never the query string), status, duration,
client id when known. Bodies, headers and query strings are never logged: that is where
secrets and tokens travel."""

import logging
import re
import time
import uuid

from console.actors import client_ip

logger = logging.getLogger("oauthapps.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client_id": getattr(request, "log_client_id", None),
                "remote_addr": client_ip(request),
            },
        )
        return response
