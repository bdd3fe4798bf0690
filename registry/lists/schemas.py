"""Marshmallow schemas of list versions: what a zone administrator sends, what readers get."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from registry.fields import FullMatch, IsoDate, RegistrySchema, StrictBoolean, figure
from registry.lists import labels
from registry.lists.lifecycle import Status
from registry.messages import Message

LEVELS = tuple(labels.LEVELS)
MECHANISMS = tuple(labels.MECHANISMS)
OPERATORS = (">=", ">", "<=", "<", "==")
ATTRIBUTE_TYPES = ("integer", "number", "boolean")
# The dataset figures every check request carries (docs/api.md, "List versions").
BUILT_IN_FIGURES = (
    "personal_info_subjects",
    "sensitive_pi_subjects",
    "cumulative_personal_info_subjects",
    "cumulative_sensitive_pi_subjects",
)
STATUSES = tuple(Status)  # in lifecycle order
RESERVED_VERSIONS = (".", "..", "in-force")

VERSION_PATTERN = r"[A-Za-z0-9._-]{1,32}"
CATEGORY_PATTERN = r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*"
ITEM_CODE_PATTERN = r"[A-Za-z0-9._-]{1,64}"
ATTRIBUTE_PATTERN = r"[a-z][a-z0-9_]{0,63}"
# Bounds on what one version may hold, far above any published list (the spreadsheet import's too).
MAX_ITEMS = 20_000
MAX_CATEGORIES = 5_000
MAX_SCOPE = 500
MAX_ATTRIBUTES = 200
MAX_CONDITIONS = 20

# Read-only fields of a version's representation: a client may send back what it read.
READ_ONLY_FIELDS = (
    "zone", "status", "effective_from", "revoked_on", "digest", "history", "filings",
    "approval", "created_at", "updated_at", "record", "item_count", "of_record",
)  # fmt: skip


def _non_blank(value: str) -> bool:
    if not value.strip():
        raise ValidationError(Message("Must not be blank.", "blank"))
    return True


def _version_label(value: str) -> bool:
    if value in RESERVED_VERSIONS:
        raise ValidationError(Message(f"{value!r} is reserved.", "reserved_version", name=value))
    return True


class StrictSchema(RegistrySchema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class CategorySchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=[validate.Length(max=128), FullMatch(f"^{CATEGORY_PATTERN}$")],
        metadata={"description": "Dot-separated path, e.g. AUTO.VEH.TRACK", "example": "AUTO.VEH"},
    )
    name_zh = fields.String(required=True, validate=[validate.Length(max=500), _non_blank])
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class AttributeSchema(StrictSchema):
    name = fields.String(
        required=True,
        validate=FullMatch(f"^{ATTRIBUTE_PATTERN}$"),
        metadata={"example": "vehicle_count"},
    )
    type = fields.String(load_default="integer", validate=validate.OneOf(ATTRIBUTE_TYPES))
    label_zh = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    label_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @ma.validates("name")
    def _not_built_in(self, value: str, **_kwargs: Any) -> None:
        if value in BUILT_IN_FIGURES:
            raise ValidationError(
                Message(f"{value!r} is a built-in dataset figure; do not declare it.", "built_in_figure", name=value)
            )


class ConditionValue(fields.Field):
    """A number, or a boolean for boolean attributes (never a string); bounded, so always storable."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return figure(value)


class ConditionSchema(StrictSchema):
    attribute = fields.String(required=True, metadata={"example": "personal_info_subjects"})
    op = fields.String(required=True, validate=validate.OneOf(OPERATORS))
    value = ConditionValue(
        required=True,
        metadata={"example": 100000, "oneOf": [{"type": "number"}, {"type": "boolean"}]},
    )


class ItemSchema(StrictSchema):
    code = fields.String(required=True, validate=FullMatch(f"^{ITEM_CODE_PATTERN}$"))
    category = fields.String(required=True, validate=[validate.Length(max=128), FullMatch(f"^{CATEGORY_PATTERN}$")])
    name_zh = fields.String(required=True, validate=[validate.Length(max=500), _non_blank])
    name_en = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    mechanism = fields.String(required=True, validate=validate.OneOf(MECHANISMS))
    conditions = fields.List(
        fields.Nested(ConditionSchema), load_default=list, validate=validate.Length(max=MAX_CONDITIONS)
    )


