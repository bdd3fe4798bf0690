"""How the pages write dates, numbers, articles and the registry's codes, in Chinese or English.

A Chinese official reader expects 2024年5月9日, 10万 and 第六条; an English reader 9 May 2024,
100,000 and Article 6.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from markupsafe import Markup, escape

from registry.lists import labels
from registry.web.i18n import current_language

SHANGHAI = ZoneInfo("Asia/Shanghai")
_DIGITS_ZH = "零一二三四五六七八九"

# Levels, mechanisms and statuses: the registry's one table of their names (registry.lists.labels).
STATUS_LABELS = labels.STATUSES
LEVEL_LABELS = labels.LEVELS
MECHANISM_LABELS = labels.MECHANISMS
OUTCOME_LABELS = {
    "exempt": _l("免予申报安全评估、订立标准合同和通过保护认证"),
    "not_required": _l("无需履行数据出境安全评估、标准合同或认证程序"),
    "standard_contract_or_certification": _l("须订立个人信息出境标准合同或通过个人信息保护认证"),
    "security_assessment": _l("须申报数据出境安全评估"),
    "undetermined": _l("尚不能确定：需补充事实"),
    "invalid": _l("数据有误，未能核查"),
}
OUTCOME_SHORT = {
    "exempt": _l("豁免"),
    "not_required": _l("无需申报"),
    "standard_contract_or_certification": _l("标准合同或认证"),
    "security_assessment": _l("安全评估"),
    "undetermined": _l("尚不能确定"),
    "invalid": _l("数据有误"),
}
ARTICLE6_LABELS = {
    "inside": _l("属于负面清单"),
    "outside": _l("不属于负面清单（清单外数据）"),
    "undetermined": _l("不能排除属于负面清单"),
    "not_applicable": _l("不适用负面清单"),
}
KIND_LABELS = {"pilot_ftz": _l("自由贸易试验区"), "free_trade_port": _l("自由贸易港")}
AUTHORITY_LABELS = {"CAC": _l("国家网信部门"), "NDA": _l("国家数据管理部门")}
ROLE_LABELS = {
    "zone_admin": _l("自贸试验区管理机构"),
    "provincial_approver": _l("省级网络安全和信息化委员会"),
    "national_filer": _l("国家备案机关"),
    "admin": _l("系统管理员"),
    "system": _l("系统"),
}
# In the history, an action that happened (in English "Approved", not the button's "Approve").
ACTION_LABELS = {
    "created": lazy_pgettext("history", "创建草稿"),
    "edited": lazy_pgettext("history", "修改草稿"),
    "submitted": lazy_pgettext("history", "提交审批"),
    "approved": lazy_pgettext("history", "批准"),
    "rejected": lazy_pgettext("history", "退回修改"),
    "filed": lazy_pgettext("history", "备案"),
    "published": lazy_pgettext("history", "发布"),
    "revoked": lazy_pgettext("history", "废止"),
    "published_of_record": lazy_pgettext("history", "依公开资料登记为已发布"),
    "record_updated": lazy_pgettext("history", "更新记录说明"),
    "zone_created": lazy_pgettext("history", "登记自贸试验区"),
    "zone_updated": lazy_pgettext("history", "更新自贸试验区信息"),
    "account_created": lazy_pgettext("history", "创建账户"),
    "withdrawn": lazy_pgettext("history", "撤回草稿"),
    "tokens_revoked": lazy_pgettext("history", "撤销API令牌"),
    "token_issued": lazy_pgettext("history", "生成API令牌"),
    "password_set": lazy_pgettext("history", "修改密码"),
    "account_deactivated": lazy_pgettext("history", "停用账户"),
    "totp_enrolment_started": lazy_pgettext("history", "开始设置两步验证"),
    "totp_enabled": lazy_pgettext("history", "开启两步验证"),
    "totp_disabled": lazy_pgettext("history", "关闭两步验证"),
}
GROUND_LABELS = {
    "international_trade": _l("国际贸易"),
    "cross_border_transport": _l("跨境运输"),
    "academic_cooperation": _l("学术合作"),
    "transnational_manufacturing": _l("跨国生产制造"),
    "marketing": _l("市场营销"),
    "collected_abroad": _l("在境外收集和产生的个人信息，在境内处理后向境外提供，未引入境内个人信息或者重要数据"),
    "contract_with_individual": _l(
        "为订立、履行个人作为一方当事人的合同（如跨境购物、寄递、汇款、支付、开户、机票酒店预订、签证办理、考试服务等）所必需"
    ),
    "cross_border_hr": _l("按照依法制定的劳动规章制度和依法签订的集体合同实施跨境人力资源管理所必需"),
    "emergency": _l("紧急情况下为保护自然人的生命健康和财产安全所必需"),
    "legal_duty": _l("为履行法定职责或者法定义务所必需（2025年1月1日起）"),
}
FACT_LABELS = {
    "processor.in_zone": _l("数据处理者是否在自由贸易试验区内"),
    "processor.ciio": _l("是否为关键信息基础设施运营者"),
    "dataset.categories": _l("数据类别"),
    "dataset.personal_info_subjects": _l("涉及个人信息（不含敏感个人信息）的人数"),
    "dataset.sensitive_pi_subjects": _l("涉及敏感个人信息的人数"),
    "dataset.important_data": _l("是否包含重要数据"),
    "cumulative.personal_info_subjects": _l("当年1月1日起累计个人信息（不含敏感个人信息）人数"),
    "cumulative.sensitive_pi_subjects": _l("当年1月1日起累计敏感个人信息人数"),
    "personal_info_subjects": _l("个人信息主体人数"),
    "sensitive_pi_subjects": _l("敏感个人信息主体人数"),
    "cumulative_personal_info_subjects": _l("累计个人信息主体人数"),
    "cumulative_sensitive_pi_subjects": _l("累计敏感个人信息主体人数"),
}
DUTY_LABELS = {
    "art10": _l("向境外提供个人信息的，应当按照法律、行政法规的规定履行告知、取得个人单独同意、进行个人信息保护影响评估等义务。"),  # noqa: E501
    "art11": _l("向境外提供数据的，应当遵守法律、法规的规定，履行数据安全保护义务，采取技术措施和其他必要措施保障数据出境安全；发生或者可能发生数据安全事件时，应当采取补救措施，及时向省级以上网信部门报告。"),  # noqa: E501
}  # fmt: skip
OPERATOR_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def label(table: dict[str, Any], value: Any) -> str:
    """The translated label of a code, or the code itself when the table does not know it."""
    found = table.get(value)
    if isinstance(found, labels.Label):
        return found.in_language(current_language())
    return str(found) if found is not None else ("" if value is None else str(value))


def as_date(value: Any) -> date | None:
    """Read a date, a datetime or an ISO string; None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def format_date(value: Any) -> str:
    """2024年5月9日, or 9 May 2024."""
    day = as_date(value)
    if day is None:
        return ""
    # Babel's patterns: the long Chinese form, and the day-month-year order English readers here expect.
    return babel_format_date(day, "d MMMM y" if current_language() == "en" else "long")


