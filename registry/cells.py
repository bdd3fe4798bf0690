"""Cells of the spreadsheets the registry writes: text never becomes a live formula.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after a TAB or
a carriage return) as a formula: a list's item name or an inventory's dataset label must not. CSV
cells get a leading apostrophe, which spreadsheet programs show as text and imports remove again;
XLSX cells are typed as text. Used by the list exports (:mod:`registry.lists.spreadsheet`) and the
inventory results (:mod:`registry.checks.inventory`, also behind ``registry check -o``).
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import WriteOnlyCell

# Already escaped text is escaped again (one more apostrophe), so unescaping gives it back exactly.
_FORMULA_START = re.compile(r"'*[\t\r]*[=+\-@]")
_ESCAPED_FORMULA = re.compile(r"'+[\t\r]*[=+\-@]")
# Control characters an XLSX file cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_text(value: Any) -> str:
    """A value as a CSV cell: None as empty, text that a spreadsheet would run as a formula escaped."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if _FORMULA_START.match(text) else text


def unescape_csv_text(text: str) -> str:
    """Undo :func:`csv_text`'s escaping."""
    return text[1:] if _ESCAPED_FORMULA.match(text) else text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value for a write-only sheet's row: text as a text cell (never a formula), anything else as is."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, _XLSX_ILLEGAL.sub("", value))
    cell.data_type = "s"  # text, whatever it starts with
    return cell
