"""Export audit events for a time range as JSON lines or CSV (for a SIEM)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from audit.retention import audit_events_export


def _moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise CommandError(
            f"--{name} must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z; got {value!r}."
        )
    return moment


class Command(BaseCommand):
    help = "Write audit events in [--start, --end) to stdout or --output, as jsonl or csv."

    def add_arguments(self, parser):
        parser.add_argument("--start")
        parser.add_argument("--end")
        parser.add_argument("--account", help="Only this account SID (AC…).")
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="A file path; stdout when omitted.")

    def handle(self, *args, **options):
        chunks = audit_events_export(
            start=_moment(options["start"], "start"),
            end=_moment(options["end"], "end"),
            fmt=options["format"],
            account_sid=options["account"],
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