def format_datetime(value: Any) -> str:
    """A moment in Beijing time: 2024年5月9日 14:03, or 9 May 2024, 14:03."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(SHANGHAI)
    if current_language() == "en":
        return f"{format_date(local.date())}, {local:%H:%M}"
    return f"{format_date(local.date())} {local:%H:%M}"


def format_number(value: Any) -> str:
    """Digits grouped by thousands: 12,345."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def format_count(value: Any) -> str:
    """A count as a Chinese reader says it: 100,000 → 10万, 1,000,000 → 100万, 15,000 → 1.5万.

    Round figures only; 12,345 stays 12,345. English keeps 100,000.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or current_language() == "en":
        return format_number(value)
    number = int(value) if float(value).is_integer() else value
    if isinstance(number, int) and number >= 10_000:
        if number % 100_000_000 == 0:
            return f"{number // 100_000_000:,}亿"
        if number % 10_000 == 0:
            return f"{number // 10_000:,}万"
        if number % 1_000 == 0:
            return f"{number / 10_000:g}万"
    return format_number(number)


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六, 21 → 二十一 (up to 99)."""
    if number < 10:
        return _DIGITS_ZH[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _DIGITS_ZH[tens]) + "十" + (_DIGITS_ZH[ones] if ones else "")


def article_label(reference: Any) -> str:
    """``art5.4``, ``5`` or ``6`` as 第五条第（四）项 / 第六条, or Article 5(4) / Article 6."""
    if reference == "reg35.6":  # v1.1: Network Data Security Management Regulations, Art. 35(6)
        return str(_l("《网络数据安全管理条例》第三十五条第（六）项"))
    text = str(reference).removeprefix("art")
    number, _sep, clause = text.partition(".")
    if not number.isdigit():
        return str(reference)
    if current_language() == "en":
        return f"Article {number}({clause})" if clause else f"Article {number}"
    label_zh = f"第{chinese_numeral(int(number))}条"
    if clause.isdigit():
        label_zh += f"第（{chinese_numeral(int(clause))}）项"
    return label_zh


