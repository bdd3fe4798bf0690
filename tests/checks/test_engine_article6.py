"""Article 6: a company in a pilot free-trade zone checks data against the zone's negative list."""

from __future__ import annotations

import copy
import datetime
from dataclasses import replace
from typing import Any

import pytest

from registry.checks.engine import (
    Article6Status,
    CheckRequest,
    Cumulative,
    Dataset,
    Outcome,
    Processor,
    determine,
)
from registry.checks.index import compile_list

INSIDE = Article6Status.INSIDE
OUTSIDE = Article6Status.OUTSIDE
OPEN = Article6Status.UNDETERMINED
NA = Article6Status.NOT_APPLICABLE


def item(code: str, category: str, mechanism: str = "security_assessment", *conditions) -> dict:
    # Level personal_information: an important_data item also designates the data (Art. 2, v1.1),
    # which tests/checks/test_engine_v11.py covers; these tests are about matching alone.
    return {
        "code": code,
        "category": category,
        "name_zh": f"{code}数据",
        "level": "personal_information",
        "mechanism": mechanism,
        "conditions": [{"attribute": a, "op": op, "value": v} for a, op, v in conditions],
    }


# The Tianjin zone's list (simplified): automotive and biomedicine in scope, finance declared only.
TIANJIN: dict[str, Any] = {
    "categories": [
        {"code": code, "name_zh": code}
        for code in [
            "AUTO",
            "AUTO.VEH",
            "AUTO.VEH.TRACK",
            "AUTO.VEH.CABIN",
            "AUTO.PARTS",
            "AUTO.SALES",
            "BIO",
            "BIO.GENE",
            "FIN",
        ]
    ],
    "scope": ["AUTO", "BIO"],
    "excludes_ciio": True,
    "items_complete": True,
    "attributes": [
        {"name": "vehicle_count", "type": "integer"},
        {"name": "includes_faces", "type": "boolean"},
    ],
    "items": [
        item("AUTO-001", "AUTO.VEH.TRACK", "security_assessment", ("vehicle_count", ">=", 100_000)),
        item("AUTO-002", "AUTO.VEH.CABIN", "security_assessment", ("includes_faces", "==", True)),
        item(
            "AUTO-003",
            "AUTO.SALES",
            "standard_contract_or_certification",
            ("personal_info_subjects", ">=", 10_000),
        ),
        item("BIO-001", "BIO.GENE", "security_assessment"),
    ],
}


def compiled(content: dict | None = None, **changes: Any):
    content = copy.deepcopy(content or TIANJIN)
    content.update(changes)
    return compile_list(content, zone="CN-TJ-FTZ", version="2024", digest="abc123")


def check(
    *categories: str,
    pi: int | None = 0,
    sensitive: int | None = 0,
    cumulative: int | None = None,
    important: bool | None = False,
    in_zone: bool | None = True,
    ciio: bool | None = False,
    attributes: dict | None = None,
    grounds: tuple[str, ...] = (),
) -> CheckRequest:
    """A company's check; the cumulative total defaults to this dataset's own figure."""
    return CheckRequest(
        zone="CN-TJ-FTZ",
        on=datetime.date(2024, 6, 1),
        processor=Processor(in_zone=in_zone, ciio=ciio),
        dataset=Dataset(
            categories=categories,
            personal_info_subjects=pi,
            sensitive_pi_subjects=sensitive,
            important_data=important,
            attributes=attributes or {},
        ),
        cumulative=Cumulative(pi if cumulative is None else cumulative, sensitive),
        grounds=frozenset(grounds),
    )


# --- scope ------------------------------------------------------------------------------------


def test_data_in_scope_matching_no_item_is_outside_the_list_and_exempt():
    result = determine(check("AUTO.PARTS.BRAKES"), compiled())
    assert result.article6_status is OUTSIDE
    assert result.outcome is Outcome.EXEMPT
    assert list(result.basis) == ["art6"]
    assert dict(result.list_ref) == {"zone": "CN-TJ-FTZ", "version": "2024", "digest": "abc123"}


def test_outside_the_list_lifts_even_a_large_transfer():
    # Art. 6 is an exemption: outside the list, Arts. 7-8 give way (从其规定).
    result = determine(check("AUTO.PARTS", pi=2_000_000), compiled())
    assert result.outcome is Outcome.EXEMPT
    assert list(result.basis) == ["art6"]


