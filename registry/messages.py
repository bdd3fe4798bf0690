"""Validation messages with a stable code: English for the API, a label in the reader's language on pages.

A :class:`Message` *is* the English text the API answers with (a ``str``), so problem+json bodies,
the CLI and receipts see exactly what they always saw. It also carries a ``code`` and the values the
text was built from (``params``), written where the message is raised; the pages render the code
with their own label in Chinese or English (``registry/web/messages.py``), never by reading the
English text back.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """An English message with its stable ``code`` and the ``params`` it was formatted with.

    ``Message("Duplicate code.", "duplicate_code")``; ``Message(f"Category {code!r} is not declared.",
    "category_not_declared", code=code)``. marshmallow formats its own templates with
    :meth:`str.format`, which keeps the code here and adds the values to ``params``.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, text: str, code: str, /, **params: Any) -> Message:
        message = super().__new__(cls, text)
        message.code = code
        message.params = params
        return message

    def format(self, *args: Any, **kwargs: Any) -> Message:  # noqa: A003 - str's own name
        return Message(str.format(self, *args, **kwargs), self.code, **{**self.params, **kwargs})

    def __reduce__(self) -> tuple[Any, ...]:
        # copy, deepcopy (marshmallow copies every field per schema) and pickle keep the code.
        return _rebuild, (str(self), self.code, self.params)


def _rebuild(text: str, code: str, params: dict[str, Any]) -> Message:
    return Message(text, code, **params)


def coded(text: str, code: str) -> str:
    """``text`` with ``code``, unless it already carries one (a message defined by one of our fields)."""
    return text if isinstance(text, Message) else Message(text, code)
