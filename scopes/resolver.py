"""Map a request (method, host, path) to the one catalog permission it needs."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from scopes.catalog import ACTIONS, ALL_ACTIONS, PLACEHOLDER_RE, Catalog, Permission, get_catalog

# Twilio's 2010-04-01 API accepts Messages and Messages.json alike; its templates are stored without .json.
JSON_SUFFIX_HOSTS = frozenset({"api"})
JSON_SUFFIX = ".json"
# The catalog's hosts as Twilio names them: api.twilio.com, or regional api.dublin.ie1.twilio.com.
TWILIO_HOST_RE = re.compile(r"(?P<key>[a-z0-9-]+)(?:\.[a-z0-9-]+\.[a-z0-9-]+)?\.twilio\.com")
# The segment after "Accounts" names the account a Twilio-shaped path acts on.
ACCOUNTS_SEGMENT = "Accounts"


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    placeholder: _Node | None = None
    permission: Permission | None = None


class Resolver:
    """A segment trie per (method, host key), built once from a catalog.

    Lookup costs one dict probe per path segment; a literal segment beats a placeholder
    (`/v2/Flows/Validate` is not `/v2/Flows/{Sid}`), with backtracking when the literal
    branch dead-ends.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._roots: dict[tuple[str, str], _Node] = {}
        for permission in catalog:
            for endpoint in permission.endpoints:
                node = self._roots.setdefault((endpoint.method, endpoint.host), _Node())
                for segment in endpoint.path[1:].split("/"):
                    if PLACEHOLDER_RE.match(segment):
                        node.placeholder = node.placeholder or _Node()
                        node = node.placeholder
                    else:
                        node = node.literals.setdefault(segment, _Node())
                node.permission = permission
        self.hosts = frozenset(host for _, host in self._roots)

    def resolve(self, method: str, host: str | None, path: str) -> Permission | None:
        method = method.upper()
        if method == "HEAD":
            method = "GET"  # HEAD is a GET without the body (RFC 9110 §9.3.2)
        segments = _segments(path)
        if segments is None:
            return None
        if host is None:
            return self._resolve_any_host(method, segments)
        key = host_key(host)
        if key is None:
            return None
        return self._match(method, key, segments)

    def _resolve_any_host(self, method: str, segments: list[str]) -> Permission | None:
        # Without a host the same path may mean different things (/v1/Services on verify vs serverless):
        # answer only when every host agrees, so that ambiguity refuses rather than allows.
        found = {self._match(method, key, segments) for key in self.hosts}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def _match(self, method: str, key: str, segments: list[str]) -> Permission | None:
        root = self._roots.get((method, key))
        if root is None:
            return None
        if (
            key in JSON_SUFFIX_HOSTS
            and segments[-1].endswith(JSON_SUFFIX)
            and len(segments[-1]) > len(JSON_SUFFIX)
        ):
            segments = [*segments[:-1], segments[-1].removesuffix(JSON_SUFFIX)]
        return _walk(root, segments, 0)


def _walk(node: _Node, segments: list[str], index: int) -> Permission | None:
    if index == len(segments):
        return node.permission
    literal = node.literals.get(segments[index])
    if literal is not None:
        found = _walk(literal, segments, index + 1)
        if found is not None:
            return found
    if node.placeholder is not None:
        return _walk(node.placeholder, segments, index + 1)
    return None


def _segments(path: str) -> list[str] | None:
    """Split a request path; None for anything a proxy might read differently from us."""
    if "#" in path:
        # A request target has no fragment (RFC 9112 §3.2), yet nginx hands the upstream the
        # whole target, `#` and all: what follows may be read as path by the upstream.
        return None
    path = path.split("?", 1)[0]
    if not path.startswith("/"):
        return None
    if path.endswith("/") and len(path) > 1:
        path = path[:-1]
    segments = path[1:].split("/")
    # Empty, `.` and `..` segments (also percent-encoded, RFC 3986 §6.2.2.2) and encoded slashes are
    # normalised by some servers and not others: refuse them rather than guess what the upstream sees.
    # So are `;` parameters: servlet containers drop `;jsessionid=…` and read `..;` as `..`.
    # Each check holds after every further decoding too: a proxy that decodes once hands the
    # upstream `%2F` for `%252F`, which it may decode again.
    for segment in segments:
        decoded = _fully_decoded(segment)
        if decoded in ("", ".", "..") or any(char in decoded for char in "/\\;"):
            return None
    # `%4Dessages` is `Messages` to any server that normalises (RFC 3986 §6.2.2.2): match what
    # the upstream will route, so a literal route cannot be reached past its permission.
    return [_PERCENT_ENCODED.sub(_decode_unreserved, segment) for segment in segments]


