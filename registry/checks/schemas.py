"""Schemas of check requests and results (docs/api.md, "Checks")."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from registry.checks.engine import GROUNDS, ORDER_IN_FORCE_FROM
from registry.fields import Count, FlatDict, IsoDate, RegistrySchema, StrictBoolean, figure
from registry.lists.schemas import CATEGORY_PATTERN
from registry.messages import Message

MAX_CATEGORIES = 200
MAX_ATTRIBUTES = 200


class AttributeValue(fields.Field):
    """A declared attribute's figure: a number or a boolean (null: not known)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return None if value is None else figure(value)


class Strict(RegistrySchema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


def _order_in_force(value: Any) -> bool:
    """Art. 14: Order No. 16 applies from 2024-03-22; earlier checks are refused (v1.1)."""
    if value is not None and value < ORDER_IN_FORCE_FROM:
        raise ValidationError(
            Message(
                "Order No. 16 applies from 2024-03-22 (Art. 14); the registry does not decide transfers "
                "dated earlier, under the orders before it.",
                "before_order_in_force",
            )
        )
    return True


def check_date(**kwargs: Any) -> IsoDate:
    """The ``on`` of a check: ``YYYY-MM-DD``, not before 2024-03-22."""
    return IsoDate(load_default=None, validate=_order_in_force, **kwargs)


LABEL_LENGTH = 200


class ProcessorSchema(Strict):
    in_zone = StrictBoolean(required=True, metadata={"description": "Registered and operating in the zone"})
    ciio = StrictBoolean(required=True, metadata={"description": "A critical information infrastructure operator"})
    name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=LABEL_LENGTH),
        metadata={"description": "Optional: whom the determination is about, echoed in the result and receipt"},
    )


class CumulativeSchema(Strict):
    personal_info_subjects = Count(
        required=True,
        metadata={
            "description": "Distinct people whose non-sensitive personal information the processor has provided "
            "abroad since 1 January (processor-wide, access from abroad included), this transfer included"
        },
    )
    sensitive_pi_subjects = Count(
        required=True,
        metadata={"description": "Distinct people whose sensitive personal information it has provided abroad "
                  "since 1 January, this transfer included"},
    )  # fmt: skip


def _category(value: str) -> bool:
    import re

    if not re.fullmatch(CATEGORY_PATTERN, value) or len(value) > 128:
        raise ValidationError(
            Message(f"{value!r} is not a category code (dot-separated, e.g. AUTO.VEH.TRACK).", "not_category_code",
                    code=value)
        )  # fmt: skip
    return True


class DatasetSchema(Strict):
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LABEL_LENGTH),
                          metadata={"description": "Your name for it, echoed in result and receipt"})  # fmt: skip
    categories = fields.List(
        fields.String(validate=_category),
        required=True,
        validate=validate.Length(min=1, max=MAX_CATEGORIES),
        metadata={"example": ["AUTO.VEH.TRACK.GPS"]},
    )
    personal_info_subjects = Count(
        required=True,
        metadata={
            "description": "People (not records) whose non-sensitive personal information is in the dataset, "
            "counted separately from sensitive_pi_subjects; people whose information is only accessible "
            "from abroad count too"
        },
    )
    sensitive_pi_subjects = Count(
        required=True,
        metadata={
            "description": "People whose sensitive personal information (PIPL Art. 28; any information of a "
            "child under 14) is in the dataset"
        },
    )
    important_data = StrictBoolean(
        required=True,
        metadata={
            "description": "The dataset holds data a department or region has notified to the processor, or "
            "publicly announced, as important data on or before `on` (Art. 2); the processor's own assessment "
            "alone does not make it so. A list in force that applies to the processor designates its "
            "important_data items' data whatever this says."
        },
    )
    attributes = FlatDict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=AttributeValue(allow_none=True),
        load_default=dict,
        validate=validate.Length(max=MAX_ATTRIBUTES),
    )


