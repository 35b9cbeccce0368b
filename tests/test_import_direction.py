"""The apps import each other in one direction only (docs/architecture.md, "The apps").

``console`` is the ground floor and imports none of the apps above it; ``scopes`` stands
on ``console``; ``oauthapps`` on ``scopes`` and ``console``; ``audit`` on all of them. Above
them all, ``config`` (the Django project: settings, root URLs, WSGI) may import any app,
and no app imports ``config``: they read ``django.conf.settings``. A dotted string
(``include("oauthapps.urls")``, a settings entry) is not an import: the project's
configuration names the apps that way on purpose. The check reads the source with ``ast``,
so an import inside a function counts as much as one at the top of a module.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app -> the apps it must not import
FORBIDDEN = {
    "console": {"scopes", "oauthapps", "audit", "config"},
    "scopes": {"oauthapps", "audit", "config"},
    "oauthapps": {"audit", "config"},
    "audit": {"config"},
}


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def violations(app: str) -> set[tuple[str, str]]:
    found = set()
    for path in sorted((ROOT / app).rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for imported in imported_modules(path.read_text(encoding="utf-8")):
            if imported.split(".")[0] in FORBIDDEN[app]:
                found.add((module, imported))
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_nothing_above_it(app):
    assert violations(app) == set()


def test_the_check_sees_every_kind_of_import():
    source = (
        "import audit\n"
        "from oauthapps.models import X\n"
        "def f():\n"
        "    from scopes import catalog\n"
        "from . import y\n"
    )
    assert imported_modules(source) == {"audit", "oauthapps.models", "scopes"}
