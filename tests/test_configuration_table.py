"""docs/configuration.md lists every environment variable the product reads, and only those.

The code is read as text: every ``os.environ.get("X")``, ``os.environ["X"]``,
``os.getenv("X")``, ``os.environ.setdefault("X", …)`` and settings helper
(``_env_int("X", …)``, ``_env_bool``, ``_env_list``) in the product's packages, and every
``X ?=`` in the Makefile. A variable added without a row fails here, by name.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "configuration.md"
PRODUCT = ["config", "console", "oauthapps", "scopes", "audit"]
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|_env_\w+)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
MAKE_VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*\?=", re.MULTILINE)
TABLE_ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)


def variables_read_by(source: str) -> set[str]:
    return {first or second for first, second in ENV_READ.findall(source)}


def variables_in_code() -> dict[str, str]:
    """Each variable the product reads, with the first file that reads it."""
    found: dict[str, str] = {}
    files = [path for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))]
    for path in [ROOT / "manage.py", *files]:
        for name in sorted(variables_read_by(path.read_text(encoding="utf-8"))):
            found.setdefault(name, path.relative_to(ROOT).as_posix())
    for name in MAKE_VARIABLE.findall((ROOT / "Makefile").read_text(encoding="utf-8")):
        found.setdefault(name, "Makefile")
    return found


def variables_in_table() -> set[str]:
    return set(TABLE_ROW.findall(TABLE.read_text(encoding="utf-8")))


def test_every_variable_the_code_reads_has_a_row():
    missing = {name: where for name, where in variables_in_code().items() if name not in variables_in_table()}
    assert not missing, "\n".join(
        f"{name} (read in {where}) has no row in docs/configuration.md: add `{name}`, its default and meaning"
        for name, where in sorted(missing.items())
    )


def test_every_row_names_a_variable_the_code_reads():
    stale = variables_in_table() - set(variables_in_code())
    assert not stale, f"docs/configuration.md lists variables nothing reads any more: {sorted(stale)}"


def test_the_reader_sees_every_way_of_reading_the_environment():
    source = (
        'a = os.environ.get("ALPHA", "1")\n'
        "b = os.environ['BETA']\n"
        'c = _env_int("GAMMA", 3)\n'
        'd = _env_list(\n    "DELTA", [])\n'
        'os.environ.setdefault("EPSILON", "x")\n'
        'e = os.getenv("ZETA")\n'
        "f = settings.NOT_AN_ENV_READ\n"
    )
    assert variables_read_by(source) == {"ALPHA", "BETA", "GAMMA", "DELTA", "EPSILON", "ZETA"}