class _CumulativeRules:
    @ma.validates_schema
    def _cumulative(self, data: dict[str, Any], **_kwargs: Any) -> None:
        dataset = data.get("dataset", data)
        cumulative = data.get("cumulative")
        holds_pi = dataset.get("personal_info_subjects", 0) > 0 or dataset.get("sensitive_pi_subjects", 0) > 0
        if cumulative is None:
            if holds_pi:
                raise ValidationError(
                    {
                        "cumulative": [
                            Message(
                                "Required when the dataset holds personal information: "
                                "the totals since 1 January, this transfer included.",
                                "cumulative_required",
                            )
                        ]
                    }  # fmt: skip
                )
            return
        errors: dict[str, list[str]] = {}
        for name in ("personal_info_subjects", "sensitive_pi_subjects"):
            own = dataset.get(name)
            if own is not None and cumulative[name] < own:
                errors[name] = [
                    Message(f"May not be smaller than the dataset's own {name} ({own}).", "below_own_count", count=own)
                ]
        if errors:
            raise ValidationError({"cumulative": errors})


GROUND_FIELD = fields.List(fields.String(validate=validate.OneOf(GROUNDS)), load_default=list)


class CheckRequestSchema(_CumulativeRules, Strict):
    zone = fields.String(required=True, validate=validate.Length(min=1, max=16), metadata={"example": "CN-TJ-FTZ"})
    on = check_date(metadata={"description": "Default: today in Asia/Shanghai; not before 2024-03-22 (Art. 14)"})
    processor = fields.Nested(ProcessorSchema, required=True)
    dataset = fields.Nested(DatasetSchema, required=True)
    cumulative = fields.Nested(CumulativeSchema, load_default=None)
    grounds = fields.List(fields.String(validate=validate.OneOf(GROUNDS)), load_default=list,
                          metadata={"description": "Facts Articles 3–5 rest on, and legal_duty (Network Data "
                                    "Security Management Regulations Art. 35(6), from 2025-01-01)"})  # fmt: skip


class BatchDatasetSchema(_CumulativeRules, DatasetSchema):
    """One dataset of a batch, with its own cumulative figures and grounds."""

    cumulative = fields.Nested(CumulativeSchema, load_default=None)
    grounds = fields.List(fields.String(validate=validate.OneOf(GROUNDS)), load_default=list)


class BatchRequestSchema(Strict):
    zone = fields.String(required=True, validate=validate.Length(min=1, max=16))
    on = check_date()
    processor = fields.Nested(ProcessorSchema, required=True)
    datasets = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1),  # null: its own error
        metadata={"description": "Datasets as in a single check, each with optional cumulative and grounds",
                  "items": {"type": "object"}},
    )  # fmt: skip


class CsvBatchQuerySchema(RegistrySchema):
    class Meta:
        unknown = ma.EXCLUDE

    zone = fields.String(required=True, validate=validate.Length(min=1, max=16))
    on = check_date()
    in_zone = fields.Boolean(required=True)
    ciio = fields.Boolean(required=True)


EXPLANATION_FORMS = ("full", "shared")


class BatchOptionsSchema(RegistrySchema):
    """Query parameters of either form of batch (JSON or CSV body)."""

    class Meta:
        unknown = ma.EXCLUDE

    explanations = fields.String(
        load_default="full",
        validate=validate.OneOf(EXPLANATION_FORMS),
        metadata={"description": "`full` (default): each result carries its reasoning in place, as a single "
                  "check's does. `shared`: each distinct piece of reasoning once, in the answer's list `texts`; "
                  "explanation entries carry `text_refs` and `text_zh_refs` instead of `text` and `text_zh`, and "
                  "`article6` carries `reason_refs` instead of `reason`: indexes into `texts`, whose pieces "
                  "joined in order are the text"},
    )  # fmt: skip


class ListRefSchema(ma.Schema):
    zone = fields.String()
    version = fields.String()
    digest = fields.String(allow_none=True)
    items_complete = fields.Boolean(metadata={"description": "Present and false for a partial record"})
    full_text_url = fields.String(allow_none=True, metadata={"description": "Where the full list is published"})


