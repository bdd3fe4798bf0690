"""The inventory page's spreadsheets, in the reader's language: a zone's template, and the results.

The template offers the zone's in-force categories as a drop-down on the category column, from a
second sheet that lists every code with its names. The results put each outcome and Article 6 status
in words beside its code, store figures as numbers, freeze and filter a styled header, link each row
to its determination, and add a summary sheet. Text never becomes a live formula
(:mod:`registry.cells`). API and CLI results keep the contract's plain columns
(:mod:`registry.checks.inventory`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from registry.cells import csv_text, xlsx_cell
from registry.checks import inventory
from registry.figures import parse_count
from registry.web.formats import ARTICLE6_LABELS, GROUND_LABELS, OUTCOME_LABELS, OUTCOME_SHORT, article_label, label
from registry.web.i18n import LANGUAGES, current_language

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_ROWS = 1000  # rows of the template that offer the drop-downs
EXCEL_URL_LIMIT = 2079  # Excel refuses longer link targets; a longer address stays as text (the receipt is beside it)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
_COUNT_FORMAT = "#,##0"
# What the page and the files call each column, in the reader's language.
COLUMN_LABELS = {
    "dataset": lazy_pgettext("column", "数据名称"),
    "categories": lazy_pgettext("column", "数据类别"),
    "personal_info_subjects": lazy_pgettext("column", "个人信息人数"),
    "sensitive_pi_subjects": lazy_pgettext("column", "敏感个人信息人数"),
    "important_data": lazy_pgettext("column", "是否重要数据"),
    "cumulative_personal_info_subjects": lazy_pgettext("column", "当年累计个人信息人数"),
    "cumulative_sensitive_pi_subjects": lazy_pgettext("column", "当年累计敏感个人信息人数"),
    "grounds": lazy_pgettext("column", "豁免情形"),
}


def column_label(column: str) -> str:
    """A contract column in the reader's language; any other column (an attribute) as named."""
    return str(COLUMN_LABELS[column]) if column in COLUMN_LABELS else column


def ground_names() -> dict[str, str]:
    """Each ground of Articles 3–5 by its code and its Chinese and English names (any case), to its code."""
    names = {}
    for language in LANGUAGES:
        with force_locale(language):
            for code, text in GROUND_LABELS.items():
                names[code] = names[str(text)] = names[str(text).casefold()] = code
    return names


# --- workbooks -------------------------------------------------------------------------------


def _header_cells(sheet: Any, titles: Sequence[str]) -> list[Any]:
    cells = []
    for title in titles:
        cell = xlsx_cell(sheet, title)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        cells.append(cell)
    return cells


def _frame(sheet: Any, titles: Sequence[str], widths: Sequence[int], rows: int) -> None:
    """A frozen, filterable header over ``rows`` rows of data, with column widths."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(titles), 1))}{rows + 1}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _count_cell(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = _COUNT_FORMAT
    return cell


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_bytes(records: Iterator[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (spreadsheet programs then read the Chinese); numbers as written, text escaped."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for record in records:
        writer.writerow([value if isinstance(value, int | float) else csv_text(value) for value in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- the template ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateList:
    """What a zone's template needs of the list in force: its categories and declared attributes."""

    zone_name: str
    title: str | None
    version: str | None
    digest: str | None
    categories: list[dict[str, Any]]
    attributes: list[dict[str, Any]]


def _leaf_codes(categories: Sequence[Mapping[str, Any]]) -> list[str]:
    codes = [c["code"] for c in categories]
    return [code for code in codes if not any(other.startswith(code + ".") for other in codes)] or codes


def template_columns(listed: TemplateList) -> list[tuple[str, str]]:
    """``(column, title)`` of the template: Chinese titles on Chinese pages, the contract's names on English ones."""
    chinese = current_language() != "en"
    columns = [(c, inventory.COLUMN_TITLES[c][0] if chinese else c) for c in inventory.KNOWN_COLUMNS]
    for attribute in listed.attributes:
        title = (attribute.get("label_zh") if chinese else None) or attribute["name"]
        columns.append((attribute["name"], title))
    return columns


def template_examples(listed: TemplateList) -> list[dict[str, Any]]:
    """Two example rows, with category codes of the list in force (``OTHER`` when none is in force)."""
    leaves = _leaf_codes(listed.categories) or ["OTHER"]
    first, second = leaves[0], leaves[min(1, len(leaves) - 1)]
    examples = [
        {"dataset": _("示例：客户订单"), "categories": first, "personal_info_subjects": 0,
         "sensitive_pi_subjects": 0, "important_data": _("否"), "grounds": "international_trade"},
        {"dataset": _("示例：会员信息"), "categories": second, "personal_info_subjects": 50_000,
         "sensitive_pi_subjects": 0, "important_data": _("否"), "cumulative_personal_info_subjects": 120_000,
         "cumulative_sensitive_pi_subjects": 0},
    ]  # fmt: skip
    return examples


