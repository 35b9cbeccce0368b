"""Tests for OAuth scope validation."""

import pytest

from scopes.catalog import Catalog, get_catalog
from scopes.validation import MAX_SCOPES, ScopeError, validate_scopes

SEND = "/twilio/messaging/messages/create"
READ = "/twilio/messaging/messages/read"


def many_permissions(count):
    names = [p.name for p in get_catalog() if not p.is_wildcard][:count]  # no `*` holding others
    assert len(names) == count
    return names


def test_valid_scopes_are_returned_in_order():
    assert validate_scopes([SEND, READ]) == [SEND, READ]


def test_whitespace_blanks_and_repeats_are_dropped_keeping_first_seen_order():
    assert validate_scopes([f"  {READ} ", "", SEND, "   ", READ, SEND]) == [READ, SEND]


def test_any_iterable_is_accepted():
    assert validate_scopes(iter((READ,))) == [READ]


def test_wildcard_permissions_are_valid_scopes():
    assert validate_scopes(["/twilio/voice/calls/*"]) == ["/twilio/voice/calls/*"]


def test_at_least_one_scope_is_required():
    with pytest.raises(ScopeError, match="Select at least 1 OAuth scope."):
        validate_scopes(["", "  "])


def test_exactly_the_maximum_is_accepted():
    assert len(validate_scopes(many_permissions(MAX_SCOPES))) == MAX_SCOPES == 100


def test_more_than_the_maximum_is_refused_with_the_count():
    with pytest.raises(ScopeError) as caught:
        validate_scopes(many_permissions(103))
    assert str(caught.value) == "Select at most 100 OAuth scopes; 103 were given."


def test_repeats_do_not_count_towards_the_maximum():
    names = many_permissions(MAX_SCOPES)
    assert validate_scopes(names + names) == names


def test_unknown_permissions_are_named():
    with pytest.raises(ScopeError) as caught:
        validate_scopes([READ, "/twilio/foo/bar/read", "/twilio/x/y/z"])
    assert str(caught.value) == (
        "Unknown permissions: /twilio/foo/bar/read, /twilio/x/y/z. Pick permissions from the catalog."
    )
    assert caught.value.invalid == ["/twilio/foo/bar/read", "/twilio/x/y/z"]


def test_non_strings_are_refused():
    with pytest.raises(ScopeError, match="must be strings") as caught:
        validate_scopes([READ, 42])
    assert caught.value.invalid == ["42"]


def test_a_bare_string_is_refused_rather_than_read_letter_by_letter():
    with pytest.raises(ScopeError, match="list of permissions"):
        validate_scopes(READ)


def test_scope_error_is_a_value_error():
    assert issubclass(ScopeError, ValueError)
    assert ScopeError("x").invalid == []


def test_an_explicit_catalog_is_used_even_when_empty():
    with pytest.raises(ScopeError, match="Unknown permissions"):
        validate_scopes([READ], catalog=Catalog(areas={}, permissions={}))


def _wildcard_with_actions():
    catalog = get_catalog()
    wildcard = next(p.name for p in catalog if p.is_wildcard)
    return wildcard, list(catalog.expand(wildcard))


def test_a_wildcard_holds_its_actions_so_they_are_dropped_and_not_counted():
    wildcard, actions = _wildcard_with_actions()
    other = next(p.name for p in get_catalog() if not p.is_wildcard and p.name not in actions)
    assert validate_scopes([actions[0], wildcard, *actions[1:], other]) == [wildcard, other]


def test_the_maximum_counts_a_wildcard_once():
    wildcard, actions = _wildcard_with_actions()
    others = [name for name in many_permissions(150) if name not in actions][: MAX_SCOPES - 1]
    assert len(validate_scopes([*others, wildcard, *actions])) == MAX_SCOPES
