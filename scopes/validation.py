"""Validation of the OAuth scopes an app asks for."""

from __future__ import annotations

from collections.abc import Iterable

from scopes.catalog import Catalog, get_catalog
from scopes.resolver import without_covered

# Twilio allows at most 100 permissions per OAuth app (and per restricted API key).
MAX_SCOPES = 100


class ScopeError(ValueError):
    """The scopes cannot be accepted; `invalid` lists the offending entries."""

    def __init__(self, message: str, invalid: list[str] | None = None) -> None:
        super().__init__(message)
        self.invalid = invalid or []


def validate_scopes(scopes: Iterable[str], catalog: Catalog | None = None) -> list[str]:
    """Normalise scopes (strip, drop blanks, repeats and actions their resource's `*` already
    holds, keep order) and check them against the catalog; the limit counts what remains."""
    if isinstance(scopes, str | bytes):
        # A bare string is iterable too; iterating it would check single characters.
        raise ScopeError("Pass OAuth scopes as a list of permissions, not a single string.", [str(scopes)])
    normalized: list[str] = []
    seen: set[str] = set()
    for scope in scopes:
        if not isinstance(scope, str):
            raise ScopeError(f"OAuth scopes must be strings; got {scope!r}.", [repr(scope)])
        scope = scope.strip()
        if scope and scope not in seen:
            seen.add(scope)
            normalized.append(scope)
    if not normalized:
        raise ScopeError("Select at least 1 OAuth scope.")
    # A hostile list of a million names is refused before the catalog lookups; a `*` can
    # shorten a list by at most the few actions of its resource.
    if len(normalized) > MAX_SCOPES * 10:
        raise ScopeError(f"Select at most {MAX_SCOPES} OAuth scopes; {len(normalized)} were given.")
    catalog = get_catalog() if catalog is None else catalog
    unknown = [scope for scope in normalized if catalog.get(scope) is None]
    if unknown:
        raise ScopeError(
            f"Unknown permissions: {', '.join(unknown)}. Pick permissions from the catalog.", unknown
        )
    normalized = without_covered(normalized)
    if len(normalized) > MAX_SCOPES:
        raise ScopeError(f"Select at most {MAX_SCOPES} OAuth scopes; {len(normalized)} were given.")
    return normalized
