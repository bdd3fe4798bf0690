"""A list version as an XLSX workbook or a CSV file, in the layout the zones publish their lists.

The zones print their lists as tables: sector (领域) → business scenario (场景) → data category →
data items, each with its level (级别), management requirement (管理要求) and thresholds. One row per
item here, with the names of its category path for human readers and the category code that counts.

Workbook sheets: ``清单 items`` (the items), ``类别 categories`` (every declared category, so one
without items survives), ``属性 attributes`` and ``说明 list`` (key/value: version, title, scope,
clauses; zone, status, digest and dates are informational and ignored on import). A CSV file is
the items table preceded by ``# key: value`` lines for the rest.

Importing never validates by itself: it assembles the content, runs the app's own
``ListVersionCreateSchema`` and maps each error back to the sheet, row and column it came from.
Pure functions: no Flask, no database.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import PurePath
from typing import Any

from marshmallow import ValidationError
from openpyxl.utils import get_column_letter

from registry.cells import csv_text, unescape_csv_text, xlsx_cell
from registry.lists.conditions import format_conditions, parse_condition, split_conditions
from registry.lists.labels import LEVELS, MECHANISMS, STATUSES, Label, chinese
from registry.lists.schemas import CATEGORY_PATTERN, ListVersionCreateSchema
from registry.messages import Message
from registry.workbooks import UnsafeWorkbook, capped_rows, check_dimensions, open_workbook

MAX_ITEMS = 20_000
# Lines or rows read from one sheet or CSV file, empty ones included (headers and notes fit easily).
MAX_SHEET_ROWS = MAX_ITEMS + 1_000

LEVEL_LABELS = chinese(LEVELS)
MECHANISM_LABELS = chinese(MECHANISMS)
# The cells whose values come from the one table of labels: each accepts the Chinese label, the
# English label (as the English pages' forms show them) or the code.
LABELLED_CELLS: dict[str, dict[str, Label]] = {"level": LEVELS, "mechanism": MECHANISMS}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an imported file: where (as the spreadsheet shows it) and what.

    ``message`` is the whole English text after the place. For the pages, ``reason`` is the
    :class:`registry.messages.Message` itself (English, with a code), ``context`` what in the cell
    or line it is about (a key as the file writes it, a field), ``condition`` which condition of
    a conditions cell (1, 2, …); ``message`` is made of them.
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    reason: str | None = None
    context: tuple[str, ...] = ()
    condition: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (self.sheet, f"row {self.row}" if self.row else "", self.column or "") if part
        )
        return f"{where}: {self.message}"

    def as_message(self) -> Message:
        """The problem as one message of an import's answer: the text above, its parts for pages."""
        return Message(
            str(self), "file_problem", sheet=self.sheet, row=self.row, column=self.column, context=self.context,
            condition=self.condition, problem=self.message if self.reason is None else self.reason,
        )  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    """The content read from a file (None if there is any problem) and every problem found."""

    content: dict[str, Any] | None
    problems: list[Problem]


@dataclass(frozen=True)
class _Column:
    key: str
    zh: str
    en: str
    required: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


ITEM_COLUMNS = (
    _Column("sector", "领域", "sector"),
    _Column("scenario", "场景", "scenario"),
    _Column("category_name", "数据类别", "category"),
    _Column("category", "类别代码", "category code", required=True),
    _Column("code", "编号", "code", required=True),
    _Column("name_zh", "数据项", "item", required=True),
    _Column("name_en", "英文名称", "name (en)"),
    _Column("description", "描述", "description"),
    _Column("level", "级别", "level", required=True),
    _Column("mechanism", "管理要求", "mechanism", required=True),
    _Column("conditions", "触发条件", "conditions"),
)
CATEGORY_COLUMNS = (
    _Column("code", "代码", "code", required=True),
    _Column("name_zh", "中文名称", "name_zh", required=True),
    _Column("name_en", "英文名称", "name_en"),
)
ATTRIBUTE_COLUMNS = (
    _Column("name", "名称", "name", required=True),
    _Column("type", "类型", "type"),
    _Column("label_zh", "中文标签", "label_zh"),
    _Column("label_en", "英文标签", "label_en"),
)
LIST_COLUMNS = (_Column("key", "项目", "key", required=True), _Column("value", "内容", "value", required=True))