def localized(zh: str | None, en: str | None) -> Markup:
    """Content in the reader's language where it exists, else in the language it exists in."""
    if current_language() == "en" and en:
        return Markup('<span lang="en">{}</span>').format(en)
    if zh:
        return Markup('<span lang="zh-CN">{}</span>').format(zh)
    if en:
        return Markup('<span lang="en">{}</span>').format(en)
    return Markup("")


def condition_text(condition: dict[str, Any], attributes: list[dict[str, Any]] | None = None) -> str:
    """``personal_info_subjects >= 100000`` as 个人信息主体人数 ≥ 10万."""
    name = condition.get("attribute", "")
    shown = label(FACT_LABELS, name) if name in FACT_LABELS else name
    for attribute in attributes or ():
        if attribute.get("name") == name:
            own = attribute.get("label_en") if current_language() == "en" else attribute.get("label_zh")
            shown = own or attribute.get("label_zh") or name
    value = condition.get("value")
    value_text = (_("是") if value else _("否")) if isinstance(value, bool) else format_count(value)
    return f"{shown} {OPERATOR_TEXT.get(condition.get('op'), condition.get('op'))} {value_text}"


def highlight(text: str | None, needle: str | None) -> Markup:
    """Escape ``text`` and mark every case-insensitive occurrence of ``needle``."""
    if not text:
        return Markup("")
    if not needle:
        return escape(text)
    lowered, target = text.lower(), needle.lower()
    parts, start = [], 0
    while (found := lowered.find(target, start)) >= 0:
        parts.append(escape(text[start:found]))
        parts.append(Markup("<mark>{}</mark>").format(text[found : found + len(needle)]))
        start = found + len(needle)
    parts.append(escape(text[start:]))
    return Markup("").join(parts)


FILTERS = {
    "date_text": format_date,
    "datetime_text": format_datetime,
    "number_text": format_number,
    "count_text": format_count,
    "article_text": article_label,
    "highlight": highlight,
}
LABEL_TABLES = {
    "status": STATUS_LABELS,
    "level": LEVEL_LABELS,
    "mechanism": MECHANISM_LABELS,
    "outcome": OUTCOME_LABELS,
    "outcome_short": OUTCOME_SHORT,
    "article6": ARTICLE6_LABELS,
    "kind": KIND_LABELS,
    "authority": AUTHORITY_LABELS,
    "role": ROLE_LABELS,
    "action": ACTION_LABELS,
    "ground": GROUND_LABELS,
    "fact": FACT_LABELS,
    "duty": DUTY_LABELS,
}


def label_of(table: str, value: Any) -> str:
    """Template helper: ``label_of('status', version.status)``."""
    return label(LABEL_TABLES[table], value)
