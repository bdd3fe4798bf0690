"""Contract v1.1 in the engine: a Tianjin company checks data against rulings on the law.

Art. 4 only with personal information; a list's important-data items designate the data (Art. 2);
the statutory-duty ground of the Network Data Security Management Regulations (Art. 35(6));
unknown scope; ``national_outcome``; unknown categories; explanations in Chinese.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.checks.engine import (
    GROUNDS,
    Article6Status,
    CheckRequest,
    Cumulative,
    Dataset,
    Outcome,
    Processor,
    determine,
)
from registry.checks.index import compile_list
from tests.checks.test_engine_properties import RANK, counts, list_contents, small_counts

EXEMPT = Outcome.EXEMPT
SA = Outcome.SECURITY_ASSESSMENT
SCC = Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
OPEN = Outcome.UNDETERMINED
EXEMPTIONS = {"art3", "art4", "art5.1", "art5.2", "art5.3", "art5.4", "reg35.6"}

LIST: dict[str, Any] = {
    "categories": [
        {"code": code, "name_zh": code}
        for code in ["AUTO", "AUTO.VEH", "AUTO.VEH.TRACK", "AUTO.SALES", "AUTO.PARTS", "PHARMA", "PHARMA.TRIAL", "FIN"]
    ],
    "scope": ["AUTO", "PHARMA"],
    "excludes_ciio": True,
    "items_complete": True,
    "attributes": [{"name": "vehicle_count", "type": "integer"}],
    "items": [
        {
            "code": "AUTO-001",
            "category": "AUTO.VEH.TRACK",
            "name_zh": "车辆行驶轨迹数据",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [{"attribute": "vehicle_count", "op": ">=", "value": 10_000}],
        },
        {
            "code": "PHARMA-001",
            "category": "PHARMA.TRIAL",
            "name_zh": "临床试验数据",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [],
        },
        {
            "code": "AUTO-002",
            "category": "AUTO.SALES",
            "name_zh": "销售数据",
            "level": "personal_information",
            "mechanism": "standard_contract_or_certification",
            "conditions": [],
        },
    ],
}


def compiled(**changes: Any):
    content = copy.deepcopy(LIST)
    content.update(changes)
    return compile_list(content, zone="CN-TJ-FTZ", version="2024", digest="d")


def check(
    categories=("PHARMA.TRIAL",),
    pi=5_000,
    sensitive=0,
    *,
    cumulative=None,
    important=False,
    in_zone=True,
    ciio=False,
    grounds=(),
    on=datetime.date(2025, 6, 1),
    attributes=None,
) -> CheckRequest:
    total = pi if cumulative is None else cumulative
    return CheckRequest(
        zone="CN-TJ-FTZ",
        on=on,
        processor=Processor(in_zone=in_zone, ciio=ciio),
        dataset=Dataset(tuple(categories), pi, sensitive, important, attributes or {}),
        cumulative=Cumulative(total, sensitive),
        grounds=frozenset(grounds),
    )


def entry(result, article: str):
    return next(e for e in result.explanation if e.article == article)


# --- Art. 2: important data designated by a list ----------------------------------------------


@pytest.mark.parametrize("ground", ["contract_with_individual", "cross_border_hr", "emergency", "collected_abroad"])
def test_an_important_data_item_takes_away_articles_4_and_5(ground):
    result = determine(check(grounds=(ground,)), compiled())
    assert result.outcome is SA
    assert result.basis == ("art2", "art6", "art7.2")
    assert result.national_outcome is SA
    assert result.national_basis == ("art2", "art7.2")
    assert entry(result, "2").applies is True
    assert "PHARMA-001" in entry(result, "2").text and "重要数据" in entry(result, "2").text_zh


def test_an_important_data_item_takes_away_article_3_and_article_5_4():
    assert determine(check(pi=0, grounds=("marketing",)), compiled()).outcome is SA
    assert determine(check(pi=50_000), compiled()).outcome is SA  # 不满10万人, but important data


def test_a_zone_list_never_changes_the_answer_for_a_processor_outside_the_zone():
    result = determine(check(pi=200_000, in_zone=False, grounds=("contract_with_individual",)), compiled())
    assert result.outcome is EXEMPT
    assert result.basis == ("art5.1",)
    assert all(e.article != "2" for e in result.explanation)


def test_a_ciio_the_list_excludes_is_not_bound_by_its_designation():
    result = determine(check(pi=200_000, ciio=True, grounds=("contract_with_individual",)), compiled())
    assert result.outcome is EXEMPT
    assert result.basis == ("art5.1",)
    # A list that does not exclude CIIOs designates for them too.
    result = determine(check(ciio=True, grounds=("contract_with_individual",)), compiled(excludes_ciio=False))
    assert result.outcome is SA
    assert result.basis == ("art2", "art6", "art7.1")


def test_where_the_match_is_undetermined_so_is_the_exemption():
    # AUTO-001 needs vehicle_count, which the request does not give.
    result = determine(check(["AUTO.VEH.TRACK"], grounds=("contract_with_individual",)), compiled())
    assert result.outcome is OPEN
    assert "dataset.attributes.vehicle_count" in result.missing_facts
    assert entry(result, "2").applies is None
    assert entry(result, "5").applies is None
    # Below the condition: not designated, and Art. 5(1) exempts.
    small = check(["AUTO.VEH.TRACK"], grounds=("contract_with_individual",), attributes={"vehicle_count": 9_999})
    assert determine(small, compiled()).outcome is EXEMPT
    large = check(["AUTO.VEH.TRACK"], grounds=("contract_with_individual",), attributes={"vehicle_count": 10_000})
    assert determine(large, compiled()).outcome is SA


def test_a_processor_whose_place_is_unknown_gets_no_exemption_the_designation_could_remove():
    result = determine(check(in_zone=None, grounds=("contract_with_individual",)), compiled())
    assert result.outcome is OPEN
    assert "processor.in_zone" in result.missing_facts


def test_a_broader_category_above_an_important_data_item_keeps_the_exemption_open():
    result = determine(check(["PHARMA"], grounds=("contract_with_individual",)), compiled())
    assert result.outcome is OPEN
    assert "dataset.categories" in result.missing_facts


# --- Art. 4 -----------------------------------------------------------------------------------


def test_article_4_needs_personal_information():
    no_pi = determine(check(["FIN"], pi=0, grounds=("collected_abroad",)), None)
    assert no_pi.outcome is Outcome.NOT_REQUIRED
    assert "art4" not in no_pi.basis
    assert entry(no_pi, "4").applies is False
    assert determine(check(["FIN"], pi=1, grounds=("collected_abroad",)), None).basis == ("art4", "art5.4")
    assert determine(check(["FIN"], 0, 1, grounds=("collected_abroad",)), None).basis == ("art4",)


# --- Regulations Art. 35(6): legal_duty ---------------------------------------------------------


def test_legal_duty_exempts_personal_information_from_2025_01_01():
    before = determine(check(["FIN"], 200_000, grounds=("legal_duty",), on=datetime.date(2024, 12, 31)), None)
    assert before.outcome is SCC
    assert before.basis == ("art8",)
    on = determine(check(["FIN"], 200_000, grounds=("legal_duty",), on=datetime.date(2025, 1, 1)), None)
    assert on.outcome is EXEMPT
    assert on.basis == ("reg35.6",)
    assert entry(on, "reg35.6").applies is True
    assert "法定职责或者法定义务" in entry(on, "reg35.6").quote_zh
    assert "legal_duty" in GROUNDS


def test_legal_duty_never_covers_important_data_or_data_without_personal_information():
    important = determine(check(["FIN"], 200_000, important=True, grounds=("legal_duty",)), None)
    assert important.outcome is SA
    assert determine(check(["FIN"], 0, grounds=("legal_duty",)), None).outcome is Outcome.NOT_REQUIRED
    designated = determine(check(grounds=("legal_duty",)), compiled())
    assert designated.outcome is SA


# --- unknown scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("changes", [{"scope_complete": False}, {"scope": []}])
def test_outside_an_incomplete_or_empty_scope_article_6_is_undetermined(changes):
    result = determine(check(["FIN"], 150_000), compiled(**changes))
    assert result.article6_status is Article6Status.UNDETERMINED
    assert result.outcome is OPEN
    assert result.national_outcome is SCC
    assert result.national_basis == ("art8",)
    # The same list on record with a complete scope: FIN is out of scope.
    assert determine(check(["FIN"], 150_000), compiled()).article6_status is Article6Status.NOT_APPLICABLE
    # A processor the list does not apply to: not applicable whatever the scope.
    outside = determine(check(["FIN"], 150_000, in_zone=False), compiled(**changes))
    assert outside.article6_status is Article6Status.NOT_APPLICABLE
    assert outside.outcome is SCC


def test_an_incomplete_scope_still_lets_a_security_assessment_stand():
    result = determine(check(["FIN"], 2_000_000), compiled(scope_complete=False))
    assert result.outcome is SA


# --- national_outcome, unknown categories, explanations -----------------------------------------


def test_national_outcome_sets_article_6_aside():
    outside = determine(check(["AUTO.PARTS"], 150_000), compiled())
    assert outside.article6_status is Article6Status.OUTSIDE
    assert outside.outcome is EXEMPT
    assert outside.national_outcome is SCC
    assert outside.national_basis == ("art8",)
    none_in_force = determine(check(["FIN"], 150_000), None)
    assert none_in_force.national_outcome is none_in_force.outcome is SCC


def test_unknown_categories_come_with_the_nearest_declared_codes():
    result = determine(check(["PHARM", "AUTO.VEH.TRACK.GPS", "ZZZ"], 10), compiled())
    assert result.unknown_categories == ("PHARM", "ZZZ")
    assert result.suggestions["PHARM"][0] == "PHARMA"
    assert result.suggestions["ZZZ"] == ()
    shown = result.to_dict()["article6"]
    assert shown["unknown_categories"] == ["PHARM", "ZZZ"]
    assert shown["suggestions"]["PHARM"][0] == "PHARMA"
    assert determine(check(["PHARM"]), None).unknown_categories == ()


def test_every_explanation_entry_has_its_chinese_text():
    for request in [check(), check(["FIN"], 150_000), check(["AUTO.VEH.TRACK"], None), check(["FIN"], 0)]:
        for e in determine(request, compiled()).explanation:
            assert e.text_zh, e.article
    art8 = entry(determine(check(["FIN"], 150_000, in_zone=False), compiled()), "8")
    assert "10万人以上、不满100万人" in art8.text_zh


def test_when_earlier_transfers_reach_the_threshold_the_explanation_says_so():
    result = determine(check(["FIN"], 10, cumulative=150_000), None)
    assert result.outcome is SCC
    art8 = entry(result, "8")
    assert "earlier transfers this year" in art8.text and "not by this dataset alone (10 people)" in art8.text
    assert "此前" in art8.text_zh
    # A dataset that reaches the threshold on its own is not said to rely on earlier transfers.
    alone = entry(determine(check(["FIN"], 150_000), None), "8")
    assert "earlier transfers" not in alone.text
    art7 = entry(determine(check(["FIN"], 10, cumulative=1_000_000), None), "7")
    assert "earlier transfers this year" in art7.text


# --- properties ---------------------------------------------------------------------------------


@st.composite
def designating_lists(draw) -> dict[str, Any]:
    content = draw(list_contents())
    for item in content["items"]:
        item["level"] = draw(st.sampled_from(["important_data", "personal_information"]))
    content["scope_complete"] = draw(st.booleans())
    return content


@st.composite
def known_requests(draw) -> CheckRequest:
    pi, sensitive = draw(counts), draw(small_counts)
    return CheckRequest(
        zone="CN-TJ-FTZ",
        on=draw(st.sampled_from([datetime.date(2024, 6, 1), datetime.date(2025, 1, 1)])),
        processor=Processor(in_zone=draw(st.booleans()), ciio=draw(st.booleans())),
        dataset=Dataset(
            categories=tuple(
                draw(st.lists(st.sampled_from(["A", "A.X", "A.X.1", "A.Y", "B", "B.Z", "C"]), min_size=1, max_size=2))
            ),
            personal_info_subjects=pi,
            sensitive_pi_subjects=sensitive,
            important_data=draw(st.booleans()),
            attributes={"size": draw(counts)},
        ),
        cumulative=Cumulative(pi + draw(counts), sensitive + draw(small_counts)),
        grounds=frozenset(draw(st.lists(st.sampled_from(GROUNDS), max_size=3))),
    )


@settings(max_examples=300, deadline=None)
@given(designating_lists(), known_requests())
def test_a_lists_important_data_item_never_yields_an_article_3_4_or_5_exemption_in_the_zone(content, request):
    version = compile_list(content, zone="CN-TJ-FTZ", version="v", digest="d")
    result = determine(request, version)
    applies = request.processor.in_zone and not (content["excludes_ciio"] and request.processor.ciio)
    designating = [
        code
        for code in result.matched_items
        if next(i for i in content["items"] if i["code"] == code)["level"] == "important_data"
    ]
    if applies and designating:
        assert result.outcome is not EXEMPT
        assert not EXEMPTIONS & set(result.basis)
        assert not EXEMPTIONS & set(result.national_basis)
        assert result.national_outcome is SA
        assert "art2" in result.basis
    if not applies:
        assert "art2" not in result.basis
        assert all(e.article != "2" for e in result.explanation)


def _articles_7_8(request: CheckRequest, important: bool) -> Outcome | None:
    dataset, cumulative, ciio = request.dataset, request.cumulative, request.processor.ciio
    holds_pi = dataset.personal_info_subjects > 0 or dataset.sensitive_pi_subjects > 0
    if ciio:
        return SA if holds_pi or important else None
    if important:
        return SA
    # The yearly totals decide only for a transfer that carries personal information itself.
    if holds_pi and (cumulative.personal_info_subjects >= 1_000_000 or cumulative.sensitive_pi_subjects >= 10_000):
        return SA
    if holds_pi and (cumulative.personal_info_subjects >= 100_000 or cumulative.sensitive_pi_subjects >= 1):
        return SCC
    return None


@settings(max_examples=300, deadline=None)
@given(designating_lists(), known_requests())
def test_national_outcome_is_never_weaker_than_articles_7_and_8_require(content, request):
    version = compile_list(content, zone="CN-TJ-FTZ", version="v", digest="d")
    result = determine(request, version)
    national = result.national_outcome
    if national is EXEMPT:
        assert set(result.national_basis) <= EXEMPTIONS
        return
    if national is OPEN:
        assert result.missing_facts  # only a fact the request did not give leaves it open
        return
    designated = "art2" in result.national_basis
    required = _articles_7_8(request, request.dataset.important_data or designated)
    assert RANK[national] >= (RANK[required] if required else 0)
    assert "art6" not in result.national_basis