# Keys of the 说明 list sheet and of the CSV's `#` lines; the informational ones are skipped on import.
LIST_KEYS = (
    _Column("zone", "自贸试验区", "zone"),
    _Column("version", "版本", "version"),
    _Column("status", "状态", "status"),
    _Column("effective_from", "生效日期", "effective_from"),
    _Column("revoked_on", "废止日期", "revoked_on"),
    _Column("digest", "摘要", "digest"),
    _Column("title", "标题", "title"),
    _Column("scope", "适用范围", "scope"),
    _Column("excludes_ciio", "关键信息基础设施运营者不适用", "excludes_ciio"),
    _Column("items_complete", "条目完整", "items_complete"),
    _Column("scope_complete", "适用范围完整", "scope_complete"),
)
INFORMATIONAL_KEYS = ("zone", "status", "effective_from", "revoked_on", "digest")
CSV_KEYS = (*LIST_KEYS, _Column("category", "类别", "category"), _Column("attribute", "属性", "attribute"))

ITEMS_SHEET = _Column("items", "清单", "items")
CATEGORIES_SHEET = _Column("categories", "类别", "categories")
ATTRIBUTES_SHEET = _Column("attributes", "属性", "attributes")
LIST_SHEET = _Column("list", "说明", "list")
SHEETS = (ITEMS_SHEET, CATEGORIES_SHEET, ATTRIBUTES_SHEET, LIST_SHEET)

_BY_KEY = {column.key: column for column in ITEM_COLUMNS}
# Which names column holds a category of a given depth (1 = sector, 2 = scenario, 3+ = the leaf).
_NAME_COLUMNS = ("sector", "scenario", "category_name")
_CATEGORY_CODE = re.compile(CATEGORY_PATTERN)
# Spreadsheet programs run a CSV cell starting with one of these as a formula: quote it with "'".
_ZIP_MAGIC = b"PK\x03\x04"


# --- export -----------------------------------------------------------------------------------


