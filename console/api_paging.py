"""Twilio's list paging (``PageSize``, ``Page``, ``PageToken`` and the ``meta`` block) as
keyset pagination over ``(date, id)``, newest first.

Keyset rather than offsets: a row inserted while a client pages (a new audit event) lands
before the first page and never shifts or repeats what the client has yet to read. The
``PageToken`` holds the cursor, signed with django.core.signing and salted with the
account, so a client can neither forge a cursor nor replay another account's.

Not DRF's ``CursorPagination``: its wire is DRF's (a ``cursor`` parameter, a ``next`` and
``previous`` link beside ``results``), while Twilio's helper libraries read ``PageSize``,
``Page``, ``PageToken`` and the ``meta`` block (``next_page_url``, ``key``, ``page``), which
is the contract; and its cursor is plain base64, which a client can edit and which is not
bound to an account.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


PAGING_PARAMETER_NAMES = ("PageSize", "Page", "PageToken")
PAGING_PARAMETERS = [
    OpenApiParameter(
        "PageSize",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        OpenApiParameter.QUERY,
        description=f"Records per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
    OpenApiParameter(
        "Page",
        {"type": "integer", "minimum": 0},
        OpenApiParameter.QUERY,
        description="Page number, for the client's own bookkeeping; PageToken decides what is returned.",
    ),
    OpenApiParameter(
        "PageToken",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="Opaque, signed cursor taken from next_page_url or previous_page_url.",
    ),
]


class PageMetaSerializer(serializers.Serializer):
    """Twilio's ``meta`` block of a list response (documentation only)."""

    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    first_page_url = serializers.URLField()
    previous_page_url = serializers.URLField(allow_null=True)
    url = serializers.URLField()
    next_page_url = serializers.URLField(allow_null=True)
    key = serializers.CharField()


@dataclass(frozen=True)
class Cursor:
    """A position between rows: the row ``(date, pk)`` and which way to read from it."""

    date: datetime
    pk: int
    page: int
    backward: bool = False


@dataclass(frozen=True)
class TwilioPage:
    records: list
    meta: dict

    def body(self, rendered: list) -> dict:
        return {self.meta["key"]: rendered, "meta": self.meta}


def _whole_number(raw: str, *, name: str, low: int, high: int | None = None) -> int:
    limits = f"from {low} to {high}" if high is not None else f"{low} or more"
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None
    if value is None or value < low or (high is not None and value > high):
        raise ValidationError({name: f"Must be a whole number {limits}; got {raw[:40]!r}."})
    return value


class KeysetPaging:
    """Pages of a queryset ordered by ``date_field`` then primary key, both descending."""

    def __init__(self, *, key: str, date_field: str, token_salt: str) -> None:
        self.key = key
        self.date_field = date_field
        self.token_salt = token_salt

    def page(self, request, queryset: QuerySet, *, scope: str, query: list[tuple[str, str]]) -> TwilioPage:
        """One page for ``request``. ``scope`` (the account SID) salts the tokens; ``query``
        holds the filters as the client sent them, repeated in every link."""
        params = request.query_params
        page_size = _whole_number(
            params.get("PageSize", str(DEFAULT_PAGE_SIZE)), name="PageSize", low=1, high=MAX_PAGE_SIZE
        )
        if "Page" in params:
            _whole_number(params["Page"], name="Page", low=0)  # client state only: the token decides
        raw_token = params.get("PageToken")
        cursor = self._cursor_load(raw_token, scope) if raw_token else None
        records, more_before, more_after = self._read(queryset, cursor, page_size)
        page_number = cursor.page if cursor else 0

        base = request.build_absolute_uri(request.path)

        def link(page: int, token: str | None) -> str:
            pairs = [*query, ("PageSize", str(page_size)), ("Page", str(page))]
            if token:
                pairs.append(("PageToken", token))
            return f"{base}?{urlencode(pairs)}"

        previous_url = next_url = None
        if records and more_before:
            first = records[0]
            previous_url = link(
                max(page_number - 1, 0), self._cursor_dump(first, max(page_number - 1, 0), True, scope)
            )
        if records and more_after:
            next_url = link(page_number + 1, self._cursor_dump(records[-1], page_number + 1, False, scope))
        meta = {
            "page": page_number,
            "page_size": page_size,
            "first_page_url": link(0, None),
            "previous_page_url": previous_url,
            "url": link(page_number, raw_token),
            "next_page_url": next_url,
            "key": self.key,
        }
        return TwilioPage(records=records, meta=meta)

    def _read(self, queryset: QuerySet, cursor: Cursor | None, size: int) -> tuple[list, bool, bool]:
        date = self.date_field
        newest_first = (f"-{date}", "-pk")
        if cursor is None:
            rows = list(queryset.order_by(*newest_first)[: size + 1])
            return rows[:size], False, len(rows) > size
        # The redundant bound on the date alone makes each an index range; the OR by itself
        # is only a filter, read from the first row of the index on every page.
        older = Q(**{f"{date}__lte": cursor.date}) & (
            Q(**{f"{date}__lt": cursor.date}) | Q(**{date: cursor.date, "pk__lt": cursor.pk})
        )
        newer = Q(**{f"{date}__gte": cursor.date}) & (
            Q(**{f"{date}__gt": cursor.date}) | Q(**{date: cursor.date, "pk__gt": cursor.pk})
        )
        at_cursor = Q(**{date: cursor.date, "pk": cursor.pk})
        if cursor.backward:
            rows = list(queryset.filter(newer).order_by(date, "pk")[: size + 1])
            more_after = queryset.filter(older | at_cursor).exists()
            return list(reversed(rows[:size])), len(rows) > size, more_after
        rows = list(queryset.filter(older).order_by(*newest_first)[: size + 1])
        more_before = queryset.filter(newer | at_cursor).exists()
        return rows[:size], more_before, len(rows) > size

    def _salt(self, scope: str) -> str:
        return f"{self.token_salt}:{scope}"

    def _cursor_dump(self, row, page: int, backward: bool, scope: str) -> str:
        payload = {"d": getattr(row, self.date_field).isoformat(), "i": row.pk, "p": page, "b": backward}
        return signing.dumps(payload, salt=self._salt(scope), compress=False)

    def _cursor_load(self, raw: str, scope: str) -> Cursor:
        try:
            payload = signing.loads(raw, salt=self._salt(scope))
            cursor = Cursor(
                date=datetime.fromisoformat(payload["d"]),
                pk=int(payload["i"]),
                page=int(payload["p"]),
                backward=bool(payload["b"]),
            )
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError(
                {"PageToken": "Invalid page token; use the next_page_url or previous_page_url of a listing."}
            ) from None
        if cursor.page < 0:
            raise ValidationError({"PageToken": "Invalid page token."})
        return cursor
