"""Figures, answers and codes as people write them in a form or a spreadsheet.

The check form and the inventory page read ``12万``, ``1.2万``, ``120,000``, ``是``/``否`` and codes
separated by ``;`` or ``、`` the same way: the rules live here once. The API never guesses (it takes
JSON numbers and ``true``/``false``, see :mod:`registry.fields`).
"""

from __future__ import annotations

import re
from typing import Any

_COUNT = re.compile(r"^[0-9][0-9,，\s]*(\.[0-9]+)?\s*(万|亿)?$")
_SPLIT_CODES = re.compile(r"[;,，；、\s]+")
# Yes and no as companies write them in a sheet: Chinese, Y/N, English, and the spreadsheet's own TRUE/FALSE.
YES_NO_WORDS = {
    "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "true": True, "false": False,
}  # fmt: skip


def parse_count(text: str | None) -> Any:
    """``120,000``, ``12万`` or ``120000`` → 120000; blank → None; anything else as written (the schema names it)."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if _COUNT.match(text):
        unit = 1
        if text.endswith("万"):
            unit, text = 10_000, text[:-1]
        elif text.endswith("亿"):
            unit, text = 100_000_000, text[:-1]
        number = float(re.sub(r"[,，\s]", "", text)) * unit
        return int(number) if number.is_integer() else number
    return text


def parse_yes_no_word(text: str | None) -> bool | str | None:
    """``是``/``Y``/``yes``/``true`` → True, their opposites → False, blank → None, anything else as written."""
    if text is None or not text.strip():
        return None
    return YES_NO_WORDS.get(text.strip().lower(), text.strip())


def split_codes(text: str | None) -> list[str]:
    """Codes separated by semicolons, commas or spaces (full-width ones and 、 too)."""
    return [code for code in _SPLIT_CODES.split(text or "") if code]
