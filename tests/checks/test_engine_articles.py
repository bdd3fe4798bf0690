"""Articles 3, 4, 5, 7, 8, 10 and 11 at every boundary, with no negative list in force.

Each row is a company's transfer and what Order No. 16 says about it, worked out by hand from the
articles and the reading rules (以上 includes, 不满 excludes; exemptions first, 从其规定).
"""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from registry.checks.articles import load_articles
from registry.checks.engine import (
    Article6Status,
    CheckRequest,
    Cumulative,
    Dataset,
    Mechanism,
    Outcome,
    Processor,
    determine,
)

EXEMPT = Outcome.EXEMPT
NONE = Outcome.NOT_REQUIRED
SCC = Outcome.STANDARD_CONTRACT_OR_CERTIFICATION
SA = Outcome.SECURITY_ASSESSMENT
OPEN = Outcome.UNDETERMINED


def transfer(
    pi: int | None = 0,
    sensitive: int | None = 0,
    *,
    cumulative: int | None | str = "same",
    cumulative_sensitive: int | None | str = "same",
    important: bool | None = False,
    ciio: bool | None = False,
    in_zone: bool | None = True,
    grounds: tuple[str, ...] = (),
) -> CheckRequest:
    """A transfer by a company; cumulative totals default to this dataset's own figures."""
    total = pi if cumulative == "same" else cumulative
    total_sensitive = sensitive if cumulative_sensitive == "same" else cumulative_sensitive
    return CheckRequest(
        zone="CN-TJ-FTZ",
        on=datetime.date(2024, 6, 1),
        processor=Processor(in_zone=in_zone, ciio=ciio),
        dataset=Dataset(
            categories=("AUTO.VEH",),
            personal_info_subjects=pi,
            sensitive_pi_subjects=sensitive,
            important_data=important,
            attributes={},
        ),
        cumulative=Cumulative(total, total_sensitive),
        grounds=frozenset(grounds),
    )


ART3 = [
    "international_trade",
    "cross_border_transport",
    "academic_cooperation",
    "transnational_manufacturing",
    "marketing",
]

