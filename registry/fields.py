"""Marshmallow fields shared by the API's schemas: JSON as it is, never coerced."""

from __future__ import annotations

import numbers
import re
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

LARGEST_FIGURE = 10**15  # beyond any count of people or threshold; keeps floats exact


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: "yes", 1 or "" are refused rather than guessed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Count(fields.Integer):
    """A whole number of people, 0 or more; no strings, no booleans, no fractions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=0, max=LARGEST_FIGURE), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise ValidationError("Must be a whole number of people (0 or more).")
        if isinstance(value, float):
            if not value.is_integer():
                raise ValidationError("Must be a whole number of people (0 or more).")
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


def figure(value: Any) -> int | float | bool:
    """Return a JSON number or boolean as a figure, or raise for anything else or out of range."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= LARGEST_FIGURE:
        return value
    if isinstance(value, float) and value == value and abs(value) <= LARGEST_FIGURE:
        return int(value) if value.is_integer() else value
    raise ValidationError(f"Must be a number between -{LARGEST_FIGURE:,} and {LARGEST_FIGURE:,}, or true/false.")


def _nul_errors(value: Any) -> Any:
    """Return the errors for NUL characters inside ``value``, nested as ``value`` is, or None."""
    if isinstance(value, str):
        return ["Must not contain NUL characters."] if "\x00" in value else None
    if isinstance(value, dict):
        found = {key: errors for key, item in value.items() if (errors := _nul_errors(item)) is not None}
        bad_keys = [key for key in value if isinstance(key, str) and "\x00" in key]
        if bad_keys:
            found.setdefault("_schema", []).append("Field names must not contain NUL characters.")
        return found or None
    if isinstance(value, list | tuple):
        found = {index: errors for index, item in enumerate(value) if (errors := _nul_errors(item)) is not None}
        return found or None
    return None


class FullMatch(validate.Regexp):
    """``validate.Regexp`` over the whole value.

    ``re.match`` with ``^…$`` lets a trailing newline through (``$`` matches before it), and a
    version or code with one could be stored yet never be reached by its URL.
    """

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_date_text(value: Any) -> bool:
    """Whether ``value`` is written ``YYYY-MM-DD`` (Python's ``fromisoformat`` also reads
    ``20240601`` and ``2024-W22-6``, which the contract does not allow)."""
    return isinstance(value, str) and _ISO_DATE.fullmatch(value) is not None


def parse_iso_date(value: Any) -> date | None:
    """``value`` as a date if it is a real date written ``YYYY-MM-DD``, else None."""
    if not is_iso_date_text(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # 2024-02-30
        return None


class IsoDate(fields.Date):
    """A date written ``YYYY-MM-DD``, the contract's one form."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not is_iso_date_text(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class FlatDict(fields.Dict):
    """``fields.Dict`` whose errors are keyed as the request is: ``{"vehicle_count": [...]}``.

    marshmallow nests them one level deeper (``{"vehicle_count": {"value": [...]}}``), a level the
    request does not have.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            if not isinstance(error.messages, dict):
                raise
            flat: dict[Any, Any] = {}
            for name, messages in error.messages.items():
                if isinstance(messages, dict):  # {"key": [...], "value": [...]}
                    messages = [m for part in messages.values() for m in (part if isinstance(part, list) else [part])]
                flat[name] = messages
            raise ValidationError(flat, valid_data=error.valid_data) from None


class RegistrySchema(ma.Schema):
    """Base of every request schema: text with NUL characters is refused up front.

    JSON allows "\u0000" in strings, but no database should store it (PostgreSQL refuses it):
    a clear 422 at the field beats a server error later.
    """

    @ma.pre_load(pass_collection=False)
    def _refuse_nul(self, data: Any, **_kwargs: Any) -> Any:
        errors = _nul_errors(data) if isinstance(data, dict) else None
        if errors:
            raise ValidationError(errors)
        return data