@pytest.mark.parametrize("category", ["FIN", "FIN.PAY", "RETAIL", "AUTOMOTIVE"])
def test_data_of_a_sector_the_list_does_not_cover_keeps_the_national_rules(category):
    result = determine(check(category, pi=200_000), compiled())
    assert result.article6_status is NA
    assert result.outcome is Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
    assert list(result.basis) == ["art8"]
    assert "outside the scope" in result.article6_reason


def test_out_of_scope_data_with_nothing_to_require_is_not_required():
    result = determine(check("FIN"), compiled())
    assert result.article6_status is NA
    assert result.outcome is Outcome.NOT_REQUIRED
    assert result.basis == ()


# --- conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "figure", "matches"),
    [
        (">=", 9_999, False),
        (">=", 10_000, True),
        (">", 10_000, False),
        (">", 10_001, True),
        ("<=", 10_000, True),
        ("<=", 10_001, False),
        ("<", 9_999, True),
        ("<", 10_000, False),
        ("==", 10_000, True),
        ("==", 10_001, False),
    ],
)
def test_each_condition_operator_at_its_boundary(op, figure, matches):
    content = copy.deepcopy(TIANJIN)
    content["items"] = [item("AUTO-009", "AUTO.VEH", "security_assessment", ("vehicle_count", op, 10_000))]
    result = determine(check("AUTO.VEH.TRACK", attributes={"vehicle_count": figure}), compiled(content))
    assert result.article6_status is (INSIDE if matches else OUTSIDE)
    assert list(result.matched_items) == (["AUTO-009"] if matches else [])
    assert result.outcome is (Outcome.SECURITY_ASSESSMENT if matches else Outcome.EXEMPT)


def test_a_boolean_condition():
    version = compiled()
    faces = determine(check("AUTO.VEH.CABIN", attributes={"includes_faces": True}), version)
    assert faces.article6_status is INSIDE and list(faces.matched_items) == ["AUTO-002"]
    no_faces = determine(check("AUTO.VEH.CABIN", attributes={"includes_faces": False}), version)
    assert no_faces.article6_status is OUTSIDE


def test_a_condition_on_the_dataset_figures():
    version = compiled()
    assert determine(check("AUTO.SALES", pi=9_999, cumulative=9_999), version).article6_status is OUTSIDE
    inside = determine(check("AUTO.SALES", pi=10_000, cumulative=150_000), version)
    assert inside.article6_status is INSIDE
    assert inside.outcome is Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
    assert list(inside.basis) == ["art6", "art8"]
    # Below 100,000 cumulatively, Art. 5(4) exempts on its own, inside the list or not.
    small = determine(check("AUTO.SALES", pi=10_000, cumulative=99_999), version)
    assert small.article6_status is INSIDE
    assert small.outcome is Outcome.EXEMPT
    assert list(small.basis) == ["art5.4"]


