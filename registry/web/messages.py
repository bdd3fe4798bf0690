"""Validation messages in the reader's language: each message code's label, in Chinese and (by the
``en`` catalogue) English.

The schemas and services raise :class:`registry.messages.Message` — the API's English text with a
stable code and the values it names; a page shows the code's label here, filled with those values.
A message without a code is shown as it is (a test keeps every code labelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.lists.spreadsheet import accepted_values
from registry.web.formats import AUTHORITY_LABELS, STATUS_LABELS, format_date, label
from registry.web.i18n import current_language

# One label per code; the placeholders are the message's own ``params``.
MESSAGE_LABELS = {
    # marshmallow's own messages (coded in registry/fields.py)
    "required": _l("此项为必填项。"),
    "null": _l("此项为必填项。"),
    "invalid_value": _l("填写的内容不符合要求。"),
    "invalid_type": _l("填写的内容格式不正确。"),
    "unknown_field": _l("无法识别的字段。"),
    "not_text": _l("填写的内容格式不正确。"),
    "not_list": _l("填写的内容格式不正确。"),
    "not_mapping": _l("填写的内容格式不正确。"),
    "not_boolean": _l("请选择“是”或“否”。"),
    "not_integer": _l("请填写整数。"),
    "not_number": _l("请填写数值。"),
    "too_large": _l("数值过大。"),
    "invalid_date": _l("请填写有效日期，格式为“年-月-日”，例如 2024-05-09。"),
    "too_short": _l("请至少填写%(min)s个字符。"),
    "too_long": _l("不得超过%(max)s个字符。"),
    "length_between": _l("请填写%(min)s至%(max)s个字符。"),
    "length_equal": _l("须为%(equal)s个字符。"),
    "too_few": _l("请至少选择或填写%(min)s项。"),
    "too_many": _l("最多%(max)s项。"),
    "count_between": _l("请选择或填写%(min)s至%(max)s项。"),
    "range_min": _l("不得小于%(min)s。"),
    "range_max": _l("不得大于%(max)s。"),
    "range_between": _l("数值须在%(min)s至%(max)s之间。"),
    "out_of_range": _l("数值超出允许范围。"),
    "one_of": _l("请从所列选项中选择。"),
    "pattern": _l("格式不正确：只能使用字母、数字、点、下划线和连字符。"),
    # registry/fields.py
    "not_true_or_false": _l("请选择“是”或“否”。"),
    "not_count": _l("请填写人数：不小于0的整数。"),
    "not_figure": _l("请填写数值（或 true / false）。"),
    "nul_character": _l("不得包含空字符（NUL）。"),
    "nul_in_field_name": _l("字段名不得包含空字符（NUL）。"),
    # registry/checks/schemas.py
    "before_order_in_force": _l(
        "《促进和规范数据跨境流动规定》自2024年3月22日起施行（第十四条），本系统不对此前的数据出境作出判断。"
    ),
    "not_category_code": _l("“%(code)s”不是有效的类别代码（以点分隔，例如 AUTO.VEH.TRACK）。"),
    "cumulative_required": _l("数据含个人信息时，须填写当年1月1日起累计（含本次）的人数。"),
    "below_own_count": _l("不得小于本次出境数据涉及的人数（%(count)s）。"),
    # registry/lists/schemas.py
    "blank": _l("不得为空。"),
    "reserved_version": _l("“%(name)s”为保留字，不能用作版本号。"),
    "built_in_figure": _l("“%(name)s”是系统内置的数据指标，无需声明。"),
    "duplicate_code": _l("代码重复。"),
    "parents_not_declared": _l("上级类别尚未列出：%(codes)s。"),
    "category_not_declared": _l("类别“%(code)s”尚未在类别表中列出。"),
    "duplicate_scope": _l("适用范围重复。"),
    "duplicate_attribute": _l("属性名称重复。"),
    "unknown_attribute": _l("未知属性“%(name)s”：请先在属性表中声明。"),
    "boolean_condition": _l("是否型属性只能使用“=”，取值 true 或 false。"),
    "number_attribute": _l("属性“%(name)s”为数值型，不能取 true 或 false。"),
    "document_no_required": _l("批准须填写省级网信委的批准文号。"),
    "reason_required": _l("退回须说明理由。"),
    # registry/lists/services.py
    "version_renamed": _l("版本号不能修改。"),
    "scope_required": _l("提交审批前，请至少指定一个清单适用的行业或场景（适用范围）。"),
    "after_today": _l("不得晚于今日（%(date)s）。"),
    "before_today": _l("不得早于今日（%(date)s）。"),
    "before_approval": _l("不得早于批准日期（%(date)s）。"),
    "before_filing": _l("不得早于%(authority)s的备案日期（%(date)s）。"),
    "before_order_effective": _l("不得早于《促进和规范数据跨境流动规定》施行之日（2024年3月22日）。"),
    "before_effective": _l("废止日期不得早于生效日期（%(date)s）。"),
    "version_missing": _l("请填写版本号（在电子表格“说明”工作表中，或在上传表单中）。"),
    # registry/lists/spreadsheet.py: an imported list's problems (where they are: see file_problem_text)
    "unreadable_condition": _l(
        "无法识别的条件“%(text)s”：应写作“属性 运算符 数值”，例如 personal_info_subjects >= 100000；多个条件以“;”分隔。"
    ),
    "unknown_sheet": _l("无法识别的工作表；工作表应为：%(sheets)s。"),
    "second_sheet": _l("“%(sheet)s”工作表重复。"),
    "no_items_sheet": _l("工作簿中没有条目工作表（%(sheet)s）。"),
    "unreadable_sheet": _l("无法读取此工作表，文件可能已损坏。"),
    "no_key": _l("填写了内容，但没有填写项目名称。"),
    "unknown_key": _l("无法识别的项目“%(key)s”；项目应为：%(keys)s。"),
    "given_twice": _l("“%(key)s”填写了两次（另见第%(row)s行）。"),
    "not_text_file": _l("不是文本文件：请另存为 CSV（UTF-8）格式。"),
    "no_header_row": _l("没有标题行：文件中没有条目表。"),
    "invalid_csv": _l("不是有效的 CSV 文件。"),
    "expected_key_line": _l("此行应写作“# 项目: 内容”。"),
    "too_many_fields": _l("字段过多：应写作“%(line)s”。"),
    "empty_sheet": _l("工作表为空：第一行须为标题：%(columns)s。"),
    "unknown_column": _l("无法识别的列；列应为：%(columns)s。"),
    "duplicate_column": _l("“%(column)s”列重复。"),
    "missing_column": _l("缺少此列。"),
    "too_many_items": _l("行数过多：一个清单最多%(max)s个条目。"),
    "no_header": _l("没有标题的列中填写了内容（第%(columns)s列）。"),
    "no_such_level": _l("类别%(category)s没有“%(column)s”这一级：请将此单元格留空。"),
    "name_mismatch": _l(
        "“%(given)s”不是类别%(code)s的名称（已列明的名称为“%(declared)s”）：请修改其中之一，或将此单元格留空。"
    ),
    "name_differs": _l("类别%(code)s在前面的行中名为“%(name)s”：每个类别只能有一个名称。"),
    "category_unnamed": _l("类别%(code)s没有名称：请填写“%(column)s”列，或在“%(declare)s”中列出各类别。"),
    # registry/lists/lifecycle.py and services.py: a step the version's state does not allow
    "cannot_edit": _l("只有草稿可以修改；此版本的状态为“%(status)s”，内容已冻结。"),
    "cannot_submit": _l("只有草稿可以提交审批；此版本的状态为“%(status)s”。"),
    "cannot_approve": _l("只有已提交审批的版本可以批准；此版本的状态为“%(status)s”。"),
    "cannot_reject": _l("只有已提交审批的版本可以退回修改；此版本的状态为“%(status)s”。"),
    "cannot_file": _l("只有已批准的版本可以备案；此版本的状态为“%(status)s”。"),
    "cannot_publish": _l("只有已向国家网信部门和国家数据管理部门备案的版本可以发布；此版本的状态为“%(status)s”。"),
    "cannot_revoke": _l("只有已发布的版本可以废止；此版本的状态为“%(status)s”。"),
    "cannot_withdraw": _l("只有草稿可以撤回；此版本的状态为“%(status)s”，将保留在记录中。"),
    "already_filed": _l("%(authority)s已为此版本备案。"),
    # registry/workbooks.py
    "unreadable_workbook": _l("不是可读取的 XLSX 工作簿。"),
    "workbook_too_large": _l("工作簿过大或压缩异常，未读取。请拆分文件后上传。"),
    "sheet_too_long": _l("工作表行数过多：最多读取%(max)s行。"),
    "sheet_too_wide": _l("工作表列数过多：最多读取%(max)s列。"),
}


def content_field_labels() -> dict[str, str]:
    """A list version's fields and their columns, as the draft editor names them (keys: request paths)."""
    return {
        "version": _("版本号"), "title": _("清单名称"), "scope": _("适用范围"),
        "excludes_ciio": _("清单载明：关键信息基础设施运营者不适用本清单"),
        "items_complete": _("本登记收录了清单的全部条目"),
        "scope_complete": _("适用范围列明了清单涵盖的全部行业或场景"),
        "categories": _("类别表"), "categories.code": _("代码"), "categories.name_zh": _("中文名称"),
        "categories.name_en": _("英文名称"),
        "attributes": _("属性表"), "attributes.name": _("属性名"), "attributes.type": _("类型"),
        "attributes.label_zh": _("中文名称"), "attributes.label_en": _("英文名称"),
        "items": _("条目"), "items.code": _("条目代码"), "items.category": _("所属类别代码"),
        "items.name_zh": _("中文名称"), "items.name_en": _("英文名称"), "items.level": _("数据级别"),
        "items.mechanism": _("出境机制"), "items.conditions": _("适用条件"), "items.description": _("描述"),
    }  # fmt: skip


