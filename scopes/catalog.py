"""The permission catalog: per-area JSON data files, loaded and validated once."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
ACTIONS = ("read", "list", "create", "update", "delete")
ALL_ACTIONS = "*"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

PERMISSION_RE = re.compile(
    r"^/twilio/(?P<product>[a-z0-9-]+)/(?P<resource>[a-z0-9.-]+)/(?P<action>read|list|create|update|delete|\*)$"
)
HOST_RE = re.compile(r"^[a-z0-9-]+$")
PLACEHOLDER_RE = re.compile(r"^\{[A-Za-z][A-Za-z0-9]*\}$")
LITERAL_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._~-]+$")


class CatalogError(ValueError):
    """The catalog data is inconsistent; the message names the file and the fault."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    host: str
    path: str


@dataclass(frozen=True)
class Permission:
    name: str
    area: str
    resource: str
    action: str
    description: str
    derived: bool
    endpoints: tuple[Endpoint, ...]

    @property
    def is_wildcard(self) -> bool:
        return self.action == ALL_ACTIONS


@dataclass(frozen=True)
class ProductArea:
    key: str
    title: str
    host: str
    notes: str
    permissions: tuple[Permission, ...]
    # The permission prefix differs from the area key for Usage Records (/twilio/billing/).
    product: str = ""


@dataclass(frozen=True)
class Catalog:
    areas: dict[str, ProductArea]
    permissions: dict[str, Permission]

    def get(self, name: str) -> Permission | None:
        return self.permissions.get(name)

    def area_of(self, name: str) -> ProductArea | None:
        permission = self.permissions.get(name)
        return self.areas[permission.area] if permission else None

    def expand(self, name: str) -> tuple[str, ...]:
        """The concrete permissions a name stands for: a `*` gives its resource's catalog actions."""
        permission = self.permissions.get(name)
        if permission is None:
            return ()
        if not permission.is_wildcard:
            return (name,)
        return tuple(
            p.name
            for p in self.areas[permission.area].permissions
            if p.resource == permission.resource and not p.is_wildcard
        )

    def __iter__(self) -> Iterator[Permission]:
        return iter(self.permissions.values())

    def __len__(self) -> int:
        return len(self.permissions)


def template_key(path: str) -> str:
    """A path template with its placeholder names erased: two templates with one key overlap."""
    return "/".join("{}" if PLACEHOLDER_RE.match(s) else s for s in path.split("/"))


def check_template(path: object) -> str | None:
    """Say what is wrong with a path template, or None when it is well formed."""
    if not isinstance(path, str) or not path.startswith("/"):
        return "must be a string starting with '/'"
    if path.endswith(".json"):
        # The resolver strips .json from requests on the api host; a template carrying it would never match.
        return "must not end in .json (the resolver accepts requests with or without it)"
    for segment in path[1:].split("/"):
        if not segment:
            return "has an empty segment"
        if "{" in segment or "}" in segment:
            if not PLACEHOLDER_RE.match(segment):
                return f"segment {segment!r}: placeholders must be a whole segment like {{Sid}}"
        elif not LITERAL_SEGMENT_RE.match(segment):
            return f"segment {segment!r} has characters not allowed in a path"
    return None


def load_catalog(directory: Path | str = CATALOG_DIR) -> Catalog:
    """Read every `*.json` area file in `directory`; raise CatalogError on the first inconsistency."""
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise CatalogError(f"No catalog files (*.json) found in {directory}.")
    areas: dict[str, ProductArea] = {}
    permissions: dict[str, Permission] = {}
    owners: dict[tuple[str, str, str], str] = {}
    for file in files:
        area = _load_area(file)
        for permission in area.permissions:
            if permission.name in permissions:
                raise CatalogError(f"{file.name}: duplicate permission {permission.name}")
            permissions[permission.name] = permission
            for endpoint in permission.endpoints:
                key = (endpoint.method, endpoint.host, template_key(endpoint.path))
                if key in owners:
                    raise CatalogError(
                        f"{file.name}: {endpoint.method} {endpoint.host} {endpoint.path} of "
                        f"{permission.name} overlaps an endpoint of {owners[key]}"
                    )
                owners[key] = permission.name
        areas[area.key] = area
    return Catalog(areas=areas, permissions=permissions)


