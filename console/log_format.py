"""Log lines: JSON for production (one object per line, the request fields at top level),
and never a query string, whoever writes the line."""

import json
import logging
import re
from datetime import UTC, datetime

# A path (or URL) followed by its query string: secrets and tokens travel there
# (``?client_secret=…``, ``?access_token=…``), so only the path is kept.
QUERY_STRING = re.compile(r"(?P<path>/[^\s?\"']*)\?[^\s\"']*")

REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client_id", "remote_addr")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class DropQueryStrings(logging.Filter):
    """Cuts query strings out of every record: runserver's request lines (logged for 4xx
    and 5xx, with the full request line) and anything else that quotes a URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = QUERY_STRING.sub(r"\g<path>", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