def export_xlsx(version: Mapping[str, Any]) -> bytes:
    """Return ``version`` as an XLSX workbook (sheets 清单 items, 类别 categories, 属性 attributes, 说明 list)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # streams the rows: a list may hold 20,000 items
    _write_sheet(workbook.create_sheet(ITEMS_SHEET.header), ITEM_COLUMNS, _item_rows(version))
    _write_sheet(workbook.create_sheet(CATEGORIES_SHEET.header), CATEGORY_COLUMNS, _category_rows(version))
    _write_sheet(workbook.create_sheet(ATTRIBUTES_SHEET.header), ATTRIBUTE_COLUMNS, _attribute_rows(version))
    list_rows = [[_LIST_KEY[key].header, value] for key, value in _list_values(version, boolean=_yes_no)]
    _write_sheet(workbook.create_sheet(LIST_SHEET.header), LIST_COLUMNS, list_rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_csv(version: Mapping[str, Any]) -> str:
    """Return ``version`` as CSV text (with a BOM, so spreadsheet programs read the Chinese).

    ``# key: value`` lines first (list facts, one ``# category:`` line per declared category, one
    ``# attribute:`` line per attribute), then the items table with the columns of ``清单 items``.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for key, value in _list_values(version, boolean=_true_false):
        writer.writerow([f"# {key}: {value}"])
    for row in _category_rows(version):
        writer.writerow([f"# category: {_join_pipes(row)}"])
    for row in _attribute_rows(version):
        writer.writerow([f"# attribute: {_join_pipes(row)}"])
    writer.writerow([column.header for column in ITEM_COLUMNS])
    for row in _item_rows(version):
        writer.writerow([csv_text(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def _list_values(version: Mapping[str, Any], boolean: Callable[[Any], str]) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for column in LIST_KEYS:
        key = column.key
        if key == "scope":
            values.append((key, "; ".join(str(code) for code in version.get("scope") or [])))
        elif key in ("excludes_ciio", "items_complete", "scope_complete"):
            values.append((key, boolean(version.get(key, True))))
        elif key == "status" and version.get(key) in STATUSES:
            values.append((key, STATUSES[version[key]].zh))  # the labels' table, as for levels
        elif version.get(key) is not None:
            values.append((key, str(version[key])))
    return values


def _yes_no(value: Any) -> str:
    return {True: "是", False: "否"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def _true_false(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _category_rows(version: Mapping[str, Any]) -> list[list[Any]]:
    return [[c.get("code"), c.get("name_zh"), c.get("name_en")] for c in version.get("categories") or []]


def _attribute_rows(version: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [a.get("name"), a.get("type", "integer"), a.get("label_zh"), a.get("label_en")]
        for a in version.get("attributes") or []
    ]


def _item_rows(version: Mapping[str, Any]) -> list[list[Any]]:
    names = {c.get("code"): c.get("name_zh") for c in version.get("categories") or []}
    rows = []
    for item in version.get("items") or []:
        path_names = dict.fromkeys(_NAME_COLUMNS)
        code = item.get("category")
        if isinstance(code, str) and code:
            parts = code.split(".")
            for depth in range(1, len(parts) + 1):
                column = _name_column(depth, len(parts))
                if column:
                    path_names[column] = names.get(".".join(parts[:depth]))
        cells = {
            **path_names,
            "category": code,
            "code": item.get("code"),
            "name_zh": item.get("name_zh"),
            "name_en": item.get("name_en"),
            "description": item.get("description"),
            "level": LEVEL_LABELS.get(item.get("level"), item.get("level")),
            "mechanism": MECHANISM_LABELS.get(item.get("mechanism"), item.get("mechanism")),
            "conditions": format_conditions(item.get("conditions") or []) or None,
        }
        rows.append([cells[column.key] for column in ITEM_COLUMNS])
    return rows


def _name_column(depth: int, leaf_depth: int) -> str | None:
    """The names column of a category at ``depth`` on the path of a leaf at ``leaf_depth``."""
    if depth <= 2:
        return _NAME_COLUMNS[depth - 1]
    return "category_name" if depth == leaf_depth else None


def _join_pipes(values: list[Any]) -> str:
    texts = ["" if v is None else str(v).replace("\\", "\\\\").replace("|", "\\|") for v in values]
    while texts and not texts[-1]:
        texts.pop()
    return " | ".join(texts)


def _write_sheet(sheet: Any, columns: tuple[_Column, ...], rows: list[list[Any]]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    widths = [_width(column.header) for column in columns]
    for row in rows:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], _width(str(value)))
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])


def _width(text: str) -> int:
    # Columns are capped at 60 wide: the first lines' first characters decide (CJK counts double).
    return max(sum(2 if ord(char) > 0x2E7F else 1 for char in line) for line in text[:120].split("\n"))


# --- import -----------------------------------------------------------------------------------


def import_spreadsheet(data: bytes, filename: str) -> ImportResult:
    """Read a list version from an XLSX workbook or a CSV file.

    Returns the content ready for ``ListVersionCreateSchema().load({"version": ..., **content})``
    (with ``version`` too if the file names one), or None with every problem found: sheet, row as
    the spreadsheet shows it, column header and message.
    """
    name = PurePath(filename or "").name
    suffix = PurePath(name).suffix.lower()
    importer = _Importer(name)
    if data.startswith(_ZIP_MAGIC) or suffix in (".xlsx", ".xlsm", ".xls"):
        importer.read_xlsx(data)
    else:
        importer.read_csv(data)
    return importer.result()


@dataclass(frozen=True)
class _Source:
    """Where a piece of content came from, to place the validator's errors."""

    sheet: str
    row: int | None
    column: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    label: str | None = None


@dataclass(frozen=True)
class _Row:
    number: int
    cells: dict[str, Any]


class _Importer:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.structural = False  # a problem that makes the content's own errors meaningless
        self.is_csv = False
        self.list_sheet = LIST_SHEET.header
        self.meta: dict[str, tuple[Any, _Source]] = {}
        self.categories: list[tuple[dict[str, Any], _Source]] | None = None  # None: not declared
        self.attributes: list[tuple[dict[str, Any], _Source]] = []
        self.items_sheet = ITEMS_SHEET.header
        self.item_rows: list[_Row] = []
        self.sheet_order: list[str] = []

    def problem(
        self,
        sheet: str,
        row: int | None,
        column: str | None,
        message: str,
        structural: bool = False,
        context: tuple[str, ...] = (),
        condition: int | None = None,
    ) -> None:
        parts = [*context, *((f"condition {condition}",) if condition else ())]
        text = ": ".join([*parts, message]) if parts else message
        self.problems.append(Problem(sheet, row, column, text, message, context, condition))
        self.structural = self.structural or structural

    # -- XLSX --

    def read_xlsx(self, data: bytes) -> None:
        try:
            workbook = open_workbook(data)  # the archive is checked before anything is parsed
        except UnsafeWorkbook as error:
            self.problem(self.filename, None, None, error.args[0], structural=True)
            return
        try:
            sheets: dict[str, Any] = {}
            for worksheet in workbook.worksheets:
                self.sheet_order.append(worksheet.title)
                role = _lookup(worksheet.title, SHEETS)
                if role is None:
                    if any(_cell(v) is not None for _, values in self._records(worksheet) for v in values):
                        self.problem(
                            worksheet.title,
                            None,
                            None,
                            Message(
                                f"Unknown sheet; the sheets are {_names(SHEETS)}.",
                                "unknown_sheet",
                                sheets=_names(SHEETS),
                            ),  # fmt: skip
                        )
                elif role.key in sheets:
                    second = Message(f"A second {role.header} sheet.", "second_sheet", sheet=role.header)
                    self.problem(worksheet.title, None, None, second, structural=True)
                else:
                    sheets[role.key] = worksheet
            if "list" in sheets:
                self.list_sheet = sheets["list"].title
                self._read_list_sheet(sheets["list"])
            if "categories" in sheets:
                title = sheets["categories"].title
                rows = self._read_table(title, self._records(sheets["categories"]), CATEGORY_COLUMNS)
                self.categories = [
                    (_category_dict(row), _Source(title, row.number, columns=_headers(CATEGORY_COLUMNS)))
                    for row in rows
                ]
            if "attributes" in sheets:
                title = sheets["attributes"].title
                rows = self._read_table(title, self._records(sheets["attributes"]), ATTRIBUTE_COLUMNS)
                self.attributes = [
                    (_attribute_dict(row), _Source(title, row.number, columns=_headers(ATTRIBUTE_COLUMNS)))
                    for row in rows
                ]
            if "items" in sheets:
                self.items_sheet = sheets["items"].title
                self.item_rows = self._read_table(
                    self.items_sheet, self._records(sheets["items"]), ITEM_COLUMNS, limit=MAX_ITEMS
                )
            else:
                none = Message("The workbook has no sheet of items.", "no_items_sheet", sheet=ITEMS_SHEET.header)
                self.problem(ITEMS_SHEET.header, None, None, none, structural=True)
        finally:
            workbook.close()

    def _records(self, worksheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
        # Rows are streamed and counted, empty ones too, so a sheet of a million blank rows stops early.
        try:
            check_dimensions(worksheet, MAX_SHEET_ROWS)
            worksheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is
            yield from capped_rows(worksheet, MAX_SHEET_ROWS)
        except UnsafeWorkbook as error:
            self.problem(worksheet.title, None, None, error.args[0], structural=True)
        except Exception as error:  # a damaged sheet: openpyxl raises many kinds
            unreadable = Message(f"Cannot read this sheet ({error}).", "unreadable_sheet")
            self.problem(worksheet.title, None, None, unreadable, structural=True)

    def _read_list_sheet(self, worksheet: Any) -> None:
        sheet = worksheet.title
        value_header = LIST_COLUMNS[1].header
        for row in self._read_table(sheet, self._records(worksheet), LIST_COLUMNS):
            key_text = _text(row.cells.get("key"))
            if key_text is None:
                self.problem(sheet, row.number, LIST_COLUMNS[0].header, Message("A value without a key.", "no_key"))
                continue
            key = _lookup(key_text, LIST_KEYS)
            if key is None:
                self.problem(
                    sheet,
                    row.number,
                    LIST_COLUMNS[0].header,
                    Message(
                        f"Unknown key {key_text!r}; the keys are {_names(LIST_KEYS)}.",
                        "unknown_key",
                        key=key_text,
                        keys=_names(LIST_KEYS),
                    ),  # fmt: skip
                )
                continue
            self._set_meta(key, row.cells.get("value"), _Source(sheet, row.number, value_header, label=key.header))

    def _set_meta(self, key: _Column, value: Any, source: _Source) -> None:
        if key.key in self.meta:
            earlier = self.meta[key.key][1].row
            twice = Message(f"{key.header} is given twice (also in row {earlier}).", "given_twice",
                            key=key.header, row=earlier)  # fmt: skip
            self.problem(source.sheet, source.row, source.column, twice)
            return
        self.meta[key.key] = (value, source)

    # -- CSV --

    def read_csv(self, data: bytes) -> None:
        self.is_csv = True
        sheet = self.filename or "CSV"
        self.items_sheet = self.list_sheet = sheet
        self.sheet_order.append(sheet)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # what spreadsheet programs on Chinese Windows save
            except UnicodeDecodeError:
                not_text = Message("Not a text file: save it as CSV (UTF-8).", "not_text_file")
                self.problem(sheet, None, None, not_text, structural=True)
                return
        records = self._csv_records(sheet, text)
        for number, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            if cells[0].lstrip().startswith("#"):
                self._csv_meta(sheet, number, cells)
                continue
            self.item_rows = self._read_table(
                sheet, chain([(number, cells)], records), ITEM_COLUMNS, limit=MAX_ITEMS, unescape=True
            )
            return
        no_header = Message("No header row: the file holds no table of items.", "no_header_row")
        self.problem(sheet, None, None, no_header, structural=True)

    def _csv_records(self, sheet: str, text: str) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""))
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                if number > MAX_SHEET_ROWS:
                    too_many = Message(f"Too many lines: at most {MAX_SHEET_ROWS:,} are read.", "sheet_too_long",
                                       max=MAX_SHEET_ROWS)  # fmt: skip
                    self.problem(sheet, number, None, too_many, True)
                    return
                yield number, cells
        except csv.Error as error:
            self.problem(sheet, number + 1, None, Message(f"Not valid CSV ({error}).", "invalid_csv"), structural=True)

    def _csv_meta(self, sheet: str, number: int, cells: list[str]) -> None:
        # One cell as written, or split at its commas when typed by hand; Excel pads with empty cells.
        while cells and not cells[-1].strip():
            cells = cells[:-1]
        line = ",".join(cells).strip()[1:].strip()
        match = re.fullmatch(r"([^:：]*)[:：](.*)", line, re.S)
        if match is None:
            self.problem(sheet, number, None, Message("Expected a line `# key: value`.", "expected_key_line"))
            return
        key = _lookup(match[1], CSV_KEYS)
        if key is None:
            unknown = Message(f"Unknown key {match[1].strip()!r}; the keys are {_names(CSV_KEYS)}.", "unknown_key",
                              key=match[1].strip(), keys=_names(CSV_KEYS))  # fmt: skip
            self.problem(sheet, number, None, unknown)
            return
        value = match[2].strip() or None
        source = _Source(sheet, number, label=f"# {key.key}")
        if key.key in ("category", "attribute"):
            columns = CATEGORY_COLUMNS if key.key == "category" else ATTRIBUTE_COLUMNS
            if key.key == "category" and self.categories is None:
                self.categories = []  # declared, even if this line is wrong: names are not derived
            parts = _split_pipes(value or "")
            if len(parts) > len(columns):
                names = " | ".join(column.key for column in columns)
                line = f"# {key.key}: {names}"
                self.problem(
                    sheet, number, None, Message(f"Too many fields: write `{line}`.", "too_many_fields", line=line)
                )
                return
            row = _Row(number, {column.key: part for column, part in zip(columns, parts, strict=False)})
            if self.categories is not None and key.key == "category":
                self.categories.append((_category_dict(row), source))
            else:
                self.attributes.append((_attribute_dict(row), source))
            return
        self._set_meta(key, value, source)

    # -- tables --

    def _read_table(
        self,
        sheet: str,
        records: Iterable[tuple[int, Iterable[Any]]],
        columns: tuple[_Column, ...],
        limit: int | None = None,
        unescape: bool = False,
    ) -> list[_Row]:
        """Read a header row and the rows under it; header problems leave the table unread."""
        records = iter(records)
        first = next(records, None)
        header = [_text(_cell(v)) for v in first[1]] if first else []
        if not any(header):
            self.problem(
                sheet,
                1 if first is None else first[0],
                None,
                Message(
                    f"The sheet is empty: its first row must hold the headers {_names(columns)}.",
                    "empty_sheet",
                    columns=_names(columns),
                ),  # fmt: skip
                structural=True,
            )
            return []
        header_row = first[0]
        by_index: dict[int, _Column] = {}
        unnamed: list[int] = []
        start = len(self.problems)
        for index, text in enumerate(header):
            if text is None:
                unnamed.append(index)
                continue
            column = _lookup(text, columns)
            if column is None:
                unknown = Message(f"Unknown column; the columns are {_names(columns)}.", "unknown_column",
                                  columns=_names(columns))  # fmt: skip
                self.problem(sheet, header_row, text, unknown, True)
            elif column in by_index.values():
                twice = Message(f"Duplicate column {column.header}.", "duplicate_column", column=column.header)
                self.problem(sheet, header_row, text, twice, True)
            else:
                by_index[index] = column
        for column in columns:
            if column.required and column not in by_index.values():
                self.problem(sheet, header_row, column.header, Message("Missing column.", "missing_column"), True)
        if len(self.problems) > start:
            return []
        rows: list[_Row] = []
        for number, raw in records:
            values = [_cell(_unescape(v) if unescape else v) for v in raw]
            if all(v is None for v in values):
                continue
            if limit is not None and len(rows) >= limit:
                too_many = Message(f"Too many rows: a list holds at most {limit:,} items.", "too_many_items", max=limit)
                self.problem(sheet, number, None, too_many, True)
                break
            stray = [i for i in unnamed if i < len(values) and values[i] is not None]
            stray += [i for i in range(len(header), len(values)) if values[i] is not None]
            if stray:
                letters = ", ".join(get_column_letter(i + 1) for i in stray)
                stray_value = Message(f"A value in a column without a header (column {letters}).", "no_header",
                                      columns=letters)  # fmt: skip
                self.problem(sheet, number, None, stray_value, True)
            cells = {column.key: values[i] if i < len(values) else None for i, column in by_index.items()}
            rows.append(_Row(number, cells))
        return rows

    # -- assembling and validating --

    def result(self) -> ImportResult:
        if self.structural:
            return ImportResult(None, self._sorted())
        content, sources = self._assemble()
        payload = dict(content)
        if "version" not in payload:
            payload["version"] = "0"  # the file need not name one; validate the rest
        try:
            loaded = ListVersionCreateSchema().load(payload)
        except ValidationError as error:
            for path, message in _flatten(error.messages):
                self._place(path, message, sources)
            loaded = None
        if self.problems or loaded is None:
            return ImportResult(None, self._sorted())
        if "version" not in content:
            loaded.pop("version", None)
        return ImportResult(loaded, [])

    def _sorted(self) -> list[Problem]:
        order = {name: index for index, name in enumerate(self.sheet_order)}
        return sorted(self.problems, key=lambda p: (order.get(p.sheet, len(order)), p.row or 0))

    def _assemble(self) -> tuple[dict[str, Any], dict[tuple[Any, ...], _Source]]:
        content: dict[str, Any] = {}
        sources: dict[tuple[Any, ...], _Source] = {}
        for key in ("version", "title", "scope", "excludes_ciio", "items_complete", "scope_complete"):
            column = _LIST_KEY[key]
            if key in self.meta:
                value, source = self.meta[key]
            else:
                value, source = None, _Source(self.list_sheet, None, label=f"# {key}" if self.is_csv else column.header)
            sources[(key,)] = source
            if key == "scope":
                text = _text(value)
                content["scope"] = [code.strip() for code in re.split(r"[;；]", text or "") if code.strip()]
            elif key in ("excludes_ciio", "items_complete", "scope_complete"):
                if value is not None:
                    content[key] = _boolean(value)
            elif value is not None:
                content[key] = _text(value)
        for index, (_, source) in enumerate(self.attributes):
            sources[("attributes", index)] = source
        content["attributes"] = [attribute for attribute, _ in self.attributes]

        item_columns = _headers(ITEM_COLUMNS)
        items = []
        for index, row in enumerate(self.item_rows):
            items.append(self._item(row))
            sources[("items", index)] = _Source(self.items_sheet, row.number, columns=item_columns)
        content["items"] = items

        if self.categories is None:
            categories = self._derive_categories()
        else:
            categories = self.categories
            self._check_names({c.get("code"): c.get("name_zh") for c, _ in categories})
        for index, (_, source) in enumerate(categories):
            sources[("categories", index)] = source
        content["categories"] = [category for category, _ in categories]
        return content, sources

    def _item(self, row: _Row) -> dict[str, Any]:
        cells = row.cells
        item: dict[str, Any] = {}
        for key in ("code", "category", "name_zh", "name_en", "description"):
            value = _text(cells.get(key))
            if value is not None or key in ("name_en", "description"):
                item[key] = value
        for key, table in LABELLED_CELLS.items():
            value = _enum(cells.get(key), table)
            if value is not None:
                item[key] = value
        text = _text(cells.get("conditions"))
        if text is not None:
            try:
                item["conditions"] = _parse_conditions(text)
            except ValueError as error:
                self.problem(self.items_sheet, row.number, _BY_KEY["conditions"].header, error.args[0])
        return item

    def _paths(self) -> Iterator[tuple[_Row, list[str]]]:
        """Each item row with the prefixes of its category code (1 to its depth)."""
        for row in self.item_rows:
            code = _text(row.cells.get("category"))
            if code and _CATEGORY_CODE.fullmatch(code):
                parts = code.split(".")
                yield row, [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]

    def _check_names(self, declared: dict[str, Any]) -> None:
        """The names columns say what the declared categories say, or nothing."""
        for row, prefixes in self._paths():
            expected = {_name_column(depth, len(prefixes)): code for depth, code in enumerate(prefixes, start=1)}
            for key in _NAME_COLUMNS:
                given = _text(row.cells.get(key))
                if given is None:
                    continue
                header = _BY_KEY[key].header
                code = expected.get(key)
                if code is None:
                    self.problem(
                        self.items_sheet,
                        row.number,
                        header,
                        Message(
                            f"Category {prefixes[-1]} has no {header} level: leave this cell empty.",
                            "no_such_level",
                            category=prefixes[-1],
                            column=header,
                        ),  # fmt: skip
                    )
                elif code in declared and declared[code] != given:
                    where = "its `# category:` line" if self.is_csv else CATEGORIES_SHEET.header
                    self.problem(
                        self.items_sheet,
                        row.number,
                        header,
                        Message(
                            f"{given!r} is not the name of category {code} ({declared[code]!r} in {where}): "
                            "correct one of them, or leave this cell empty.",
                            "name_mismatch",
                            given=given,
                            code=code,
                            declared=declared[code],
                            where=where,
                        ),  # fmt: skip
                    )

    def _derive_categories(self) -> list[tuple[dict[str, Any], _Source]]:
        """Without declared categories, name each one on an item's path from the names columns."""
        names: dict[str, str | None] = {}
        first: dict[str, tuple[int, str]] = {}
        for row, prefixes in self._paths():
            for depth, code in enumerate(prefixes, start=1):
                key = _name_column(depth, len(prefixes))
                given = _text(row.cells.get(key)) if key else None
                if code not in names:
                    names[code], first[code] = None, (row.number, key or "category_name")
                if given is None:
                    continue
                if names[code] is None:
                    names[code] = given
                elif names[code] != given:
                    self.problem(
                        self.items_sheet,
                        row.number,
                        _BY_KEY[key].header,
                        Message(
                            f"Category {code} is named {names[code]!r} in an earlier row: one name per category.",
                            "name_differs",
                            code=code,
                            name=names[code],
                        ),  # fmt: skip
                    )
        self._check_names({})  # only the cells of levels a path does not have; names are compared above
        if self.is_csv:
            declare, how = "`# category: CODE | name_zh | name_en` lines", "# category: CODE | name_zh | name_en"
        else:
            declare, how = f"a sheet {CATEGORIES_SHEET.header}", CATEGORIES_SHEET.header
        categories = []
        for code, name in names.items():
            row_number, key = first[code]
            header = _BY_KEY[key].header
            if name is None:
                self.problem(
                    self.items_sheet,
                    row_number,
                    header,
                    Message(
                        f"Category {code} has no name: write it in {header}, or declare the categories with {declare}.",
                        "category_unnamed",
                        code=code,
                        column=header,
                        declare=how,
                    ),  # fmt: skip
                )
            columns = {"code": _BY_KEY["category"].header, "name_zh": header}
            source = _Source(self.items_sheet, row_number, columns=columns)
            categories.append(({"code": code, "name_zh": name or code, "name_en": None}, source))
        return categories

    def _place(self, path: tuple[Any, ...], message: str, sources: dict[tuple[Any, ...], _Source]) -> None:
        """Report one validator error at the sheet, row and column its content came from."""
        for length in range(len(path), 0, -1):
            source = sources.get(path[:length])
            if source is not None:
                rest = path[length:]
                break
        else:
            # A whole table's error (too many categories), named by the content's field.
            self.problem(self.list_sheet, None, None, message, context=(".".join(map(str, path)),))
            return
        column, parts = source.column, [source.label] if source.label else []
        condition = None
        if rest and isinstance(rest[0], str) and rest[0] in source.columns:
            column = source.columns[rest[0]]
            if rest[0] in LABELLED_CELLS and path[0] == "items" and getattr(message, "code", None) == "one_of":
                # Name what was written and every value the cell accepts (labels in both languages, codes).
                value = _text(self.item_rows[path[1]].cells.get(rest[0]))
                message = Message(
                    f"{value!r} is not a {rest[0]}; write one of: {accepted_values(rest[0])}.",
                    "label_not_accepted",
                    cell=rest[0],
                    value=value,
                )
            if rest[0] == "conditions" and len(rest) > 1:
                condition = rest[1] + 1
            rest = ()
        parts += [part for part in rest if isinstance(part, str)]
        self.problem(source.sheet, source.row, column, message, context=tuple(parts), condition=condition)


_LIST_KEY = {column.key: column for column in LIST_KEYS}


def _headers(columns: tuple[_Column, ...]) -> dict[str, str]:
    return {column.key: column.header for column in columns}


def _names(columns: Iterable[_Column]) -> str:
    return ", ".join(column.header for column in columns)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _lookup(text: str, columns: Iterable[_Column]) -> _Column | None:
    """The column (sheet, key) a header names: bilingual as written, or its Chinese or English part."""
    wanted = _normal(text)
    for column in columns:
        if wanted in (_normal(column.header), _normal(column.zh), _normal(column.en)):
            return column
    return None


def _cell(value: Any) -> Any:
    """A cell's value: None for empty, strings stripped, whole floats as ints."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip() or None


def _text(value: Any) -> str | None:
    """A cell's value as text (a code typed as a number is still a code)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return unescape_csv_text(value)
    return value


def _boolean(value: Any) -> Any:
    """是/否, true/false or a boolean cell; anything else is left for the validator to refuse."""
    if isinstance(value, bool):
        return value
    text = _text(value) or ""
    if text.casefold() in ("是", "true"):
        return True
    if text.casefold() in ("否", "false"):
        return False
    return text


def accepted_values(key: str, language: str | None = None) -> str:
    """The values a ``level`` or ``mechanism`` cell accepts, to name them in a refusal.

    Without ``language``: ``重要数据 / Important data / important_data; …``; with ``zh`` or ``en``:
    the label in that language and the code, ``重要数据 (important_data); …``.
    """
    table = LABELLED_CELLS[key]
    if language is None:
        return "; ".join(f"{label.zh} / {label.en} / {code}" for code, label in table.items())
    return "; ".join(f"{label.in_language(language)} ({code})" for code, label in table.items())


def _enum(value: Any, table: Mapping[str, Label]) -> str | None:
    """The code a cell names by its Chinese or English label or the code itself (any case or spacing).

    Anything else is left as written, for the validator to refuse.
    """
    text = _text(value)
    if text is None:
        return None
    wanted = _normal(text)
    for code, label in table.items():
        if wanted in (code, _normal(label.zh), _normal(label.en)):
            return code
    return text


def _parse_conditions(text: str) -> list[dict[str, Any]]:
    """``personal_info_subjects >= 100000; vehicle_count ≥ 10000`` as a list of conditions.

    :raise ValueError: with a message for the cell when a part cannot be read.
    """
    conditions = []
    for part in split_conditions(text):
        try:
            conditions.append(parse_condition(part))
        except ValueError:
            raise ValueError(
                Message(
                    f"Cannot read the condition {part!r}: write attribute, operator (>=, >, <=, <, ==; or ≥, ≤) "
                    "and a number or true/false, e.g. `personal_info_subjects >= 100000`; separate conditions "
                    "with ';'.",
                    "unreadable_condition",
                    text=part,
                )
            ) from None
    return conditions


def _split_pipes(text: str) -> list[str | None]:
    """Split ``a | b\\|c | d`` at unescaped bars; ``\\|`` and ``\\\\`` stand for ``|`` and ``\\``."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "\\|":
            current.append(text[index + 1])
            index += 2
            continue
        if char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    values = [part.strip() or None for part in parts]
    return [] if values == [None] else values


def _category_dict(row: _Row) -> dict[str, Any]:
    category: dict[str, Any] = {}
    for key in ("code", "name_zh"):
        if _text(row.cells.get(key)) is not None:
            category[key] = _text(row.cells.get(key))
    category["name_en"] = _text(row.cells.get("name_en"))
    return category


def _attribute_dict(row: _Row) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    for key in ("name", "type"):
        if _text(row.cells.get(key)) is not None:
            attribute[key] = _text(row.cells.get(key))
    attribute["label_zh"] = _text(row.cells.get("label_zh"))
    attribute["label_en"] = _text(row.cells.get("label_en"))
    return attribute


def _flatten(messages: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else (*path, key))
    elif isinstance(messages, list | tuple):
        for value in messages:
            yield from _flatten(value, path)
    else:
        yield path, messages  # a Message: its code travels with it
