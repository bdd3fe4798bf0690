"""A batch's datasets validated without marshmallow when they are plainly valid.

:func:`plain_valid_dataset` buys the batch its largest cost after the engine: ``BatchDatasetSchema``
takes about 75 µs a dataset (marshmallow 4, measured on the 2-core development machine; the engine
takes about 70 µs), this about 3 µs. It accepts only what the schema accepts and returns exactly
what the schema's ``load`` returns; anything else — an error of any kind, a float where a whole
number is expected, a field it does not know — is left to the schema (it returns None), so every
error message is the schema's own. ``tests/checks/test_fastload.py`` checks both on random valid
and invalid datasets.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError

from registry.checks.engine import GROUNDS
from registry.checks.schemas import LABEL_LENGTH, MAX_ATTRIBUTES, MAX_CATEGORIES
from registry.fields import LARGEST_FIGURE, figure
from registry.lists.schemas import CATEGORY_PATTERN

_CATEGORY = re.compile(CATEGORY_PATTERN)
_CATEGORY_LENGTH = 128
_ATTRIBUTE_NAME_LENGTH = 64
_GROUNDS = frozenset(GROUNDS)
_FIELDS = frozenset(
    {"label", "categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data", "attributes",
     "cumulative", "grounds"}
)  # fmt: skip
_COUNTS = ("personal_info_subjects", "sensitive_pi_subjects")


def _count(value: Any) -> bool:
    # type() rather than isinstance(): a bool is an int to Python, not a number of people to the schema.
    return type(value) is int and 0 <= value <= LARGEST_FIGURE


def plain_valid_dataset(raw: Any) -> dict[str, Any] | None:
    """``BatchDatasetSchema().load(raw)`` for a dataset that is plainly valid; None means "ask the schema".

    None never says the dataset is invalid, only that this function does not vouch for it.
    """
    if type(raw) is not dict or not raw.keys() <= _FIELDS:
        return None
    label = raw.get("label")
    if label is not None and (type(label) is not str or len(label) > LABEL_LENGTH or "\x00" in label):
        return None
    categories = raw.get("categories")
    if type(categories) is not list or not 1 <= len(categories) <= MAX_CATEGORIES:
        return None
    for code in categories:
        if type(code) is not str or len(code) > _CATEGORY_LENGTH or _CATEGORY.fullmatch(code) is None:
            return None
    pi, sensitive = raw.get("personal_info_subjects"), raw.get("sensitive_pi_subjects")
    important = raw.get("important_data")
    if not (_count(pi) and _count(sensitive) and type(important) is bool):
        return None
    attributes = _attributes(raw.get("attributes", {}))
    if attributes is None:
        return None
    cumulative = raw.get("cumulative")
    if cumulative is None:
        if pi > 0 or sensitive > 0:
            return None  # the schema's "cumulative is required" error
    elif not (
        type(cumulative) is dict
        and cumulative.keys() == set(_COUNTS)
        and _count(cumulative["personal_info_subjects"])
        and _count(cumulative["sensitive_pi_subjects"])
        and cumulative["personal_info_subjects"] >= pi
        and cumulative["sensitive_pi_subjects"] >= sensitive
    ):
        return None
    grounds = raw.get("grounds", [])
    if type(grounds) is not list or not all(type(g) is str and g in _GROUNDS for g in grounds):
        return None
    return {
        "label": label,
        "categories": list(categories),
        "personal_info_subjects": pi,
        "sensitive_pi_subjects": sensitive,
        "important_data": important,
        "attributes": attributes,
        "cumulative": None if cumulative is None else dict(cumulative),
        "grounds": list(grounds),
    }


def _attributes(raw: Any) -> dict[str, Any] | None:
    """The declared figures as the schema loads them (``figure`` is the schema's own conversion)."""
    if type(raw) is not dict or len(raw) > MAX_ATTRIBUTES:
        return None
    loaded = {}
    for name, value in raw.items():
        if type(name) is not str or not 1 <= len(name) <= _ATTRIBUTE_NAME_LENGTH or "\x00" in name:
            return None
        if value is None:
            loaded[name] = None
            continue
        if type(value) is str:
            return None
        try:
            loaded[name] = figure(value)
        except ValidationError:
            return None
    return loaded
