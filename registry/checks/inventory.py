"""Data inventories as CSV or XLSX: one dataset a row, in the contract's columns.

Used by ``POST /api/v1/checks/batch`` with ``text/csv`` and by ``registry check``, which read the
contract's columns and values exactly. The inventory page reads a company's own sheet as well
(:class:`SheetReading`): Chinese column titles, ``是``/``否``, ``12万``. An :class:`InventoryError`
carries a stable ``code`` and its ``params`` besides its English text, so a page can say it in the
reader's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from registry.cells import csv_text, xlsx_cell
from registry.figures import parse_count, parse_yes_no_word, split_codes
from registry.workbooks import UnsafeWorkbook, capped_rows, check_dimensions, open_workbook

LABEL = "dataset"
MAX_ROWS = 50_000  # the largest batch; callers pass their own cap
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
COUNT_COLUMNS = (
    "personal_info_subjects", "sensitive_pi_subjects",
    "cumulative_personal_info_subjects", "cumulative_sensitive_pi_subjects",
)  # fmt: skip
# Other titles of the columns, as companies write them: one table for reading and for the templates
# (the first Chinese title is the one the Chinese template uses). Matched ignoring case, spaces,
# underscores and a trailing note in brackets: "个人信息人数（人）" is personal_info_subjects.
COLUMN_TITLES: dict[str, tuple[str, ...]] = {
    "dataset": ("数据名称", "数据项名称", "数据项", "数据集名称"),
    "categories": ("数据类别", "类别", "类别代码", "数据类别代码"),
    "personal_info_subjects": ("个人信息人数", "个人信息涉及人数", "个人信息主体人数", "涉及个人信息人数"),
    "sensitive_pi_subjects": (
        "敏感个人信息人数", "敏感个人信息涉及人数", "敏感个人信息主体人数", "涉及敏感个人信息人数",
    ),
    "important_data": ("是否重要数据", "是否包含重要数据", "是否含重要数据", "重要数据"),
    "cumulative_personal_info_subjects": (
        "当年累计个人信息人数", "本年度累计个人信息人数", "累计个人信息人数", "当年1月1日起累计个人信息人数",
    ),
    "cumulative_sensitive_pi_subjects": (
        "当年累计敏感个人信息人数", "本年度累计敏感个人信息人数", "累计敏感个人信息人数",
        "当年1月1日起累计敏感个人信息人数",
    ),
    "grounds": ("豁免情形", "适用情形", "第三条至第五条情形", "情形"),
}  # fmt: skip
_TRAILING_NOTE = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class InventoryRow:
    """One row as read: its line number in the file and its cells by column name."""

    line: int
    cells: dict[str, str]


class InventoryError(ValueError):
    """The file as a whole cannot be read (no header, missing required columns, not a sheet).

    ``str(error)`` is the English text the API and the CLI show; ``code`` and ``params`` let a page
    say the same in its reader's language.
    """

    def __init__(self, message: str, code: str = "unreadable", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def title_key(title: str) -> str:
    """A column title as it is compared: no case, spaces, underscores, hyphens or trailing note."""
    title = _TRAILING_NOTE.sub("", title.strip())
    return re.sub(r"[\s_\-]+", "", title).casefold()


@dataclass(frozen=True)
class SheetReading:
    """How the inventory page reads a company's own sheet, beyond the contract's exact columns.

    ``titles`` adds column titles (a list's attribute labels) to :data:`COLUMN_TITLES`; ``grounds``
    maps a ground's name to its code; ``cumulative`` holds the year-to-date totals given once on the
    form, used for every row that leaves its own blank.
    """

    titles: Mapping[str, str] = field(default_factory=dict)
    grounds: Mapping[str, str] = field(default_factory=dict)
    cumulative: Mapping[str, int] = field(default_factory=dict)

    def column_for(self, title: str) -> str:
        """The column a title names; a title it does not know stays as written (an attribute)."""
        key = title_key(title)
        return _KNOWN_TITLES.get(key) or {title_key(t): c for t, c in self.titles.items()}.get(key) or title


@dataclass(frozen=True)
class Table:
    """An inventory as read: the columns (contract names), their titles as written, and the rows."""

    header: list[str]
    written: list[str]
    rows: list[InventoryRow]


REQUIRED_COLUMNS = (
    "categories",
    "personal_info_subjects",
    "sensitive_pi_subjects",
    "important_data",
)


def _check_header(written: list[str], reading: SheetReading | None = None) -> tuple[list[str], list[str]]:
    """Return the header by contract names and as written; refuse one without the required columns."""
    written = [(name or "").strip() for name in written]
    if not any(written):
        raise InventoryError("The file has no header row.", "no_header")
    header = [reading.column_for(name) if reading and name else name for name in written]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InventoryError(f"Missing columns: {', '.join(missing)}.", "missing_columns", columns=missing)
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        titles = [title for name in duplicates for title, column in zip(written, header, strict=True) if column == name]
        raise InventoryError(f"Duplicate columns: {', '.join(titles)}.", "duplicate_columns", columns=titles)
    return header, written


def read_csv_text(text: str, max_rows: int = MAX_ROWS) -> tuple[list[str], list[InventoryRow]]:
    """Parse CSV text (a leading BOM is dropped); return the header and the rows.

    :raise InventoryError: more than ``max_rows`` lines under the header (blank lines count too).
    """
    table = read_csv_table(text, max_rows)
    return table.header, table.rows


def read_csv_table(text: str, max_rows: int = MAX_ROWS, reading: SheetReading | None = None) -> Table:
    """Parse CSV text (a leading BOM is dropped), with a company's own titles when ``reading`` is given.

    :raise InventoryError: not CSV, no usable header, or more than ``max_rows`` lines under the header.
    """
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header, written = _check_header(next(reader), reading)
    except StopIteration:
        raise InventoryError("The file is empty.", "empty") from None
    except csv.Error as error:
        raise InventoryError(f"Not valid CSV: {error}.", "not_csv", line=1) from None
    rows = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number > max_rows:
                raise _too_many(max_rows)
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
        line = reader.line_num
        raise InventoryError(f"Not valid CSV at line {line}: {error}.", "not_csv", line=line) from None
    return Table(header, written, rows)


def read_xlsx(path: Path | IO[bytes], max_rows: int = MAX_ROWS) -> tuple[list[str], list[InventoryRow]]:
    """Read the first sheet of a workbook; the first row is the header.

    The archive is checked before it is parsed and rows are streamed (``registry.workbooks``).

    :raise InventoryError: not a workbook, refused as a bomb, or more than ``max_rows`` rows under
        the header (empty rows count too).
    """
    table = read_xlsx_table(path, max_rows)
    return table.header, table.rows


def read_xlsx_table(path: Path | IO[bytes], max_rows: int = MAX_ROWS, reading: SheetReading | None = None) -> Table:
    """Read the first sheet of a workbook as :func:`read_xlsx` does, with a company's own titles.

    :raise InventoryError: as :func:`read_xlsx`.
    """
    try:
        workbook = open_workbook(path)
    except UnsafeWorkbook as error:
        raise InventoryError(str(error), "unsafe_workbook") from None
    try:
        if not workbook.worksheets:
            raise InventoryError("The workbook has no sheet.", "no_sheet")
        sheet = workbook.worksheets[0]
        try:
            check_dimensions(sheet, max_rows)
        except UnsafeWorkbook as error:
            code = "too_many_rows" if _declared_rows(sheet) > max_rows + 1 else "unsafe_workbook"
            raise InventoryError(str(error), code, max_rows=max_rows) from None
        values = capped_rows(sheet, max_rows + 1)
        try:
            _number, first = next(values)
        except StopIteration:
            raise InventoryError("The sheet is empty.", "empty") from None
        header, written = _check_header([str(v) if v is not None else "" for v in first], reading)
        rows = []
        for line, cells in _rows_within(values, max_rows):
            texts = ["" if v is None else _cell_text(v) for v in cells]
            if not any(texts):
                continue
            texts += [""] * (len(header) - len(texts))
            rows.append(InventoryRow(line, {name: texts[i] for i, name in enumerate(header) if name}))
    except UnsafeWorkbook as error:
        raise InventoryError(str(error), "unsafe_workbook") from None
    except InventoryError:
        raise
    except Exception as error:  # a damaged sheet: openpyxl raises many kinds
        raise InventoryError(f"Cannot read the sheet ({error}).", "unreadable") from None
    finally:
        workbook.close()
    return Table(header, written, rows)


def _declared_rows(sheet: Any) -> int:
    try:
        return int(sheet.max_row or 0)
    except Exception:  # no or a malformed dimension: the row cap still holds while streaming
        return 0


def _rows_within(values: Iterator[tuple[int, Any]], max_rows: int) -> Iterator[tuple[int, Any]]:
    """The streamed rows; going past the cap is "too many rows", whatever the sheet declared."""
    line = 1
    try:
        for line, cells in values:
            yield line, cells
    except UnsafeWorkbook as error:
        if line >= max_rows + 1:
            raise InventoryError(str(error), "too_many_rows", max_rows=max_rows) from None
        raise


def _too_many(max_rows: int) -> InventoryError:
    return InventoryError(
        f"Too many rows: at most {max_rows:,} datasets are checked at once (blank lines count too).",
        "too_many_rows",
        max_rows=max_rows,
    )


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
    raise InventoryError("An inventory is a .csv or .xlsx file.", "not_inventory_file")


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return text  # left as text: validation names it


def _figure(text: str) -> Any:
    """A company's figure: 是/否 and the like as true/false, 12万 or 120,000 as a number (-5 too)."""
    answer = parse_yes_no_word(text)
    if isinstance(answer, bool):
        return answer
    sign, digits = (-1, text.strip()[1:]) if text.strip().startswith("-") else (1, text)
    value = parse_count(digits)
    return sign * value if isinstance(value, int | float) else text.strip()


def _ground_codes(text: str, names: Mapping[str, str]) -> list[str]:
    """Grounds by code or by name; a name may hold commas, so parts are first split at semicolons."""
    codes: list[str] = []
    for part in re.split(r"[;；\n]+", text):
        part = part.strip()
        if part in names or part.casefold() in names:
            codes.append(names.get(part) or names[part.casefold()])
        else:
            codes += [names.get(code, code) for code in split_codes(part)]
    return codes


def row_to_dataset(row: InventoryRow, reading: SheetReading | None = None) -> dict[str, Any]:
    """Turn a row's cells into a batch dataset; an empty cell is a missing value.

    Without ``reading`` the cells are read as the contract writes them (API, CLI); with it, as a
    company writes them (:class:`SheetReading`).
    """
    if reading is not None:
        return _company_row_to_dataset(row, reading)
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


def _company_row_to_dataset(row: InventoryRow, reading: SheetReading) -> dict[str, Any]:
    cells = row.cells
    dataset: dict[str, Any] = {"label": cells.get(LABEL) or None}
    if cells.get("categories"):
        dataset["categories"] = split_codes(cells["categories"])
    for column in ("personal_info_subjects", "sensitive_pi_subjects"):
        if cells.get(column):
            dataset[column] = parse_count(cells[column])
    if cells.get("important_data"):
        dataset["important_data"] = parse_yes_no_word(cells["important_data"])
    cumulative = {}
    for name in ("personal_info_subjects", "sensitive_pi_subjects"):
        text = cells.get(f"cumulative_{name}")
        if text:
            cumulative[name] = parse_count(text)
        elif name in reading.cumulative:
            cumulative[name] = reading.cumulative[name]  # the year's totals, given once on the form
    if cumulative:
        dataset["cumulative"] = cumulative
    if cells.get("grounds"):
        dataset["grounds"] = _ground_codes(cells["grounds"], reading.grounds)
    attributes = {name: (_figure(text) if text else None) for name, text in cells.items() if name not in KNOWN_COLUMNS}
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


def _output_rows(
    header: Iterable[str], rows: Iterable[InventoryRow], results: Iterable[dict[str, Any]]
) -> Iterator[list[str]]:
    """The output's rows as text: the header, then each row's input cells and its result cells."""
    header = [name for name in header if name]
    yield [*header, *RESULT_COLUMNS]
    for row, result in zip(rows, results, strict=True):
        cells = result_cells(result)
        yield [*(row.cells.get(name, "") for name in header), *(cells[name] for name in RESULT_COLUMNS)]


def write_csv(header: Iterable[str], rows: Iterable[InventoryRow], results: Iterable[dict[str, Any]]) -> str:
    """Return the output CSV: the input columns followed by the result columns.

    A number stays as written; other text that a spreadsheet would run as a formula is escaped as
    in the list exports (:func:`registry.cells.csv_text`).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for record in _output_rows(header, rows, results):
        writer.writerow([text if _is_number(text) else csv_text(text) for text in record])
    return buffer.getvalue()


def write_xlsx(path: Path, header: list[str], rows: list[InventoryRow], results: list[dict[str, Any]]) -> None:
    """Write the output as a workbook: numbers as numbers, all other cells as text (never formulas)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    for record in _output_rows(header, rows, results):
        sheet.append([_number(text) if _is_number(text) else xlsx_cell(sheet, text) for text in record])
    workbook.save(path)


def _is_number(text: str) -> bool:
    # Up to 15 digits, no leading zero: what a spreadsheet shows as written (an ID such as 007 stays text).
    digits = text.lstrip("-")
    if _NUMBER.fullmatch(text) is None or len(digits.replace(".", "")) > 15:
        return False
    return not (digits.startswith("0") and len(digits) > 1 and digits[1] != ".")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def write_inventory(path: Path, header: list[str], rows: list[InventoryRow], results: list[dict[str, Any]]) -> None:
    """Write results as ``.csv`` (UTF-8 with BOM, so spreadsheet programs read the Chinese) or ``.xlsx``."""
    if path.suffix.lower() == ".csv":
        path.write_text("\ufeff" + write_csv(header, rows, results), encoding="utf-8", newline="")
        return
    write_xlsx(path, header, rows, results)


_KNOWN_TITLES = {title_key(title): column for column, titles in COLUMN_TITLES.items() for title in titles} | {
    title_key(column): column for column in KNOWN_COLUMNS
}
