"""The project stands alone: every Markdown file its code, tests and docs cite is in it.

A citation of a design note kept outside the repository reads as an explanation to the
author and as a dead end to everyone else; the design and its reasons live in ``docs/``.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".venv", ".git", "node_modules", "bench-results", "artifacts", "static"}
TEXT_SUFFIXES = {".py", ".md", ".html", ".json", ".toml", ".conf", ".txt", ".cfg", ".yml", ".yaml"}
CITATION = re.compile(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b")
# Written by `make bench` into bench-results/<run>/, not part of the source tree.
GENERATED = {"query-plans.md", "audit-query-plans.md"}


def text_files():
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path == Path(__file__).resolve():
            continue  # its own example below cites a file that is not here, on purpose
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            yield path


def resolves(citation: str, cited_from: Path) -> bool:
    if Path(citation).name in GENERATED:
        return True
    candidates = (cited_from.parent / citation, ROOT / citation.lstrip("/"), ROOT / "docs" / citation)
    return any(candidate.is_file() for candidate in candidates)


def test_every_cited_markdown_file_is_in_the_repository():
    dangling = []
    for path in text_files():
        for citation in set(CITATION.findall(path.read_text(encoding="utf-8", errors="replace"))):
            if not resolves(citation, path):
                dangling.append(f"{path.relative_to(ROOT)} cites {citation}")
    assert dangling == []


def test_the_check_catches_a_citation_from_outside(tmp_path):
    note = tmp_path / "module.py"
    note.write_text("# the rule (DESIGN.md, contracts); see docs/architecture.md\n")
    citations = CITATION.findall(note.read_text())
    assert citations == ["DESIGN.md", "docs/architecture.md"]
    assert not resolves("DESIGN.md", note)
    assert resolves("docs/architecture.md", note)