@functools.cache
def get_catalog() -> Catalog:
    """The product's catalog, loaded on first use and shared by the whole process."""
    return load_catalog(CATALOG_DIR)


def _load_area(file: Path) -> ProductArea:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{file.name}: cannot read JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{file.name}: top level must be an object")
    key = _text(data, "area", file)
    if key != file.stem:
        raise CatalogError(f"{file.name}: area {key!r} must match the file name {file.stem!r}")
    product = data.get("product", key)
    raw_permissions = data.get("permissions")
    if not isinstance(raw_permissions, list) or not raw_permissions:
        raise CatalogError(f"{file.name}: 'permissions' must be a non-empty list")
    permissions = tuple(_load_permission(item, key, product, file) for item in raw_permissions)
    _check_wildcards(permissions, file)
    return ProductArea(
        key=key,
        title=_text(data, "title", file),
        host=_host(data.get("host"), file),
        notes=str(data.get("notes", "")),
        permissions=permissions,
        product=product,
    )


def _load_permission(item: object, area: str, product: str, file: Path) -> Permission:
    if not isinstance(item, dict):
        raise CatalogError(f"{file.name}: each permission must be an object")
    name = _text(item, "permission", file)
    match = PERMISSION_RE.match(name)
    if not match:
        raise CatalogError(f"{file.name}: {name!r} is not /twilio/{{product}}/{{resource}}/{{action}}")
    if match["product"] != product:
        raise CatalogError(f"{file.name}: {name} must start with /twilio/{product}/")
    derived = item.get("derived", False)
    if not isinstance(derived, bool):
        raise CatalogError(f"{file.name}: {name}: 'derived' must be true or false")
    endpoints = tuple(_load_endpoint(raw, name, file) for raw in item.get("endpoints", []))
    if match["action"] == ALL_ACTIONS and endpoints:
        raise CatalogError(f"{file.name}: {name} grants its resource's actions and takes no endpoints")
    if match["action"] != ALL_ACTIONS and not endpoints:
        raise CatalogError(f"{file.name}: {name} needs at least one endpoint")
    return Permission(
        name=name,
        area=area,
        resource=match["resource"],
        action=match["action"],
        description=_text(item, "description", file),
        derived=derived,
        endpoints=endpoints,
    )


def _load_endpoint(raw: object, name: str, file: Path) -> Endpoint:
    if not isinstance(raw, dict):
        raise CatalogError(f"{file.name}: {name}: each endpoint must be an object")
    method = raw.get("method")
    if method not in METHODS:
        raise CatalogError(f"{file.name}: {name}: unknown method {method!r}; use one of {sorted(METHODS)}")
    path = raw.get("path")
    fault = check_template(path)
    if fault:
        raise CatalogError(f"{file.name}: {name}: path {path!r} {fault}")
    return Endpoint(method=method, host=_host(raw.get("host"), file), path=path)


def _check_wildcards(permissions: tuple[Permission, ...], file: Path) -> None:
    # A `*` must stand for concrete actions, or a deny of one of them could not be carved out of it.
    concrete = {p.resource for p in permissions if not p.is_wildcard}
    for permission in permissions:
        if permission.is_wildcard and permission.resource not in concrete:
            raise CatalogError(f"{file.name}: {permission.name} has no concrete actions in its area")


def _text(data: dict, field: str, file: Path) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{file.name}: {field!r} must be a non-empty string")
    return value


def _host(value: object, file: Path) -> str:
    if not isinstance(value, str) or not HOST_RE.match(value):
        raise CatalogError(
            f"{file.name}: host {value!r} must be the first DNS label of an API host, like 'api'"
        )
    return value
