"""The names of the registry's codes in Chinese and English: levels, mechanisms and version statuses.

One table for the pages (in the reader's language), the spreadsheets (Chinese, the language zones
publish in; imports read a label or the code) and the API's descriptions.
"""

from __future__ import annotations

from typing import NamedTuple

from registry.lists.lifecycle import Status


class Label(NamedTuple):
    zh: str
    en: str

    def in_language(self, language: str) -> str:
        """The label in ``language`` (``zh`` or ``en``)."""
        return self.en if language == "en" else self.zh


LEVELS: dict[str, Label] = {
    "important_data": Label("重要数据", "Important data"),
    "personal_information": Label("个人信息", "Personal information"),
    "sensitive_personal_information": Label("敏感个人信息", "Sensitive personal information"),
}
MECHANISMS: dict[str, Label] = {
    "security_assessment": Label("数据出境安全评估", "Security assessment"),
    "standard_contract_or_certification": Label("个人信息出境标准合同或认证", "Standard contract or certification"),
}
STATUSES: dict[str, Label] = {
    Status.DRAFT: Label("草稿", "Draft"),
    Status.SUBMITTED: Label("已提交审批", "Submitted for approval"),
    Status.APPROVED: Label("已批准", "Approved"),
    Status.FILED: Label("已备案", "Filed"),
    Status.PUBLISHED: Label("已发布", "Published"),
    Status.REVOKED: Label("已废止", "Revoked"),
}


def chinese(table: dict[str, Label]) -> dict[str, str]:
    """``{code: Chinese label}`` of a table (the spreadsheets' vocabulary)."""
    return {code: label.zh for code, label in table.items()}


def described(table: dict[str, Label]) -> str:
    """The codes of a table with their names, for an API description: ``a (甲, A); b (乙, B)``."""
    return "; ".join(f"{code} ({label.zh}, {label.en})" for code, label in table.items())