class ListContentSchema(StrictSchema):
    """The content of a version: everything its digest covers."""

    title = fields.String(required=True, validate=[validate.Length(max=500), _non_blank])
    # Every list has a bound (a draft is one request): far above any published list's size.
    categories = fields.List(
        fields.Nested(CategorySchema), load_default=list, validate=validate.Length(max=MAX_CATEGORIES)
    )
    scope = fields.List(
        fields.String(validate=FullMatch(f"^{CATEGORY_PATTERN}$")),
        load_default=list,
        validate=validate.Length(max=MAX_SCOPE),
        metadata={"description": "Category codes of the sectors or scenarios the list covers."},
    )
    scope_complete = StrictBoolean(
        load_default=True,
        metadata={
            "description": "False when scope does not name every sector the list covers: a category outside it "
            "then cannot be ruled out (Article 6 undetermined)."
        },
    )
    excludes_ciio = StrictBoolean(load_default=True)
    items_complete = StrictBoolean(load_default=True)
    attributes = fields.List(
        fields.Nested(AttributeSchema), load_default=list, validate=validate.Length(max=MAX_ATTRIBUTES)
    )
    items = fields.List(fields.Nested(ItemSchema), load_default=list, validate=validate.Length(max=MAX_ITEMS))

    @ma.pre_load
    def _drop_read_only(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key not in READ_ONLY_FIELDS}
        return data

    @ma.validates_schema(skip_on_field_errors=False)
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors = content_errors(data)
        if errors:
            raise ValidationError(errors)


class ListVersionCreateSchema(ListContentSchema):
    version = fields.String(
        required=True,
        validate=[FullMatch(f"^{VERSION_PATTERN}$"), _version_label],
        metadata={"example": "2024"},
    )


class ListVersionReplaceSchema(ListContentSchema):
    version = fields.String(
        load_default=None,
        metadata={"description": "Optional; must equal the version in the path."},
    )


def content_errors(data: dict[str, Any]) -> dict[str, Any]:
    """Cross-field rules of a version's content, keyed as the request is nested.

    Every prefix of a category must be declared; codes unique; scope and items only on declared
    categories; conditions only on known figures with operators that suit the attribute's type.
    """
    errors: dict[str, Any] = {}

    def add(path: tuple[Any, ...], message: Message) -> None:
        node = errors
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node.setdefault(path[-1], []).append(message)

    categories = [c for c in data.get("categories") or [] if isinstance(c, dict) and "code" in c]
    declared: set[str] = set()
    for index, category in enumerate(categories):
        code = category["code"]
        if code in declared:
            add(("categories", index, "code"), Message("Duplicate code.", "duplicate_code"))
        declared.add(code)
    for index, category in enumerate(categories):
        code = category["code"]
        parts = code.split(".")
        missing = [".".join(parts[:n]) for n in range(1, len(parts)) if ".".join(parts[:n]) not in declared]
        if missing:
            add(
                ("categories", index, "code"),
                Message(
                    f"Parent categories not declared: {', '.join(missing)}.", "parents_not_declared", codes=missing
                ),  # fmt: skip
            )

    seen_scope: set[str] = set()
    for index, code in enumerate(data.get("scope") or []):
        if not isinstance(code, str):
            continue
        if code not in declared:
            add(("scope", index), Message(f"Category {code!r} is not declared.", "category_not_declared", code=code))
        if code in seen_scope:
            add(("scope", index), Message("Duplicate scope code.", "duplicate_scope"))
        seen_scope.add(code)

    attribute_types: dict[str, str] = {name: "integer" for name in BUILT_IN_FIGURES}
    for index, attribute in enumerate(data.get("attributes") or []):
        if not isinstance(attribute, dict) or "name" not in attribute:
            continue
        if attribute["name"] in attribute_types and attribute["name"] not in BUILT_IN_FIGURES:
            add(("attributes", index, "name"), Message("Duplicate attribute.", "duplicate_attribute"))
        attribute_types.setdefault(attribute["name"], attribute.get("type", "integer"))

    seen_codes: set[str] = set()
    for index, item in enumerate(data.get("items") or []):
        if not isinstance(item, dict):
            continue
        code = item.get("code")
        if code is not None:
            if code in seen_codes:
                add(("items", index, "code"), Message("Duplicate code.", "duplicate_code"))
            seen_codes.add(code)
        category = item.get("category")
        if category is not None and category not in declared:
            add(
                ("items", index, "category"),
                Message(f"Category {category!r} is not declared.", "category_not_declared", code=category),
            )
        for c_index, condition in enumerate(item.get("conditions") or []):
            if not isinstance(condition, dict) or "attribute" not in condition:
                continue
            kind = attribute_types.get(condition["attribute"])
            path = ("items", index, "conditions", c_index)
            if kind is None:
                add(
                    (*path, "attribute"),
                    Message(
                        f"Unknown attribute {condition['attribute']!r}: declare it.",
                        "unknown_attribute",
                        name=condition["attribute"],
                    ),  # fmt: skip
                )
            elif kind == "boolean":
                if condition.get("op") != "==" or not isinstance(condition.get("value"), bool):
                    add(
                        (*path, "value"),
                        Message("A boolean attribute takes op '==' and true or false.", "boolean_condition"),
                    )
            elif isinstance(condition.get("value"), bool):
                add(
                    (*path, "value"),
                    Message(f"Attribute {condition['attribute']!r} is a number.", "number_attribute",
                            name=condition["attribute"]),
                )  # fmt: skip
    return errors


