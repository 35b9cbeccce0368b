"""The one rule for CSV cells a spreadsheet would run: every CSV download uses it."""

import unicodedata

# OWASP "CSV Injection": a spreadsheet runs a cell starting with one of these as a formula
# (an app named =HYPERLINK(…) would send data elsewhere when the file is opened).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """``value`` as a spreadsheet shows it literally: a leading quote before a formula.

    Spreadsheets also read full-width signs (``＝``) as formulas and skip invisible and
    space characters before them, so the first character that shows is what counts, after
    NFKC folds full-width forms to ASCII."""
    if isinstance(value, str) and _first_visible(value).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _first_visible(value: str) -> str:
    for index, character in enumerate(value):
        if character in "\t\r":
            return character
        if character.isspace() or unicodedata.category(character) in {"Cf", "Zs"}:
            continue
        return unicodedata.normalize("NFKC", value[index : index + 1])
    return ""
