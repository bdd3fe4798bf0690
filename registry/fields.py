"""Marshmallow fields shared by the API's schemas: JSON as it is, never coerced."""

from __future__ import annotations

import numbers
from typing import Any

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