_TEXT = {"allow_none": True}


class ConditionOutSchema(ma.Schema):
    attribute = fields.String()
    op = fields.String()
    value = fields.Raw()


class ItemOutSchema(ma.Schema):
    code = fields.String()
    category = fields.String()
    name_zh = fields.String()
    name_en = fields.String(**_TEXT)
    description = fields.String(**_TEXT)
    level = fields.String(metadata={"enum": list(LEVELS), "description": labels.described(labels.LEVELS)})
    mechanism = fields.String(metadata={"enum": list(MECHANISMS), "description": labels.described(labels.MECHANISMS)})
    conditions = fields.List(fields.Nested(ConditionOutSchema))


class CategoryOutSchema(ma.Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String(**_TEXT)


class AttributeOutSchema(ma.Schema):
    name = fields.String()
    type = fields.String()
    label_zh = fields.String(**_TEXT)
    label_en = fields.String(**_TEXT)


class HistoryEntrySchema(ma.Schema):
    action = fields.String(metadata={"description": "created, edited, submitted, approved, ..."})
    actor = fields.String()
    actor_role = fields.String()
    at = fields.String(metadata={"description": "UTC timestamp, ISO 8601"})
    document_no = fields.String(**_TEXT)
    authority = fields.String(**_TEXT)
    reason = fields.String(**_TEXT)
    on = fields.String(**_TEXT, metadata={"description": "The date the action takes effect or was decided"})


class FilingOutSchema(ma.Schema):
    authority = fields.String(metadata={"enum": ["CAC", "NDA"]})
    filing_no = fields.String(allow_none=True, metadata={"description": "null: reported without its number"})
    filed_on = IsoDate(allow_none=True)


class ApprovalOutSchema(ma.Schema):
    document_no = fields.String(**_TEXT)
    decided_on = IsoDate(**_TEXT)


class ListVersionSummarySchema(ma.Schema):
    class Meta:
        ordered = True

    zone = fields.String()
    version = fields.String()
    title = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES), "description": labels.described(labels.STATUSES)})
    effective_from = IsoDate(allow_none=True)
    revoked_on = IsoDate(allow_none=True)
    digest = fields.String(allow_none=True)
    scope = fields.List(fields.String())
    scope_complete = fields.Boolean()
    excludes_ciio = fields.Boolean()
    items_complete = fields.Boolean()
    item_count = fields.Integer()
    approval = fields.Nested(ApprovalOutSchema, allow_none=True)
    filings = fields.List(fields.Nested(FilingOutSchema))
    record = fields.Dict(metadata={"description": "Facts about the published record (issuers, sources)."})
    of_record = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Lists of record only: whether the sources state the approval and each filing "
            '(`{"approval": "reported" | "not stated in the sources", "filings": {"CAC": …, "NDA": …}}`)'
        },
    )
    created_at = fields.String()
    updated_at = fields.String()


class ListVersionSchema(ListVersionSummarySchema):
    categories = fields.List(fields.Nested(CategoryOutSchema))
    attributes = fields.List(fields.Nested(AttributeOutSchema))
    items = fields.List(fields.Nested(ItemOutSchema))
    history = fields.List(fields.Nested(HistoryEntrySchema))


class ApprovalDecisionSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("approved", "rejected")))
    document_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    decided_on = IsoDate(load_default=None, allow_none=True, metadata={"description": "Default: today"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))

    @ma.validates_schema
    def _needs(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["decision"] == "approved" and not (data.get("document_no") or "").strip():
            raise ValidationError(
                {
                    "document_no": [
                        Message("An approval needs the commission's document number.", "document_no_required")
                    ]
                }
            )
        if data["decision"] == "rejected" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": [Message("A rejection needs a reason.", "reason_required")]})


class FilingSchema(StrictSchema):
    authority = fields.String(required=True, validate=validate.OneOf(("CAC", "NDA")))
    filing_no = fields.String(required=True, validate=[validate.Length(max=200), _non_blank])
    filed_on = IsoDate(load_default=None, allow_none=True, metadata={"description": "Default: today"})


class PublishSchema(StrictSchema):
    effective_from = IsoDate(required=True)


class RevokeSchema(StrictSchema):
    revoked_on = IsoDate(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class InForceQuerySchema(RegistrySchema):
    class Meta:
        unknown = ma.EXCLUDE

    on = IsoDate(load_default=None, metadata={"description": "Default: today in Asia/Shanghai"})


class DiffSchema(ma.Schema):
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.String())


def is_valid_version_label(value: str) -> bool:
    """Return whether ``value`` may name a version (used to 404 early on odd paths)."""
    return bool(re.fullmatch(VERSION_PATTERN, value)) and value not in RESERVED_VERSIONS