class Article6Schema(ma.Schema):
    status = fields.String(metadata={"enum": ["outside", "inside", "undetermined", "not_applicable"]})
    list = fields.Nested(ListRefSchema, allow_none=True)
    matched_items = fields.List(fields.String())
    reason = fields.String()
    reason_refs = fields.List(
        fields.Integer(),
        metadata={
            "description": "Batches asked with `explanations=shared`: `reason` is the pieces of the "
            "batch's `texts` at these indexes, joined in order"
        },
    )
    unknown_categories = fields.List(
        fields.String(),
        metadata={"description": "The dataset's codes that no category of the version in force covers or is "
                  "covered by (typing errors, or sectors the list does not name); still treated as the rules say"},
    )  # fmt: skip
    suggestions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For each unknown category, the nearest declared codes, best first"},
    )


class ExplanationSchema(ma.Schema):
    article = fields.String()
    applies = fields.Boolean(allow_none=True)
    text = fields.String()
    text_zh = fields.String(metadata={"description": "The same reasoning in Chinese"})
    quote_zh = fields.String(metadata={"description": "Single checks: the article's Chinese text"})
    quote_en = fields.String()
    quote = fields.String(metadata={"description": "Batches: key of the text in the batch's `quotes`"})
    text_refs = fields.List(
        fields.Integer(),
        metadata={
            "description": "Batches asked with `explanations=shared`: `text` is the pieces of the batch's "
            "`texts` at these indexes, joined in order"
        },
    )
    text_zh_refs = fields.List(fields.Integer(), metadata={"description": "The same for `text_zh`"})
    missing = fields.List(fields.String())


class CheckResultSchema(ma.Schema):
    class Meta:
        ordered = True

    label = fields.String(allow_none=True, metadata={"description": "dataset.label as sent"})
    processor_name = fields.String(allow_none=True, metadata={"description": "processor.name as sent"})
    article6 = fields.Nested(Article6Schema)
    outcome = fields.String(
        metadata={
            "enum": [
                "exempt",
                "not_required",
                "standard_contract_or_certification",
                "security_assessment",
                "undetermined",
                "invalid",
            ]
        }  # fmt: skip
    )
    national_outcome = fields.String(
        metadata={
            "description": "The outcome on the same facts with Article 6's exemption set aside (Articles 2-5 and "
            "7-8 alone, a list's important-data designation included): what holds if the data are not outside "
            "the list",
            "enum": ["exempt", "not_required", "standard_contract_or_certification", "security_assessment",
                     "undetermined"],
        }
    )  # fmt: skip
    national_basis = fields.List(fields.String(), metadata={"description": "The articles national_outcome rests on"})
    basis = fields.List(fields.String())
    explanation = fields.List(fields.Nested(ExplanationSchema))
    duties = fields.List(fields.String())
    missing_facts = fields.List(fields.String())
    ignored_attributes = fields.List(
        fields.String(), metadata={"description": "Attributes the list version does not declare: not used, not signed"}
    )
    errors = fields.Dict(metadata={"description": "Batch only: why this dataset is invalid"})
    receipt = fields.String()


class QuoteSchema(ma.Schema):
    zh = fields.String()
    en = fields.String()


class BatchResultSchema(ma.Schema):
    results = fields.List(fields.Nested(CheckResultSchema))
    quotes = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(QuoteSchema),
        metadata={"description": "Article texts quoted by the results' explanation entries (their `quote` key)"},
    )
    texts = fields.List(
        fields.String(),
        metadata={
            "description": "Only with `explanations=shared`: each distinct piece of the results' reasoning "
            "once, at the index `text_refs`, `text_zh_refs` and `reason_refs` name"
        },
    )


class VerifyRequestSchema(Strict):
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=200_000))


class VerifyResultSchema(ma.Schema):
    valid = fields.Boolean()
    check = fields.Dict(
        allow_none=True,
        metadata={"description": "The request, result, list digest and time of the check"},
    )
    reason = fields.String()


class SearchQuerySchema(RegistrySchema):
    class Meta:
        unknown = ma.EXCLUDE

    q = fields.String(required=True, validate=validate.Length(min=1, max=100))
    zone = fields.String(load_default=None, validate=validate.Length(max=16))
    on = IsoDate(load_default=None, metadata={"description": "The versions in force on this date (default today)"})


class SearchHitSchema(ma.Schema):
    zone = fields.String()
    version = fields.String()
    item = fields.Dict()
    category_names = fields.List(fields.String())
