"""A list item's condition as text, ``attribute op value`` (e.g. ``personal_info_subjects >= 100000``).

One format and one parser for the spreadsheets (:mod:`registry.lists.spreadsheet`) and the draft
editor (:mod:`registry.web.forms`); conditions are separated by ``;`` (or ``；`` or a new line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

OPERATORS = {">=": ">=", "<=": "<=", "==": "==", ">": ">", "<": "<", "≥": ">=", "≤": "<=", "=": "=="}
_CONDITION = re.compile(r"(?P<attribute>[^\s<>=≥≤]+)\s*(?P<op>>=|<=|==|>|<|≥|≤|=)\s*(?P<value>.+)", re.S)
# What a file's cell may hold; a person typing into the editor may also write "=" and 10万.
_FILE_OPERATORS = frozenset(OPERATORS) - {"="}
_SEPARATORS = re.compile(r"[;；\n]+")
# 100000, 100,000, 1.5, -3, 1e6; and counts as a Chinese reader writes them: 10万, 1.5万, 2亿.
_NUMBER = re.compile(r"(?P<number>[+-]?(\d{1,3}([,，]\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?)\s*(?P<unit>万|亿)?")
_UNITS = {None: 1, "万": 10_000, "亿": 100_000_000}


def format_condition(condition: Mapping[str, Any]) -> str:
    """``{"attribute": "a", "op": ">=", "value": 100000}`` as ``a >= 100000`` (booleans as true/false)."""
    value = condition.get("value")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = repr(value) if isinstance(value, float) else str(value)
    return f"{condition.get('attribute')} {condition.get('op')} {text}"


def format_conditions(conditions: Iterable[Mapping[str, Any]]) -> str:
    """Conditions as one text, separated by ``; ``."""
    return "; ".join(format_condition(c) for c in conditions)


def split_conditions(text: str) -> list[str]:
    """The parts of a conditions text, stripped, blanks dropped."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def parse_value(text: str, *, handwritten: bool = False) -> int | float | bool | None:
    """A condition's value: true/false (是/否), or a number (with 万/亿 if ``handwritten``); else None."""
    text = text.strip()
    lowered = text.casefold()
    if lowered in ("true", "是"):
        return True
    if lowered in ("false", "否"):
        return False
    match = _NUMBER.fullmatch(text)
    if match is None or (match["unit"] and not handwritten):
        return None
    digits = re.sub(r"[,，]", "", match["number"])
    is_integer = re.fullmatch(r"[+-]?\d+", digits) is not None
    number = (int(digits) if is_integer else float(digits)) * _UNITS[match["unit"]]
    return int(number) if isinstance(number, float) and number.is_integer() and match["unit"] else number


def parse_condition(text: str, *, handwritten: bool = False) -> dict[str, Any]:
    """``a >= 100000`` (also ``a ≥ 100000``) as ``{"attribute", "op", "value"}``.

    ``handwritten`` (the draft editor) also reads ``=`` for ``==`` and counts such as ``10万``;
    a spreadsheet's cells keep to the form the exports write.

    :raise ValueError: the text is not ``attribute operator value`` with a number or true/false.
    """
    match = _CONDITION.fullmatch(text.strip())
    if match is not None and not handwritten and match["op"] not in _FILE_OPERATORS:
        match = None
    value = parse_value(match["value"], handwritten=handwritten) if match else None
    if match is None or value is None:
        raise ValueError(text)
    return {"attribute": match["attribute"], "op": OPERATORS[match["op"]], "value": value}
