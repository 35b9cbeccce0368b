"""console/private_apis.py is pinned to the Django releases it was checked for: an upgrade
that moves or changes an internal it uses fails here, not in production."""

import inspect
from unittest import mock

import django
import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.signals import post_delete, pre_delete
from django.test.utils import CaptureQueriesContext

from console.models import Account
from console.private_apis import (
    CHECKED_DJANGO,
    health_check_pending,
    mark_health_checked,
    orm_converted,
    raw_delete,
)
from tests.factories import AccountFactory


def test_installed_django_is_a_release_the_internals_were_checked_for():
    low, high = CHECKED_DJANGO
    assert low <= django.VERSION[:2] < high, (
        f"Django {django.get_version()} is outside {CHECKED_DJANGO}: re-check console/private_apis.py"
    )


def test_raw_delete_is_the_querysets_private_method_taking_the_database_alias():
    assert list(inspect.signature(QuerySet._raw_delete).parameters) == ["self", "using"]
    assert QuerySet._raw_delete.alters_data is True


@pytest.mark.django_db
def test_raw_delete_deletes_the_querysets_rows_in_one_statement_without_signals():
    doomed = AccountFactory.create_batch(3)
    kept = AccountFactory()
    receiver = mock.Mock()
    pre_delete.connect(receiver, sender=Account, weak=False)
    post_delete.connect(receiver, sender=Account, weak=False)
    try:
        with CaptureQueriesContext(connection) as queries:
            count = raw_delete(Account.objects.filter(pk__in=[account.pk for account in doomed]))
    finally:
        pre_delete.disconnect(receiver, sender=Account)
        post_delete.disconnect(receiver, sender=Account)

    assert count == 3
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["DELETE"]
    assert receiver.call_count == 0
    assert list(Account.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_health_check_hook_and_flag_exist_on_every_backend():
    assert callable(BaseDatabaseWrapper.close_if_health_check_failed)
    assert list(inspect.signature(BaseDatabaseWrapper.close_if_health_check_failed).parameters) == ["self"]


@pytest.mark.django_db(transaction=True)
def test_django_resets_the_flag_per_request_and_its_check_sets_it():
    """The flag's life cycle our backend relies on: pending after the request-boundary
    clean-up, done after Django's own check, and our setter makes the check a no-op."""
    wrapper = connections["default"]
    wrapper.ensure_connection()
    # A connection kept across requests (CONN_MAX_AGE > 0, as in production): with the
    # development default of 0 the request boundary closes it instead of checking it.
    with (
        mock.patch.object(wrapper, "health_check_enabled", True),
        mock.patch.object(wrapper, "close_at", None),
    ):
        wrapper.close_if_unusable_or_obsolete()  # what request_started/finished run
        assert health_check_pending(wrapper)
        with mock.patch.object(wrapper, "is_usable", return_value=True) as is_usable:
            BaseDatabaseWrapper.close_if_health_check_failed(wrapper)
        assert is_usable.call_count == 1 and not health_check_pending(wrapper)

        wrapper.close_if_unusable_or_obsolete()
        mark_health_checked(wrapper)
        with mock.patch.object(wrapper, "is_usable", side_effect=AssertionError("round trip")):
            BaseDatabaseWrapper.close_if_health_check_failed(wrapper)
        assert wrapper.connection is not None


@pytest.mark.django_db
def test_orm_converted_gives_what_the_orm_reads_back():
    """What the client authentication's SQL reads (oauthapps/server/secret_check.py) becomes
    the ORM's values: the datetimes aware, the rest as the ORM loads it."""
    from console import private_apis

    account = AccountFactory()
    fields = tuple(Account._meta.concrete_fields)
    table = Account._meta.db_table
    columns = ", ".join(field.column for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [account.pk])  # noqa: S608
        row = cursor.fetchone()
    converted = orm_converted(connections["default"], Account, fields, row)
    loaded = Account.objects.get(pk=account.pk)
    assert converted == [getattr(loaded, field.attname) for field in fields]
    assert Account.from_db("default", [field.attname for field in fields], converted) == loaded
    # Remembered by the connection itself (tests/oauthapps/test_authentication_cache.py:
    # a finished thread's connection is freed with them).
    assert private_apis.CONVERTERS_ATTRIBUTE in connections["default"].__dict__
