"""Every use of Django's undocumented internals, in one place, for the versions in CHECKED_DJANGO.

Three measured wins need Django internals that its documentation does not promise:

- ``QuerySet._raw_delete``: one ``DELETE ... WHERE`` for a queryset, the fast path Django's
  own deletion collector takes when nothing cascades. ``QuerySet.delete()`` first loads
  every row as a model instance whenever another table points at the model: about a
  second per 5,000-row batch of expired tokens instead of 42-52 ms (docs/performance.md,
  "Cleaning up").
- ``health_check_done`` and ``close_if_health_check_failed`` on a database wrapper: the
  connection health check (``CONN_HEALTH_CHECKS``) that our PostgreSQL backend answers
  without a ``SELECT 1`` round trip when the socket is quiet (console/postgresql/base.py).

- ``Field.get_col``, ``DatabaseOperations.get_db_converters`` and ``Col.get_db_converters``:
  what the ORM does to each column it reads back (JSON text to lists, SQLite's naive
  datetimes to aware ones), for the client authentication's one SQL query
  (oauthapps/server/secret_check.py). The same lookup through the ORM cost about 1.2 ms
  of CPU more per call than the SQL and these converters (0.16 ms), measured in one run on
  SQLite, medians of six rounds of 500 calls: compiling a three-table queryset each time.
  The converters are remembered in the connection's ``__dict__``, so they go when it goes.

Django may rename or change any of these in a release without notice, so they are reached
only through the functions below, and tests/console/test_private_apis.py fails when the
installed Django is outside ``CHECKED_DJANGO`` or these attributes no longer behave as
relied on here: check them again, then widen the range.
"""

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet

# The Django releases whose internals below were read and tested: [low, high).
CHECKED_DJANGO = ((5, 2), (5, 3))


def raw_delete(queryset: QuerySet) -> int:
    """``DELETE`` the queryset's rows in one statement: no signals, no cascades, no
    ``SET_NULL`` handling (the caller has done what the relations need). Returns the count."""
    return queryset._raw_delete(queryset.db)


def health_check_pending(connection: BaseDatabaseWrapper) -> bool:
    """True until the connection has been checked in the current request."""
    return not connection.health_check_done


def mark_health_checked(connection: BaseDatabaseWrapper) -> None:
    """Record that the connection counts as checked for the current request, as Django's
    ``close_if_health_check_failed`` does after its ``SELECT 1``."""
    connection.health_check_done = True


# Kept on the connection they were made for: some are its bound methods, so a cache keyed
# by the connection (even weakly) kept every thread's connection alive.
CONVERTERS_ATTRIBUTE = "_console_orm_converters"


def _column_converters(
    connection: BaseDatabaseWrapper, model: type[Model], fields: tuple[Field, ...]
) -> tuple:
    remembered = connection.__dict__.setdefault(CONVERTERS_ATTRIBUTE, {})
    key = (model, fields)
    if key not in remembered:
        found = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                found.append((index, column, tuple(converters)))
        remembered[key] = tuple(found)
    return remembered[key]


def orm_converted(
    connection: BaseDatabaseWrapper, model: type[Model], fields: tuple[Field, ...], values: Sequence
) -> list:
    """``values``, one per field of ``fields`` as a cursor returned them, converted as the
    ORM converts what it reads back (ready for ``Model.from_db``)."""
    values = list(values)
    for index, column, converters in _column_converters(connection, model, fields):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return values