def _context_label(part: str, labels: dict[str, str]) -> str:
    # A key or header as the file writes it stays; a content field's own name gets its label.
    for key in (part, f"categories.{part}", f"attributes.{part}"):
        if key in labels:
            return labels[key]
    return part


def file_problem_place(message: Any) -> str:
    """Where one problem of an imported file is: its sheet, row and column, as the file shows them."""
    params = message.params
    place = [params["sheet"], _("第%(row)s行", row=params["row"]) if params.get("row") else "", params.get("column")]
    return " · ".join(part for part in place if part)


def file_problem_what(message: Any) -> str:
    """What is wrong, in the reader's language: the key or field it is about, the condition, the problem."""
    params = message.params
    labels = content_field_labels()
    what = [_context_label(part, labels) for part in params.get("context") or ()]
    if params.get("condition"):
        what.append(_("第%(number)s个条件", number=params["condition"]))
    what.append(reader_text(params["problem"]))
    return _("：").join(what)


def file_problem_text(message: Any) -> str:
    """One problem of an imported file: where (sheet, row, column as the file shows them) and what."""
    return file_problem_place(message) + _("：") + file_problem_what(message)


def label_not_accepted_text(message: Any) -> str:
    """A level or mechanism cell that names no value: what was written, and every value the page's language accepts."""
    cell = message.params["cell"]
    return _(
        "“%(value)s”不是可以接受的%(what)s。可以填写（中文、英文或代码均可）：%(values)s",
        value=message.params["value"],
        what=_("级别") if cell == "level" else _("管理要求"),
        values=accepted_values(cell, current_language()),
    )


# Values that are codes, named in the reader's language by the pages' own tables.
_CODED_VALUES = {"status": STATUS_LABELS, "authority": AUTHORITY_LABELS}


def _value(value: Any, name: str = "") -> str:
    """A message's value as the reader writes it: dates in words, codes named, lists with the language's separator."""
    if name in _CODED_VALUES:
        return label(_CODED_VALUES[name], value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return _("、").join(str(part) for part in value)
    return str(value)


def reader_text(message: Any) -> str:
    """``message`` in the reader's language: its code's label, filled with its values."""
    code = getattr(message, "code", None)
    if code in COMPOSED:
        return COMPOSED[code](message)
    template = MESSAGE_LABELS.get(code)
    if template is None:
        return str(message)
    return str(template) % _Values(message.params)


class _Values(dict):
    """The message's values, each written for the reader only if the label names it."""

    def __getitem__(self, name: str) -> str:
        return _value(super().__getitem__(name), name)


# Messages made of others, with a place: rendered by a function rather than one label.
COMPOSED = {"file_problem": file_problem_text, "label_not_accepted": label_not_accepted_text}