# (id, request, outcome, basis)
ROWS = [
    # Cumulative non-sensitive PI (Art. 5(4) 不满10万人, Art. 8 10万人以上、不满100万人, Art. 7(2) 100万人以上).
    ("pi-1", transfer(1), EXEMPT, ["art5.4"]),
    ("pi-99999", transfer(5_000, cumulative=99_999), EXEMPT, ["art5.4"]),
    ("pi-100000", transfer(5_000, cumulative=100_000), SCC, ["art8"]),
    ("pi-999999", transfer(5_000, cumulative=999_999), SCC, ["art8"]),
    ("pi-1000000", transfer(5_000, cumulative=1_000_000), SA, ["art7.2"]),
    ("pi-dataset-alone-1000000", transfer(1_000_000), SA, ["art7.2"]),
    # Cumulative sensitive PI (Art. 8 不满1万人, Art. 7(2) 1万人以上); Art. 5(4) excludes sensitive.
    ("sensitive-0-no-pi", transfer(0, 0), NONE, []),
    ("sensitive-1", transfer(0, 1), SCC, ["art8"]),
    ("sensitive-9999", transfer(0, 9_999), SCC, ["art8"]),
    ("sensitive-10000", transfer(0, 10_000), SA, ["art7.2"]),
    ("sensitive-1-with-small-pi", transfer(500, 1), SCC, ["art8"]),
    ("sensitive-small-via-cumulative", transfer(0, 5, cumulative_sensitive=10_000), SA, ["art7.2"]),
    # Art. 5(4) counts non-sensitive PI only: earlier sensitive transfers do not block it.
    ("5.4-ignores-cumulative-sensitive", transfer(500, 0, cumulative_sensitive=20_000), EXEMPT, ["art5.4"]),
    ("8-and-7.2-strictest-wins", transfer(500, 0, cumulative=150_000, cumulative_sensitive=20_000), SA, ["art7.2"]),
    ("pi-100000-and-sensitive-1", transfer(100_000, 1), SCC, ["art8"]),
    # Important data: always a security assessment unless Art. 3-6 ... which never cover it.
    ("important-no-pi", transfer(0, 0, important=True), SA, ["art7.2"]),
    ("important-small-pi", transfer(10, 0, important=True), SA, ["art7.2"]),
    # CIIO: Art. 7(1) for any PI or important data; no Art. 5(4), no Art. 8.
    ("ciio-1-person", transfer(1, ciio=True), SA, ["art7.1"]),
    ("ciio-sensitive-1", transfer(0, 1, ciio=True), SA, ["art7.1"]),
    ("ciio-important", transfer(0, 0, important=True, ciio=True), SA, ["art7.1"]),
    ("ciio-nothing", transfer(0, 0, ciio=True), NONE, []),
    ("ciio-contract", transfer(5, ciio=True, grounds=("contract_with_individual",)), EXEMPT, ["art5.1"]),
    (
        "ciio-contract-important",
        transfer(5, ciio=True, important=True, grounds=("contract_with_individual",)),
        SA,
        ["art7.1"],
    ),
    ("ciio-art3", transfer(0, 0, ciio=True, grounds=("marketing",)), EXEMPT, ["art3"]),
    # Art. 3: its activities, no PI, no important data.
    *[(f"art3-{g}", transfer(0, 0, grounds=(g,)), EXEMPT, ["art3"]) for g in ART3],
    *[(f"art3-{g}-with-pi", transfer(200_000, grounds=(g,)), SCC, ["art8"]) for g in ART3],
    *[(f"art3-{g}-with-important", transfer(0, 0, important=True, grounds=(g,)), SA, ["art7.2"]) for g in ART3],
    ("art3-with-sensitive-only", transfer(0, 1, grounds=("marketing",)), SCC, ["art8"]),
    # Art. 4: collected abroad, no important data.
    ("art4", transfer(2_000_000, 50_000, grounds=("collected_abroad",)), EXEMPT, ["art4"]),
    # v1.1: Art. 4 speaks of personal information collected abroad; with none it cannot apply.
    ("art4-no-pi", transfer(0, 0, grounds=("collected_abroad",)), NONE, []),
    ("art4-sensitive-only", transfer(0, 1, grounds=("collected_abroad",)), EXEMPT, ["art4"]),
    ("art4-important", transfer(200_000, important=True, grounds=("collected_abroad",)), SA, ["art7.2"]),
    # Art. 5(1)-(3): the ground, personal information, and never important data (last paragraph).
    *[
        (f"art5.{n}", transfer(2_000_000, 50_000, grounds=(g,)), EXEMPT, [f"art5.{n}"])
        for n, g in [(1, "contract_with_individual"), (2, "cross_border_hr"), (3, "emergency")]
    ],
    *[
        (f"art5.{n}-important", transfer(2_000, important=True, grounds=(g,)), SA, ["art7.2"])
        for n, g in [(1, "contract_with_individual"), (2, "cross_border_hr"), (3, "emergency")]
    ],
    *[
        (f"art5.{n}-no-pi", transfer(0, 0, grounds=(g,)), NONE, [])
        for n, g in [(1, "contract_with_individual"), (2, "cross_border_hr"), (3, "emergency")]
    ],
    ("art5.4-important", transfer(10, important=True), SA, ["art7.2"]),
    ("art5.4-sensitive-excluded", transfer(10, 1), SCC, ["art8"]),
    # Combinations: every exemption that applies is listed, in article order.
    (
        "all-of-art4-and-art5",
        transfer(
            50_000,
            grounds=("emergency", "cross_border_hr", "contract_with_individual", "collected_abroad"),
        ),
        EXEMPT,
        ["art4", "art5.1", "art5.2", "art5.3", "art5.4"],
    ),
    ("art3-not-art4", transfer(0, 0, grounds=("marketing", "collected_abroad")), EXEMPT, ["art3"]),
    (
        "grounds-with-important-data",
        transfer(0, 0, important=True, grounds=("marketing", "collected_abroad", "emergency")),
        SA,
        ["art7.2"],
    ),
    ("unknown-ground-ignored", transfer(200_000, grounds=("tourism",)), SCC, ["art8"]),
    # A total below the dataset's own figure is impossible (this transfer is included in it).
    ("cumulative-never-below-dataset", transfer(1_000_000, cumulative=10), SA, ["art7.2"]),
]