def test_a_missing_attribute_leaves_the_list_undetermined_and_is_named():
    result = determine(check("AUTO.VEH.TRACK"), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.attributes.vehicle_count" in result.missing_facts
    assert "vehicle_count" in result.article6_reason


def test_an_attribute_of_the_wrong_type_is_not_a_figure():
    result = determine(check("AUTO.VEH.TRACK", attributes={"vehicle_count": "lots"}), compiled())
    assert result.article6_status is OPEN


def test_a_missing_figure_does_not_matter_when_another_condition_already_fails():
    content = copy.deepcopy(TIANJIN)
    content["items"] = [
        item(
            "AUTO-010",
            "AUTO.VEH",
            "security_assessment",
            ("vehicle_count", ">=", 100),
            ("personal_info_subjects", ">=", 1_000),
        )
    ]
    result = determine(check("AUTO.VEH", pi=10, cumulative=10), compiled(content))
    assert result.article6_status is OUTSIDE
    assert result.outcome is Outcome.EXEMPT


def test_a_missing_cumulative_total_is_at_least_the_dataset_figure():
    content = copy.deepcopy(TIANJIN)
    content["items"] = [
        item(
            "AUTO-011",
            "AUTO.SALES",
            "security_assessment",
            ("cumulative_personal_info_subjects", ">=", 100_000),
        )
    ]
    request_ = replace(check("AUTO.SALES", pi=150_000), cumulative=None)
    result = determine(request_, compiled(content))
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.SECURITY_ASSESSMENT


# --- broader categories -----------------------------------------------------------------------


@pytest.mark.parametrize("category", ["AUTO", "AUTO.VEH", "BIO"])
def test_a_category_broader_than_an_item_cannot_be_ruled_out(category):
    result = determine(check(category, attributes={"vehicle_count": 5}), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert "broader than items" in result.article6_reason


def test_a_category_broader_than_a_scope_code_cannot_be_ruled_out():
    version = compiled(scope=["AUTO.PARTS"], items=[])
    result = determine(check("AUTO"), version)
    assert result.article6_status is OPEN
    assert "scope code" in result.article6_reason
    assert determine(check("AUTO.SALES"), version).article6_status is NA


def test_an_assessment_due_under_article7_is_still_open_while_the_list_might_exempt():
    # 100万人以上 requires a security assessment (Art. 7), but data outside the list are exempt
    # whatever Art. 7 says (从其规定): a narrower category could still make it so.
    result = determine(check("AUTO", pi=1_000_000), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert result.basis == ()
    narrower = determine(check("AUTO.PARTS", pi=1_000_000), compiled())
    assert (narrower.article6_status, narrower.outcome) == (OUTSIDE, Outcome.EXEMPT)


def test_an_assessment_due_under_article7_stands_on_a_list_that_cannot_say_outside():
    # A partial record never finds data outside it, so nothing missing could exempt them.
    result = determine(check("AUTO", pi=1_000_000), compiled(items_complete=False))
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.SECURITY_ASSESSMENT
    assert list(result.basis) == ["art7.2"]


def test_important_data_waiting_on_a_figure_the_list_needs_is_undetermined():
    result = determine(check("AUTO.VEH.TRACK", important=True), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.attributes.vehicle_count" in result.missing_facts
    given = determine(check("AUTO.VEH.TRACK", important=True, attributes={"vehicle_count": 5}), compiled())
    assert (given.article6_status, given.outcome) == (OUTSIDE, Outcome.EXEMPT)


def test_undetermined_list_with_a_standard_contract_due_stays_undetermined():
    result = determine(check("AUTO", pi=200_000), compiled())
    assert result.outcome is Outcome.UNDETERMINED
    assert result.basis == ()


# --- several categories -----------------------------------------------------------------------


def test_one_category_matched_and_one_out_of_scope_is_inside():
    result = determine(check("AUTO.VEH.TRACK", "FIN", attributes={"vehicle_count": 200_000}), compiled())
    assert result.article6_status is INSIDE
    assert list(result.matched_items) == ["AUTO-001"]


def test_a_match_does_not_hide_a_stricter_item_still_waiting_on_a_figure():
    # AUTO.SALES matches a standard-contract item; AUTO.VEH.TRACK would need a security assessment
    # from 100,000 vehicles on, and the request does not give the count.
    request = check("AUTO.SALES", "AUTO.VEH.TRACK", pi=200_000, cumulative=200_000)
    result = determine(request, compiled())
    assert result.article6_status is INSIDE and list(result.matched_items) == ["AUTO-003"]
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.attributes.vehicle_count" in result.missing_facts
    assert "vehicle_count" in result.article6_reason
    below = determine(
        replace(request, dataset=replace(request.dataset, attributes={"vehicle_count": 99_999})), compiled()
    )
    assert below.outcome is Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
    at = determine(
        replace(request, dataset=replace(request.dataset, attributes={"vehicle_count": 100_000})), compiled()
    )
    assert at.outcome is Outcome.SECURITY_ASSESSMENT and list(at.matched_items) == ["AUTO-001", "AUTO-003"]


def test_a_match_does_not_hide_a_stricter_item_below_a_broader_category():
    result = determine(check("AUTO.SALES", "AUTO.VEH", pi=200_000, cumulative=200_000), compiled())
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.UNDETERMINED


def test_a_waiting_item_no_stricter_than_the_answer_leaves_it_settled():
    # BIO.GENE already needs a security assessment; nothing AUTO.VEH.TRACK could add is stricter.
    result = determine(check("BIO.GENE", "AUTO.VEH.TRACK"), compiled())
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.SECURITY_ASSESSMENT
    assert result.missing_facts == ()


@pytest.mark.parametrize("doubtful", ["AUTO.VEH.TRACK", "AUTO"])
def test_out_of_scope_data_beside_data_the_list_may_cover_is_undetermined(doubtful):
    # FIN is out of scope (not_applicable), but the other category may fall under a stricter item.
    result = determine(check("FIN", doubtful), compiled())
    assert result.article6_status is NA
    assert result.outcome is Outcome.UNDETERMINED
    with_count = determine(check("FIN", doubtful, attributes={"vehicle_count": 5}), compiled())
    if doubtful == "AUTO.VEH.TRACK":
        assert with_count.outcome is Outcome.NOT_REQUIRED  # ruled out: the national rules alone
    else:  # still broader than the items: only a narrower category can decide
        assert with_count.outcome is Outcome.UNDETERMINED
        assert "dataset.categories" in with_count.missing_facts


def test_one_category_outside_the_list_and_one_out_of_scope_is_not_applicable():
    result = determine(check("AUTO.PARTS", "FIN", pi=50, cumulative=50), compiled())
    assert result.article6_status is NA
    assert list(result.basis) == ["art5.4"]  # Art. 5(4) still exempts; Art. 6 does not


def test_one_category_undetermined_and_one_outside_is_undetermined():
    result = determine(check("AUTO.PARTS", "AUTO"), compiled())
    assert result.article6_status is OPEN


def test_matched_items_are_sorted_and_listed_once():
    result = determine(
        check(
            "BIO.GENE.SEQ",
            "AUTO.VEH.TRACK",
            "BIO.GENE",
            attributes={"vehicle_count": 100_000},
        ),
        compiled(),
    )
    assert list(result.matched_items) == ["AUTO-001", "BIO-001"]


def test_no_category_at_all_is_never_outside():
    result = determine(check(), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.categories" in result.missing_facts


# --- the processor ----------------------------------------------------------------------------


@pytest.mark.parametrize(("excludes_ciio", "status"), [(True, NA), (False, OUTSIDE)])
def test_a_ciio_can_use_the_list_only_when_it_does_not_exclude_them(excludes_ciio, status):
    result = determine(check("AUTO.PARTS", ciio=True), compiled(excludes_ciio=excludes_ciio))
    assert result.article6_status is status


def test_a_ciio_excluded_from_the_list_with_personal_information_needs_an_assessment():
    result = determine(check("AUTO.PARTS", pi=10, ciio=True), compiled())
    assert result.outcome is Outcome.SECURITY_ASSESSMENT
    assert list(result.basis) == ["art7.1"]
    assert "关键信息基础设施运营者不适用本清单" in result.article6_reason


def test_a_company_outside_the_zone_cannot_use_the_list():
    result = determine(check("AUTO.PARTS", pi=200_000, in_zone=False), compiled())
    assert result.article6_status is NA
    assert result.outcome is Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
    assert "not in the zone" in result.article6_reason


def test_an_unknown_zone_membership_is_never_outside():
    result = determine(check("AUTO.PARTS", in_zone=None), compiled())
    assert result.article6_status is OPEN
    assert result.outcome is Outcome.UNDETERMINED
    assert "processor.in_zone" in result.missing_facts


def test_an_unknown_ciio_status_matters_only_when_the_list_excludes_ciios():
    assert determine(check("AUTO.PARTS", ciio=None), compiled()).article6_status is OPEN
    lenient = determine(check("AUTO.PARTS", ciio=None), compiled(excludes_ciio=False))
    assert lenient.article6_status is OUTSIDE
    assert lenient.outcome is Outcome.EXEMPT


def test_out_of_scope_data_is_not_applicable_whoever_the_processor_is():
    result = determine(check("FIN", in_zone=None), compiled())
    assert result.article6_status is NA


def test_no_list_in_force():
    result = determine(check("AUTO.PARTS"), None)
    assert result.article6_status is NA
    assert result.list_ref is None
    assert result.to_dict()["article6"]["list"] is None


# --- partial records --------------------------------------------------------------------------


def test_a_partial_record_is_never_outside():
    version = compiled(items_complete=False)
    result = determine(check("AUTO.PARTS"), version)
    assert result.article6_status is OPEN
    assert "items_complete" in result.article6_reason
    assert result.outcome is Outcome.UNDETERMINED


def test_a_partial_record_can_still_say_inside():
    version = compiled(items_complete=False)
    result = determine(check("BIO.GENE"), version)
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.SECURITY_ASSESSMENT


def test_a_partial_record_still_says_out_of_scope():
    result = determine(check("FIN"), compiled(items_complete=False))
    assert result.article6_status is NA


# --- inside the list: never weaker than Articles 7-8 ------------------------------------------

SALES_SCC = copy.deepcopy(TIANJIN)
SALES_SCC["items"] = [item("AUTO-020", "AUTO.SALES", "standard_contract_or_certification")]
SALES_SA = copy.deepcopy(TIANJIN)
SALES_SA["items"] = [item("AUTO-021", "AUTO.SALES", "security_assessment")]


@pytest.mark.parametrize(
    ("content", "facts", "outcome", "basis"),
    [
        (SALES_SCC, {"pi": 1_000_000}, Outcome.SECURITY_ASSESSMENT, ["art6", "art7.2"]),
        (SALES_SCC, {"sensitive": 10_000}, Outcome.SECURITY_ASSESSMENT, ["art6", "art7.2"]),
        (SALES_SCC, {"pi": 0, "important": True}, Outcome.SECURITY_ASSESSMENT, ["art6", "art7.2"]),
        (SALES_SCC, {"pi": 200_000}, Outcome.STANDARD_CONTRACT_OR_CERTIFICATION, ["art6", "art8"]),
        (SALES_SCC, {"pi": 0}, Outcome.STANDARD_CONTRACT_OR_CERTIFICATION, ["art6"]),
        (SALES_SA, {"pi": 200_000}, Outcome.SECURITY_ASSESSMENT, ["art6"]),
        (SALES_SA, {"pi": 2_000_000}, Outcome.SECURITY_ASSESSMENT, ["art6", "art7.2"]),
    ],
)
def test_inside_the_list_the_outcome_is_never_weaker_than_articles_7_and_8(content, facts, outcome, basis):
    result = determine(check("AUTO.SALES", **facts), compiled(content))
    assert result.article6_status is INSIDE
    assert result.outcome is outcome
    assert list(result.basis) == basis


def test_inside_with_a_security_assessment_item_needs_no_more_facts():
    result = determine(check("BIO.GENE", pi=0, important=False), compiled())
    assert result.outcome is Outcome.SECURITY_ASSESSMENT


def test_inside_with_a_security_assessment_item_is_open_while_article5_might_exempt():
    # Art. 5(4) exempts fewer than 100,000 people a year, inside the list or not -- if no important data.
    result = determine(check("BIO.GENE", pi=5_000, cumulative=None, important=None), compiled())
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.important_data" in result.missing_facts


def test_inside_with_a_weaker_item_and_an_open_national_answer_is_undetermined():
    result = determine(check("AUTO.SALES", pi=10_000, important=None), compiled())
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.UNDETERMINED
    assert "dataset.important_data" in result.missing_facts


# --- the other exemptions stand on their own ---------------------------------------------------


def test_article_5_exempts_data_inside_the_list():
    result = determine(
        check("BIO.GENE", pi=5_000, cumulative=150_000, grounds=("contract_with_individual",)),
        compiled(),
    )
    assert result.article6_status is INSIDE
    assert result.outcome is Outcome.EXEMPT
    assert list(result.basis) == ["art5.1"]


def test_every_exemption_that_applies_is_listed_with_article_6():
    result = determine(check("AUTO.PARTS", pi=5_000, grounds=("emergency",)), compiled())
    assert list(result.basis) == ["art5.3", "art5.4", "art6"]


def test_the_explanation_of_article_6_follows_the_status():
    inside = determine(check("BIO.GENE"), compiled())
    (entry,) = [e for e in inside.explanation if e.article == "6"]
    assert entry.applies is True
    assert "BIO-001" in entry.text and "负面清单" in entry.quote_zh
    undetermined = determine(check("AUTO.VEH.TRACK"), compiled())
    (entry,) = [e for e in undetermined.explanation if e.article == "6"]
    assert entry.applies is None
    assert entry.missing == ("dataset.attributes.vehicle_count",)