def template_csv(listed: TemplateList) -> bytes:
    """The zone's template as CSV: the header and the example rows."""
    columns = template_columns(listed)

    def records() -> Iterator[list[Any]]:
        yield [title for _column, title in columns]
        for example in template_examples(listed):
            yield [example.get(column, "") for column, _title in columns]

    return _csv_bytes(records())


def template_xlsx(listed: TemplateList) -> bytes:
    """The zone's template as a workbook: the inventory sheet with drop-downs, then the codes and grounds."""
    columns = template_columns(listed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("数据清单")
    codes_title, grounds_title = _("类别代码"), _("豁免情形代码")
    sheet.append([title for _column, title in columns])
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
    for example in template_examples(listed):
        sheet.append([example.get(column, "") for column, _title in columns])
    sheet.freeze_panes = "A2"
    for index, (column, _title) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if column in ("dataset", "categories") else 18
    position = {column: get_column_letter(n) for n, (column, _title) in enumerate(columns, start=1)}
    last = TEMPLATE_ROWS + 1
    if listed.categories:
        # A list of the other sheet's codes; several codes separated by ";" are still accepted (information only).
        categories = DataValidation(
            type="list", formula1=f"'{codes_title}'!$A$2:$A${len(listed.categories) + 1}", allow_blank=True,
            errorStyle="information", showErrorMessage=True, error=_("多个类别以分号分隔；代码见“类别代码”表。"),
            promptTitle=_("数据类别"), prompt=_("从下拉列表选择本清单的类别代码，多个以分号分隔。"),
            showInputMessage=True,
        )  # fmt: skip
        categories.add(f"{position['categories']}2:{position['categories']}{last}")
        sheet.add_data_validation(categories)
    yes_no = DataValidation(type="list", formula1=f'"{_("是")},{_("否")}"', allow_blank=True)
    yes_no.add(f"{position['important_data']}2:{position['important_data']}{last}")
    sheet.add_data_validation(yes_no)

    codes = workbook.create_sheet(codes_title)
    codes.append([_("代码"), _("中文名称"), _("英文名称")])
    for category in listed.categories:
        codes.append([category["code"], category.get("name_zh") or "", category.get("name_en") or ""])
    grounds = workbook.create_sheet(grounds_title)
    grounds.append([_("代码"), _("情形")])
    for code, text in GROUND_LABELS.items():
        grounds.append([code, str(text)])
    for extra in (codes, grounds):
        for cell in extra[1]:
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        extra.freeze_panes = "A2"
        extra.column_dimensions["A"].width = 30
        extra.column_dimensions["B"].width = 60
        extra.column_dimensions["C"].width = 50
    about = workbook.create_sheet(_("说明"))
    for key, value in (
        (_("自贸试验区"), listed.zone_name),
        (_("负面清单"), listed.title or _("该日期无施行中的负面清单")),
        (_("版本"), listed.version or ""),
        (_("摘要（SHA-256）"), listed.digest or ""),
        (_("填写说明"), _("每行一项数据。类别代码见“类别代码”表，多个以分号分隔；人数可写作 120000、120,000 或 12万；"
                       "是否重要数据填“是”或“否”；豁免情形填代码或名称，见“豁免情形代码”表；当年累计人数也可在上传页面统一填写。")),
    ):  # fmt: skip
        about.append([key, value])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    return _save(workbook)


# --- the results -----------------------------------------------------------------------------


def outcome_text(code: str | None) -> str:
    """An outcome in words, in the reader's language."""
    return label(OUTCOME_LABELS, code) if code else ""


def _figure_value(column: str, text: str) -> Any:
    """A count as a number (``12万`` → 120000); any other cell as written, a plain number as a number."""
    if column in inventory.COUNT_COLUMNS:
        value = parse_count(text)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    if text and inventory._is_number(text):
        return inventory._number(text)
    return text


def result_columns(stored: Mapping[str, Any]) -> list[str]:
    """The results sheet's titles: the row, the file's own columns as titled, then the results."""
    return [
        _("行号"), *stored["written_titles"],
        _("结论代码"), _("结论"), _("第六条状态代码"), _("第六条（负面清单）"), _("若不属于清单外的数据"),
        _("依据"), _("匹配的清单条目"), _("问题与提示"), _("清单版本"), _("结论书"), _("回执"),
    ]  # fmt: skip


def result_records(stored: Mapping[str, Any], row_messages: Any, determination_url: Any) -> Iterator[list[Any]]:
    """Each row of the results sheet as values (numbers as numbers); ``row_messages(row)`` gives its problems."""
    columns = stored["columns"]
    version = (stored.get("list") or {}).get("version") or ""
    separator = ", " if current_language() == "en" else "、"
    # Words translated once for the whole file, not once a row.
    outcome_words = {code: label(OUTCOME_SHORT, code) for code in OUTCOME_SHORT}
    status_words = {code: label(ARTICLE6_LABELS, code) for code in ARTICLE6_LABELS}
    articles: dict[str, str] = {}
    for row in stored["rows"]:
        outcome = row["outcome"]
        national = row.get("national_outcome") or ""
        shown_national = national if outcome == "undetermined" and national and national != "undetermined" else ""
        status = row.get("article6") or ""
        basis = [articles.setdefault(b, article_label(b)) for b in row.get("basis") or ()]
        yield [
            row["line"],
            *(_figure_value(column, row["cells"].get(column, "")) for column in columns),
            outcome,
            outcome_words.get(outcome, outcome),
            status,
            status_words.get(status, status),
            outcome_words.get(shown_national, shown_national),
            separator.join(basis),
            ";".join(row.get("matched") or ()),
            " ".join(text for _kind, text in row_messages(row)),
            version if outcome != "invalid" else "",
            determination_url(row["receipt"]) if row.get("receipt") else "",
            row.get("receipt") or "",
        ]


def results_csv(stored: Mapping[str, Any], row_messages: Any, determination_url: Any) -> bytes:
    """The results as CSV, with the same columns as the workbook's results sheet."""

    def records() -> Iterator[Sequence[Any]]:
        yield result_columns(stored)
        yield from result_records(stored, row_messages, determination_url)

    return _csv_bytes(records())


def summary_rows(stored: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The summary sheet's facts: zone, date, list, version, digest, when checked, and the file."""
    listed = stored.get("list") or {}
    zone = stored["zone"]
    return [
        (_("自贸试验区"), zone["name_en"] if current_language() == "en" and zone.get("name_en") else zone["name_zh"]),
        (_("数据出境日期"), date.fromisoformat(stored["on"])),
        (_("负面清单"), listed.get("title") or _("该日期无施行中的负面清单（按国家规定核查）")),
        (_("版本"), listed.get("version") or ""),
        (_("摘要（SHA-256）"), listed.get("digest") or ""),
        (_("官方来源"), listed.get("full_text_url") or ""),
        (_("核查时间（北京时间）"), stored["checked_at_local"]),
        (_("文件"), stored["filename"]),
        (_("数据项数"), stored["total"]),
    ]


def results_xlsx(
    stored: Mapping[str, Any], row_messages: Any, determination_url: Any, outcome_order: Sequence[str]
) -> bytes:
    """The results as a workbook: the results sheet, then a summary sheet with counts per outcome."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("核查结果"))
    titles = result_columns(stored)
    written = len(stored["written_titles"])
    link_column = len(titles) - 2  # 0-based: the determination's link, before the receipt
    widths = [8, *([18] * written), 20, 16, 14, 22, 16, 18, 22, 40, 10, 16, 30]
    _frame(sheet, titles, widths, len(stored["rows"]))
    sheet.append(_header_cells(sheet, titles))
    count_positions = {1 + n for n, column in enumerate(stored["columns"]) if column in inventory.COUNT_COLUMNS}
    link_text = _("查看结论书")
    for record in result_records(stored, row_messages, determination_url):
        cells = []
        for position, value in enumerate(record):
            if position == link_column and value and len(value) <= EXCEL_URL_LIMIT:
                cell = WriteOnlyCell(sheet, link_text)
                cell.hyperlink = value
                cell.font = Font(color="0563C1", underline="single")
                cells.append(cell)
            elif position in count_positions and isinstance(value, int | float):
                cells.append(_count_cell(sheet, value))
            else:
                cells.append(xlsx_cell(sheet, value))
        sheet.append(cells)

    summary = workbook.create_sheet(_("汇总"))
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 70
    summary.column_dimensions["C"].width = 14
    summary.append(_header_cells(summary, [_("项目"), _("内容")]))
    for key, value in summary_rows(stored):
        summary.append([xlsx_cell(summary, key), xlsx_cell(summary, value)])
    summary.append([])
    summary.append(_header_cells(summary, [_("结论"), _("结论代码"), _("数据项数")]))
    counts = stored["counts"]
    for outcome in outcome_order:
        summary.append([xlsx_cell(summary, outcome_text(outcome)), outcome, counts.get(outcome, 0)])
    summary.append([xlsx_cell(summary, _("合计")), "", stored["total"]])
    return _save(workbook)
