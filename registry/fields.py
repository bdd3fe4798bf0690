"""Marshmallow fields shared by the API's schemas: JSON as it is, never coerced."""

from __future__ import annotations

import numbers
import re
from datetime import date
from typing import Any

import marshmallow as ma
import orjson
from marshmallow import ValidationError, fields, validate

from registry.messages import Message, coded

LARGEST_FIGURE = 10**15  # beyond any count of people or threshold; keeps floats exact


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: "yes", 1 or "" are refused rather than guessed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(Message("Must be true or false.", "not_true_or_false"))
        return value


class Count(fields.Integer):
    """A whole number of people, 0 or more; no strings, no booleans, no fractions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=0, max=LARGEST_FIGURE), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise ValidationError(Message("Must be a whole number of people (0 or more).", "not_count"))
        if isinstance(value, float):
            if not value.is_integer():
                raise ValidationError(Message("Must be a whole number of people (0 or more).", "not_count"))
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
    raise ValidationError(
        Message(f"Must be a number between -{LARGEST_FIGURE:,} and {LARGEST_FIGURE:,}, or true/false.", "not_figure")
    )


def _may_hold_nul(value: Any) -> bool:
    """Whether ``value`` may hold a NUL character anywhere, keys included.

    One pass of orjson in C, which writes NUL as ``\\u0000``, instead of :func:`_nul_errors`' walk in
    Python when there is none: 4 ms instead of 23 ms for a 10,000-dataset batch. A text holding
    those six characters themselves only sends the value to the walk, which then finds nothing.
    """
    try:
        return b"\\u0000" in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a value JSON has no form for (not from a JSON body): walk it
        return True


def _nul_errors(value: Any) -> Any:
    """Return the errors for NUL characters inside ``value``, nested as ``value`` is, or None."""
    if isinstance(value, str):
        return [Message("Must not contain NUL characters.", "nul_character")] if "\x00" in value else None
    if isinstance(value, dict):
        found = {key: errors for key, item in value.items() if (errors := _nul_errors(item)) is not None}
        bad_keys = [key for key in value if isinstance(key, str) and "\x00" in key]
        if bad_keys:
            found.setdefault("_schema", []).append(
                Message("Field names must not contain NUL characters.", "nul_in_field_name")
            )
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


# marshmallow's own messages, by the kind of field that gives them (see RegistrySchema.on_bind_field).
_INVALID_CODES: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Boolean, "not_boolean"),
    (fields.Integer, "not_integer"),
    (fields.Number, "not_number"),
    (fields.Date, "invalid_date"),
    (fields.String, "not_text"),
    (fields.List, "not_list"),
    (fields.Tuple, "not_list"),
    (fields.Mapping, "not_mapping"),
)
_FIELD_CODES = {
    "required": "required",
    "null": "null",
    "validator_failed": "invalid_value",
    "type": "invalid_type",
    "invalid_utf8": "not_text",
    "too_large": "too_large",
    "special": "not_number",
}


def _code_field_messages(field: fields.Field) -> None:
    """Give a field's built-in messages (and its validators') stable codes; the English is unchanged."""
    invalid = next((code for kind, code in _INVALID_CODES if isinstance(field, kind)), "invalid_value")
    field.error_messages = {
        key: coded(text, _FIELD_CODES.get(key, invalid)) if isinstance(text, str) else text
        for key, text in field.error_messages.items()
    }
    counted = isinstance(field, fields.List | fields.Tuple | fields.Mapping)  # items, not characters
    for validator in field.validators:
        if isinstance(validator, validate.Length):
            validator.message_min = coded(validator.message_min, "too_few" if counted else "too_short")
            validator.message_max = coded(validator.message_max, "too_many" if counted else "too_long")
            validator.message_all = coded(validator.message_all, "count_between" if counted else "length_between")
            validator.message_equal = coded(validator.message_equal, "length_equal")
        elif isinstance(validator, validate.Range):
            inclusive = validator.min_inclusive and validator.max_inclusive
            validator.message_min = coded(validator.message_min, "range_min" if inclusive else "out_of_range")
            validator.message_max = coded(validator.message_max, "range_max" if inclusive else "out_of_range")
            validator.message_all = coded(validator.message_all, "range_between" if inclusive else "out_of_range")
        elif isinstance(validator, validate.OneOf):
            validator.error = coded(validator.error, "one_of")
        elif isinstance(validator, validate.Regexp):
            validator.error = coded(validator.error, "pattern")
        elif isinstance(getattr(validator, "error", None), str):
            validator.error = coded(validator.error, "invalid_value")
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None),
                  *(getattr(field, "tuple_fields", None) or ())):  # fmt: skip
        if isinstance(inner, fields.Field):
            _code_field_messages(inner)


class RegistrySchema(ma.Schema):
    """Base of every request schema: text with NUL characters is refused up front, and every
    message, marshmallow's own included, carries a stable code (:class:`registry.messages.Message`).

    JSON allows "\u0000" in strings, but no database should store it (PostgreSQL refuses it):
    a clear 422 at the field beats a server error later.
    """

    error_messages = {  # noqa: RUF012 - marshmallow's class attribute
        "unknown": Message("Unknown field.", "unknown_field"),
        "type": Message("Invalid input type.", "invalid_type"),
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """marshmallow's hook for each field of the schema: code its messages, in this one place."""
        _code_field_messages(field_obj)

    @ma.pre_load(pass_collection=False)
    def _refuse_nul(self, data: Any, **_kwargs: Any) -> Any:
        errors = _nul_errors(data) if isinstance(data, dict) and _may_hold_nul(data) else None
        if errors:
            raise ValidationError(errors)
        return data