@pytest.mark.parametrize(("request_", "outcome", "basis"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_outcome_and_basis(request_, outcome, basis):
    result = determine(request_, None)
    assert result.outcome is outcome
    assert list(result.basis) == basis
    assert result.article6_status is Article6Status.NOT_APPLICABLE
    assert result.missing_facts == ()


# --- facts the request left out ---------------------------------------------------------------

# (id, request, outcome, missing facts that must be named)
MISSING = [
    (
        "no-cumulative-with-pi",
        replace(transfer(5_000), cumulative=None),
        OPEN,
        {"cumulative.personal_info_subjects", "cumulative.sensitive_pi_subjects"},
    ),
    ("no-cumulative-pi-figure", transfer(5_000, cumulative=None), OPEN, {"cumulative.personal_info_subjects"}),
    # The transfer alone already reaches 100万人以上: a security assessment whatever the total.
    ("no-cumulative-but-dataset-1000000", replace(transfer(1_000_000), cumulative=None), SA, set()),
    ("no-cumulative-but-dataset-sensitive-10000", replace(transfer(0, 10_000), cumulative=None), SA, set()),
    ("no-important-data-fact", transfer(5_000, important=None), OPEN, {"dataset.important_data"}),
    ("no-important-data-but-1000000", transfer(1_000_000, important=None), SA, set()),
    (
        "no-important-data-with-art4",
        transfer(1_000_000, important=None, grounds=("collected_abroad",)),
        OPEN,  # Art. 4 exempts if there are no important data: the answer waits on that fact
        {"dataset.important_data"},
    ),
    (
        "no-important-data-art3",
        transfer(0, 0, important=None, grounds=("marketing",)),
        OPEN,
        {"dataset.important_data"},
    ),
    ("no-ciio-fact-small", transfer(5_000, ciio=None), OPEN, {"processor.ciio"}),
    ("no-ciio-fact-but-important", transfer(0, 0, important=True, ciio=None), SA, set()),
    ("no-ciio-fact-but-1000000", transfer(1_000_000, ciio=None), SA, set()),
    ("no-ciio-fact-no-pi", transfer(0, 0, ciio=None), NONE, set()),
    ("no-pi-figure-art3", transfer(None, 0, grounds=("marketing",)), OPEN, {"dataset.personal_info_subjects"}),
    # Arts. 7-8 ask nothing on a total of 50, but whether Art. 3 applies is still open.
    (
        "no-pi-figure-art3-small-total",
        transfer(None, 0, cumulative=50, grounds=("marketing",)),
        OPEN,
        {"dataset.personal_info_subjects"},
    ),
    ("no-sensitive-figure", transfer(5_000, None), OPEN, {"dataset.sensitive_pi_subjects"}),
    (
        "no-figures-at-all",
        transfer(None, None, cumulative=None, cumulative_sensitive=None),
        OPEN,
        {"dataset.personal_info_subjects"},
    ),
    # An exemption that does not rest on the missing fact still stands.
    (
        "no-cumulative-art5.1",
        replace(transfer(5_000, grounds=("contract_with_individual",)), cumulative=None),
        EXEMPT,
        set(),
    ),
    ("no-ciio-art4", transfer(5_000, ciio=None, grounds=("collected_abroad",)), EXEMPT, set()),
]


@pytest.mark.parametrize(("request_", "outcome", "missing"), [r[1:] for r in MISSING], ids=[r[0] for r in MISSING])
def test_missing_facts(request_, outcome, missing):
    result = determine(request_, None)
    assert result.outcome is outcome
    assert missing <= set(result.missing_facts)
    if outcome is OPEN:
        assert result.basis == ()
        named = {name for entry in result.explanation for name in entry.missing}
        assert missing <= named


def test_a_missing_fact_is_named_in_the_text_of_the_article_that_needs_it():
    result = determine(transfer(5_000, ciio=None), None)
    art5 = entry(result, "5")
    assert art5.applies is None
    assert "processor.ciio" in art5.missing
    assert "CIIO" in art5.text


def test_without_a_cumulative_total_and_without_pi_the_total_is_zero():
    request_ = replace(transfer(0, 0), cumulative=None)
    result = determine(request_, None)
    assert result.outcome is NONE
    assert result.missing_facts == ()


# --- duties and explanation -------------------------------------------------------------------


def entry(result, article: str):
    (found,) = [e for e in result.explanation if e.article == article]
    return found


@pytest.mark.parametrize(
    ("request_", "duties"),
    [
        (transfer(0, 0), ["art11"]),
        (transfer(0, 0, grounds=("marketing",)), ["art11"]),
        (transfer(1), ["art10", "art11"]),
        (transfer(0, 1), ["art10", "art11"]),
        (transfer(50_000, grounds=("contract_with_individual",)), ["art10", "art11"]),
        (transfer(None, 0), ["art10", "art11"]),  # might hold PI: the duty is listed
    ],
)
def test_duties_remain_whatever_the_outcome(request_, duties):
    assert list(determine(request_, None).duties) == duties


def test_every_considered_article_is_explained_with_its_chinese_text():
    articles = load_articles()
    result = determine(transfer(5_000, cumulative=150_000), None)
    assert [e.article for e in result.explanation] == ["3", "4", "5", "6", "7", "8", "10", "11"]
    for e in result.explanation:
        assert e.text
        number = int(e.article)
        assert e.quote_zh in articles[number].zh  # the whole article or one of its clauses
        assert e.quote_en
    assert entry(result, "11").applies is True


def test_the_explanation_names_the_figure_and_the_threshold():
    result = determine(transfer(5_000, cumulative=100_000), None)
    art5 = entry(result, "5")
    assert art5.applies is False
    assert "100,000 people" in art5.text and "不满10万人" in art5.text
    art8 = entry(result, "8")
    assert art8.applies is True
    assert "100,000 people" in art8.text and "10万人以上" in art8.text
    assert entry(result, "7").applies is False


def test_a_clause_that_applies_is_quoted_on_its_own():
    articles = load_articles()
    result = determine(transfer(5_000, cumulative=99_999), None)
    art5 = entry(result, "5")
    assert art5.applies is True
    assert art5.quote_zh == articles[5].clause(4).zh
    assert "不满10万人" in art5.quote_zh
    assert "99,999 people" in art5.text

    sa = determine(transfer(5_000, cumulative=1_000_000), None)
    art7 = entry(sa, "7")
    assert art7.applies is True
    assert art7.quote_zh == articles[7].clause(2).zh
    assert "1,000,000 people" in art7.text and "100万人以上" in art7.text

    ciio = determine(transfer(5, ciio=True), None)
    assert entry(ciio, "7").quote_zh == articles[7].clause(1).zh


def test_a_ciio_is_governed_by_article_7_1_and_never_by_article_8():
    result = determine(transfer(5_000, cumulative=200_000, ciio=True), None)
    assert entry(result, "8").applies is False
    assert "other than CIIOs" in entry(result, "8").text
    assert entry(result, "7").applies is True
    assert "Article 7(1)" in entry(result, "7").text
    unknown = determine(transfer(5_000, cumulative=200_000, ciio=None), None)
    assert entry(unknown, "8").applies is None
    assert entry(unknown, "8").missing == ("processor.ciio",)


def test_an_exemption_displaces_articles_7_and_8_and_says_so():
    result = determine(transfer(2_000_000, grounds=("cross_border_hr",)), None)
    assert result.outcome is EXEMPT
    art7 = entry(result, "7")
    assert art7.applies is True  # its conditions are met ...
    assert "从其规定" in art7.text  # ... but Article 5(2) governs
    assert "Article 5(2)" in art7.text


def test_article_5_never_covers_important_data_and_says_why():
    result = determine(transfer(10, important=True, grounds=("emergency",)), None)
    art5 = entry(result, "5")
    assert art5.applies is False
    assert "不包括重要数据" in art5.text


def test_no_list_in_force_is_explained():
    result = determine(transfer(5_000), None)
    assert result.list_ref is None
    assert "No version" in result.article6_reason and "2024-06-01" in result.article6_reason
    assert entry(result, "6").applies is False


def test_to_dict_has_the_contract_shape():
    result = determine(transfer(5_000, cumulative=150_000), None).to_dict()
    assert set(result) == {
        "article6", "outcome", "national_outcome", "national_basis", "basis", "explanation", "duties", "missing_facts",
    }  # fmt: skip
    assert set(result["article6"]) == {"status", "list", "matched_items", "reason", "unknown_categories", "suggestions"}
    assert result["national_outcome"] == "standard_contract_or_certification"
    assert result["article6"]["list"] is None
    assert result["outcome"] == "standard_contract_or_certification"
    assert result["basis"] == ["art8"]
    assert result["duties"] == ["art10", "art11"]
    first = result["explanation"][0]
    assert set(first) == {"article", "applies", "text", "text_zh", "quote_zh", "quote_en", "missing"}
    assert all(entry["text_zh"] for entry in result["explanation"])
    assert isinstance(first["missing"], list)


def test_mechanisms_are_ordered_by_strictness():
    assert Mechanism.SECURITY_ASSESSMENT > Mechanism.STANDARD_CONTRACT_OR_CERTIFICATION
    assert max(Mechanism) is Mechanism.SECURITY_ASSESSMENT
    assert Mechanism.SECURITY_ASSESSMENT.outcome is Outcome.SECURITY_ASSESSMENT
