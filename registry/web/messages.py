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

from registry.web.formats import format_date

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
}


def _value(value: Any) -> str:
    """A message's value as the reader writes it: dates in words, lists with the language's separator."""
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return _("、").join(str(part) for part in value)
    return str(value)


def reader_text(message: Any) -> str:
    """``message`` in the reader's language: its code's label, filled with its values."""
    label = MESSAGE_LABELS.get(getattr(message, "code", None))
    if label is None:
        return str(message)
    return str(label) % _Values(message.params)


class _Values(dict):
    """The message's values, each written for the reader only if the label names it."""

    def __getitem__(self, name: str) -> str:
        return _value(super().__getitem__(name))