def _fully_decoded(segment: str) -> str:
    """``segment`` percent-decoded until nothing changes. Decoding never removes a `/`, `\\`,
    `;` or `.`, so what this refuses, every stage on the way would have shown."""
    decoded = unquote(segment)
    while decoded != segment:  # each round shortens it: this ends
        segment, decoded = decoded, unquote(decoded)
    return decoded


_PERCENT_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _decode_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def host_key(host: str) -> str | None:
    """The catalog host key of a known host: a ``*.twilio.com`` host or one of the
    ``SCOPES_HOST_ALIASES``, with or without a port. None for any other host: the client
    chooses the Host header, so an unknown name must not choose the API (and its permission).
    One trailing dot (DNS's absolute form) is allowed; a port is digits."""
    host = host.strip().lower()
    if not host:
        return None
    aliases = _host_aliases()
    if host in aliases:
        return aliases[host]
    hostname = _strip_port(host)
    if hostname is None:
        return None
    hostname = hostname.removesuffix(".")
    if hostname in aliases:
        return aliases[hostname]
    twilio_host = TWILIO_HOST_RE.fullmatch(hostname)
    return twilio_host["key"] if twilio_host else None


def _strip_port(host: str) -> str | None:
    """``host`` without its port; None when what follows the colon is not a port."""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    if host.count(":") != 1:
        return host
    hostname, _, port = host.partition(":")
    return hostname if port.isascii() and port.isdigit() else None


def _host_aliases() -> dict[str, str]:
    # Read on every call so that override_settings works; scopes must import without Django settings.
    from django.conf import settings

    if not settings.configured:
        return {}
    aliases = getattr(settings, "SCOPES_HOST_ALIASES", {}) or {}
    return {name.lower(): key for name, key in aliases.items()}


@functools.cache
def _default_resolver() -> Resolver:
    return Resolver(get_catalog())


def required_permission(method: str, host: str | None, path: str) -> Permission | None:
    """The permission a request needs, or None when the catalog maps no permission to it (refuse it)."""
    return _default_resolver().resolve(method, host, path)


def path_account_sids(path: str) -> list[str] | None:
    """The account sids a Twilio-shaped path names (``/2010-04-01/Accounts/{AC…}/…``), read as
    the resolver reads the path; None for a path the resolver refuses."""
    segments = _segments(path)
    if segments is None:
        return None
    return [
        following.removesuffix(JSON_SUFFIX)
        for segment, following in zip(segments, segments[1:], strict=False)
        if segment == ACCOUNTS_SEGMENT
    ]


def grants(granted: Iterable[str], required: str) -> bool:
    """Whether the granted permissions include `required`, directly or through its resource's `*`."""
    granted = set(granted)
    if required in granted:
        return True
    resource, _, action = required.rpartition("/")
    return action in ACTIONS and f"{resource}/{ALL_ACTIONS}" in granted


def without_covered(names: Iterable[str]) -> list[str]:
    """``names`` in order, less each action whose resource's `*` is among them: `…/res/*`
    already holds `…/res/read`, so the action is neither stored, counted nor issued again."""
    names = list(names)
    present = set(names)
    return [name for name in names if not _covered_by_wildcard(name, present)]


def _covered_by_wildcard(name: str, present: set[str]) -> bool:
    resource, _, action = name.rpartition("/")
    return action != ALL_ACTIONS and f"{resource}/{ALL_ACTIONS}" in present


def effective_permissions(
    allow: Iterable[str], deny: Iterable[str], catalog: Catalog | None = None
) -> frozenset[str]:
    """The allowed permissions minus the denied ones; a deny always wins over a `*` allow."""
    catalog = get_catalog() if catalog is None else catalog
    result = set(allow)
    for denied in deny:
        resource, _, action = denied.rpartition("/")
        if action == ALL_ACTIONS:
            result = {name for name in result if name.rpartition("/")[0] != resource}
            continue
        wildcard = f"{resource}/{ALL_ACTIONS}"
        if wildcard in result:
            # Carve the denied action out of the wildcard by granting its siblings one by one.
            result.discard(wildcard)
            result.update(catalog.expand(wildcard))
        result.discard(denied)
    return frozenset(result)


def concrete_permissions(names: Iterable[str], catalog: Catalog | None = None) -> frozenset[str]:
    """The concrete catalog permissions ``names`` stand for, each `*` expanded to its actions:
    two sets of permissions compare only in this form (`…/*` holds `…/read`)."""
    catalog = get_catalog() if catalog is None else catalog
    return frozenset(concrete for name in names for concrete in catalog.expand(name))
