"""Data inventories as CSV or XLSX: one dataset a row, in the contract's columns.

Used by ``POST /api/v1/checks/batch`` with ``text/csv`` and by ``registry check``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABEL = "dataset"
KNOWN_COLUMNS = (
    "dataset", "categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data",
    "cumulative_personal_info_subjects", "cumulative_sensitive_pi_subjects", "grounds",
)  # fmt: skip
RESULT_COLUMNS = (
    "article6_status",
    "outcome",
    "basis",
    "matched_items",
    "list_version",
    "receipt",
    "national_outcome",  # v1.1, after the contract's columns
    "errors",
)
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class InventoryRow:
    """One row as read: its line number in the file and its cells by column name."""

    line: int
    cells: dict[str, str]


class InventoryError(ValueError):
    """The file as a whole cannot be read (no header, missing required columns, not a sheet)."""


REQUIRED_COLUMNS = (
    "categories",
    "personal_info_subjects",
    "sensitive_pi_subjects",
    "important_data",
)


def _check_header(header: list[str]) -> list[str]:
    header = [(name or "").strip() for name in header]
    if not any(header):
        raise InventoryError("The file has no header row.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InventoryError(f"Missing columns: {', '.join(missing)}.")
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise InventoryError(f"Duplicate columns: {', '.join(duplicates)}.")
    return header


def read_csv_text(text: str) -> tuple[list[str], list[InventoryRow]]:
    """Parse CSV text (a leading BOM is dropped); return the header and the rows."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _check_header(next(reader))
    except StopIteration:
        raise InventoryError("The file is empty.") from None
    except csv.Error as error:
        raise InventoryError(f"Not valid CSV: {error}.") from None
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is no dataset
            padded = cells + [""] * (len(header) - len(cells))
            rows.append(
                InventoryRow(
                    reader.line_num,
                    {name: padded[i].strip() for i, name in enumerate(header) if name},
                )
            )
    except csv.Error as error:
        raise InventoryError(f"Not valid CSV at line {reader.line_num}: {error}.") from None
    return header, rows


def read_xlsx(path: Path) -> tuple[list[str], list[InventoryRow]]:
    """Read the first sheet of a workbook; the first row is the header."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise InventoryError(f"Not a readable XLSX workbook: {error}.") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = _check_header([str(v) if v is not None else "" for v in next(values)])
    except StopIteration:
        raise InventoryError("The sheet is empty.") from None
    rows = []
    for line, cells in enumerate(values, start=2):
        texts = ["" if v is None else _cell_text(v) for v in cells]
        if not any(texts):
            continue
        texts += [""] * (len(header) - len(texts))
        rows.append(InventoryRow(line, {name: texts[i] for i, name in enumerate(header) if name}))
    workbook.close()
    return header, rows


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_inventory(path: Path) -> tuple[list[str], list[InventoryRow]]:
    """Read a ``.csv`` or ``.xlsx`` inventory."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".csv":
        return read_csv_text(path.read_bytes().decode("utf-8-sig"))
    raise InventoryError("An inventory is a .csv or .xlsx file.")


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return text  # left as text: validation names it


def row_to_dataset(row: InventoryRow) -> dict[str, Any]:
    """Turn a row's cells into a batch dataset; an empty cell is a missing value."""
    cells = row.cells
    dataset: dict[str, Any] = {"label": cells.get(LABEL) or None}
    if cells.get("categories"):
        dataset["categories"] = [c.strip() for c in cells["categories"].split(";") if c.strip()]
    for column in ("personal_info_subjects", "sensitive_pi_subjects", "important_data"):
        if cells.get(column):
            dataset[column] = _value(cells[column])
    cumulative_pi = cells.get("cumulative_personal_info_subjects")
    cumulative_spi = cells.get("cumulative_sensitive_pi_subjects")
    if cumulative_pi or cumulative_spi:
        dataset["cumulative"] = {}
        if cumulative_pi:
            dataset["cumulative"]["personal_info_subjects"] = _value(cumulative_pi)
        if cumulative_spi:
            dataset["cumulative"]["sensitive_pi_subjects"] = _value(cumulative_spi)
    if cells.get("grounds"):
        dataset["grounds"] = [g.strip() for g in cells["grounds"].split(";") if g.strip()]
    # Every other column is a declared attribute; an empty cell leaves the figure unknown.
    attributes = {name: (_value(text) if text else None) for name, text in cells.items() if name not in KNOWN_COLUMNS}
    if attributes:
        dataset["attributes"] = attributes
    return dataset


def _flatten(errors: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list | tuple):
        for value in errors:
            yield from _flatten(value, prefix)
    else:
        yield f"{prefix}: {errors}" if prefix else str(errors)


def error_text(errors: Any) -> str:
    """Render nested validation errors on one line: ``personal_info_subjects: Missing data …``."""
    return "; ".join(_flatten(errors))


def result_cells(result: dict[str, Any]) -> dict[str, str]:
    """The result columns of one output row."""
    if result.get("outcome") == "invalid":
        return {name: "" for name in RESULT_COLUMNS} | {
            "outcome": "invalid",
            "errors": error_text(result["errors"]),
        }
    article6 = result["article6"]
    return {
        "article6_status": article6["status"],
        "outcome": result["outcome"],
        "basis": ";".join(result["basis"]),
        "matched_items": ";".join(article6["matched_items"]),
        "list_version": (article6.get("list") or {}).get("version", ""),
        "receipt": result.get("receipt", ""),
        "national_outcome": result.get("national_outcome", ""),
        "errors": "",
    }


def write_csv(header: Iterable[str], rows: Iterable[InventoryRow], results: Iterable[dict[str, Any]]) -> str:
    """Return the output CSV: the input columns followed by the result columns."""
    header = [name for name in header if name]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*header, *RESULT_COLUMNS])
    for row, result in zip(rows, results, strict=True):
        cells = result_cells(result)
        writer.writerow(
            [
                *(row.cells.get(name, "") for name in header),
                *(cells[name] for name in RESULT_COLUMNS),
            ]
        )
    return buffer.getvalue()


def write_inventory(path: Path, header: list[str], rows: list[InventoryRow], results: list[dict[str, Any]]) -> None:
    """Write results as ``.csv`` (UTF-8 with BOM, so spreadsheet programs read the Chinese) or ``.xlsx``."""
    text = write_csv(header, rows, results)
    if path.suffix.lower() == ".csv":
        path.write_text("\ufeff" + text, encoding="utf-8", newline="")
        return
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "results"
    for record in csv.reader(io.StringIO(text, newline="")):
        sheet.append(record)
    workbook.save(path)
