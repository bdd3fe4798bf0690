"""The determination: which mechanism, if any, a transfer abroad needs under CAC Order No. 16.

Pure: plain data in, a :class:`Determination` with its explanation out — no Flask, no database,
no clock (the date is part of the request). The caller finds the list version in force on the
request's date and passes it compiled (:func:`registry.checks.index.compile_list`), or None.

Facts a request leaves out are ``None``. The engine reasons in three-valued logic (true, false,
unknown) and never reports an exemption that rests on an unknown fact; it names the missing fact
instead ("when in doubt, not exempt").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from registry.checks.articles import Article, load_articles
from registry.checks.index import CategoryLookup, CompiledList, ListItem, figure_text

# --- the request ------------------------------------------------------------------------------

ART3_GROUNDS = (
    "international_trade",
    "cross_border_transport",
    "academic_cooperation",
    "transnational_manufacturing",
    "marketing",
)
ART4_GROUND = "collected_abroad"
ART5_GROUNDS = {1: "contract_with_individual", 2: "cross_border_hr", 3: "emergency"}
GROUNDS = (*ART3_GROUNDS, ART4_GROUND, *ART5_GROUNDS.values())

# Names of the facts, as the request spells them, used in ``missing`` lists.
IN_ZONE = "processor.in_zone"
CIIO = "processor.ciio"
CATEGORIES = "dataset.categories"
PI = "dataset.personal_info_subjects"
SENSITIVE_PI = "dataset.sensitive_pi_subjects"
IMPORTANT_DATA = "dataset.important_data"
CUMULATIVE_PI = "cumulative.personal_info_subjects"
CUMULATIVE_SENSITIVE_PI = "cumulative.sensitive_pi_subjects"
_FACT_ORDER = (
    IN_ZONE,
    CIIO,
    CATEGORIES,
    PI,
    SENSITIVE_PI,
    IMPORTANT_DATA,
    CUMULATIVE_PI,
    CUMULATIVE_SENSITIVE_PI,
)

# Thresholds of Arts. 5(4), 7(2) and 8. 以上 includes the number, 不满 excludes it.
PI_STANDARD_CONTRACT_FROM = 100_000  # Art. 8: 10万人以上 (and Art. 5(4): 不满10万人)
PI_SECURITY_ASSESSMENT_FROM = 1_000_000  # Art. 7(2): 100万人以上
SENSITIVE_PI_SECURITY_ASSESSMENT_FROM = 10_000  # Art. 7(2): 1万人以上; Art. 8: 不满1万人


@dataclass(frozen=True, slots=True)
class Processor:
    """The data processor: whether it is in the zone and whether it is a CIIO (None: not given)."""

    in_zone: bool | None
    ciio: bool | None


@dataclass(frozen=True, slots=True)
class Dataset:
    """The data to be provided abroad.

    ``personal_info_subjects`` counts the people whose (non-sensitive) personal information it
    holds and ``sensitive_pi_subjects`` those whose sensitive personal information it holds:
    people, not records. ``attributes`` carries the figures the list version declares.
    """

    categories: tuple[str, ...]
    personal_info_subjects: int | None
    sensitive_pi_subjects: int | None
    important_data: bool | None
    attributes: Mapping[str, int | float | bool | str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cumulative:
    """The processor's totals since 1 January of the transfer's year, this transfer included."""

    personal_info_subjects: int | None
    sensitive_pi_subjects: int | None


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One check: a transfer of one dataset on a date, by a processor, in a zone."""

    zone: str
    on: datetime.date
    processor: Processor
    dataset: Dataset
    cumulative: Cumulative | None = None
    grounds: frozenset[str] = frozenset()


# --- the answer -------------------------------------------------------------------------------


class Article6Status(StrEnum):
    """Where the dataset stands against the zone's negative list (Art. 6)."""

    OUTSIDE = "outside"
    INSIDE = "inside"
    UNDETERMINED = "undetermined"
    NOT_APPLICABLE = "not_applicable"


class Outcome(StrEnum):
    """What the transfer needs."""

    EXEMPT = "exempt"
    NOT_REQUIRED = "not_required"
    STANDARD_CONTRACT_OR_CERTIFICATION = "standard_contract_or_certification"
    SECURITY_ASSESSMENT = "security_assessment"
    UNDETERMINED = "undetermined"


class Mechanism(StrEnum):
    """The mechanisms an item or Arts. 7–8 can require, ordered: a security assessment is stricter.

    The standard contract and certification are alternatives (Art. 8: 订立…标准合同或者通过…认证),
    so they count as one mechanism.
    """

    STANDARD_CONTRACT_OR_CERTIFICATION = "standard_contract_or_certification"
    SECURITY_ASSESSMENT = "security_assessment"

    @property
    def strictness(self) -> int:
        """1 for a standard contract or certification, 2 for a security assessment."""
        return 2 if self is Mechanism.SECURITY_ASSESSMENT else 1

    @property
    def outcome(self) -> Outcome:
        """The outcome that requires this mechanism."""
        return Outcome(self.value)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Mechanism):
            return NotImplemented
        return self.strictness < other.strictness

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Mechanism):
            return NotImplemented
        return self.strictness <= other.strictness

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Mechanism):
            return NotImplemented
        return self.strictness > other.strictness

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Mechanism):
            return NotImplemented
        return self.strictness >= other.strictness


_MECHANISM_TEXT = {
    Mechanism.SECURITY_ASSESSMENT: "a security assessment (数据出境安全评估)",
    Mechanism.STANDARD_CONTRACT_OR_CERTIFICATION: (
        "a standard contract or certification (个人信息出境标准合同或者个人信息保护认证)"
    ),
}


@dataclass(frozen=True, slots=True)
class ExplanationEntry:
    """Why one article did or did not apply.

    ``applies`` is whether the article's own conditions are met by the facts (None: a fact is
    missing or the list cannot decide); whether it governs the outcome is what ``basis`` says
    (an exemption displaces Arts. 7–8, 从其规定, and the text says so).
    """

    article: str
    applies: bool | None
    text: str
    quote_zh: str
    quote_en: str
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The entry as the API returns it."""
        return {
            "article": self.article,
            "applies": self.applies,
            "text": self.text,
            "quote_zh": self.quote_zh,
            "quote_en": self.quote_en,
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class Determination:
    """The result of a check (everything the API returns but the receipt)."""

    article6_status: Article6Status
    list_ref: Mapping[str, str | None] | None
    matched_items: tuple[str, ...]
    article6_reason: str
    outcome: Outcome
    basis: tuple[str, ...]
    duties: tuple[str, ...]
    explanation: tuple[ExplanationEntry, ...]
    missing_facts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The result in the contract's response shape (CONTRACT.md, "Checks"), less ``receipt``."""
        return {
            "article6": {
                "status": self.article6_status.value,
                "list": dict(self.list_ref) if self.list_ref is not None else None,
                "matched_items": list(self.matched_items),
                "reason": self.article6_reason,
            },
            "outcome": self.outcome.value,
            "basis": list(self.basis),
            "explanation": [entry.to_dict() for entry in self.explanation],
            "duties": list(self.duties),
            "missing_facts": list(self.missing_facts),
        }


# --- three-valued logic -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tri:
    """True, false or unknown (None); an unknown names the facts that would decide it."""

    value: bool | None
    missing: frozenset[str] = frozenset()


TRUE = Tri(True)
FALSE = Tri(False)


def _known(value: bool) -> Tri:
    return TRUE if value else FALSE


def _fact(value: bool | None, name: str) -> Tri:
    return Tri(None, frozenset({name})) if value is None else _known(value)


def _all(*parts: Tri) -> Tri:
    """Kleene AND: false if any part is false, true if all are, else unknown."""
    if any(p.value is False for p in parts):
        return FALSE
    unknown = [p for p in parts if p.value is None]
    if not unknown:
        return TRUE
    return Tri(None, frozenset().union(*(p.missing for p in unknown)))


def _any(*parts: Tri) -> Tri:
    """Kleene OR: true if any part is true, false if all are, else unknown."""
    if any(p.value is True for p in parts):
        return TRUE
    unknown = [p for p in parts if p.value is None]
    if not unknown:
        return FALSE
    return Tri(None, frozenset().union(*(p.missing for p in unknown)))


def _not(part: Tri) -> Tri:
    return part if part.value is None else _known(not part.value)


@dataclass(frozen=True, slots=True)
class Count:
    """A number of people: exact when given, else only a lower bound (``at_least``)."""

    name: str
    value: int | None
    at_least: int = 0

    def at_or_above(self, threshold: int) -> Tri:
        """``value >= threshold`` (以上 includes the number)."""
        if self.value is not None:
            return _known(self.value >= threshold)
        if self.at_least >= threshold:
            return TRUE
        return Tri(None, frozenset({self.name}))

    def below(self, threshold: int) -> Tri:
        """``value < threshold`` (不满 excludes the number)."""
        return _not(self.at_or_above(threshold))

    def within(self, low: int, high: int) -> Tri:
        """``low <= value < high``."""
        return _all(self.at_or_above(low), self.below(high))

    def text(self) -> str:
        """``150,000 people``, ``at least 50,000 people …`` or ``an unknown number …``."""
        if self.value is not None:
            return f"{self.value:,} {_people(self.value)}"
        if self.at_least:
            return f"at least {self.at_least:,} {_people(self.at_least)} (this transfer alone; {self.name} not given)"
        return f"an unknown number of people ({self.name} not given)"


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Facts:
    request: CheckRequest
    in_zone: Tri
    ciio: Tri
    important_data: Tri
    pi: Count
    sensitive_pi: Count
    cumulative_pi: Count
    cumulative_sensitive_pi: Count
    holds_pi: Tri  # the dataset carries any personal information, sensitive or not

    @classmethod
    def of(cls, request: CheckRequest) -> _Facts:
        dataset = request.dataset
        pi = Count(PI, dataset.personal_info_subjects)
        sensitive_pi = Count(SENSITIVE_PI, dataset.sensitive_pi_subjects)
        holds_pi = _any(pi.at_or_above(1), sensitive_pi.at_or_above(1))
        return cls(
            request=request,
            in_zone=_fact(request.processor.in_zone, IN_ZONE),
            ciio=_fact(request.processor.ciio, CIIO),
            important_data=_fact(dataset.important_data, IMPORTANT_DATA),
            pi=pi,
            sensitive_pi=sensitive_pi,
            holds_pi=holds_pi,
            cumulative_pi=_cumulative(
                CUMULATIVE_PI,
                request.cumulative.personal_info_subjects if request.cumulative else None,
                dataset.personal_info_subjects,
                holds_pi,
            ),
            cumulative_sensitive_pi=_cumulative(
                CUMULATIVE_SENSITIVE_PI,
                request.cumulative.sensitive_pi_subjects if request.cumulative else None,
                dataset.sensitive_pi_subjects,
                holds_pi,
            ),
        )

    def figure(self, attribute: str) -> tuple[Any, int | None, str]:
        """Return ``(value, lower bound, fact name)`` of a figure a list condition names."""
        counts = {
            "personal_info_subjects": self.pi,
            "sensitive_pi_subjects": self.sensitive_pi,
            "cumulative_personal_info_subjects": self.cumulative_pi,
            "cumulative_sensitive_pi_subjects": self.cumulative_sensitive_pi,
        }
        count = counts.get(attribute)
        if count is not None:
            return count.value, count.at_least, count.name
        return (
            self.request.dataset.attributes.get(attribute),
            None,
            f"dataset.attributes.{attribute}",
        )


def _cumulative(name: str, given: int | None, own: int | None, holds_pi: Tri) -> Count:
    """The yearly total that decides (自当年1月1日起累计), this transfer included.

    It is never below the dataset's own figure; without personal information it defaults to 0
    (CONTRACT.md); otherwise, when not given, only that lower bound is known.
    """
    if given is not None:
        return Count(name, max(given, own or 0))
    if holds_pi.value is False:
        return Count(name, 0)
    return Count(name, None, at_least=own or 0)


# --- Articles 3, 4 and 5: exemptions that stand on their own ------------------------------


@dataclass(frozen=True, slots=True)
class _Test:
    """One article (or clause): whether it applies, and why, in plain English."""

    basis: str
    applies: Tri
    text: str


def _clause_text(label: str, parts: Iterable[tuple[Tri, str, str, str]]) -> _Test:
    """Combine conjunctive conditions ``(tri, if true, if false, if unknown)`` into a test."""
    parts = list(parts)
    applies = _all(*(p[0] for p in parts))
    if applies.value is True:
        text = f"{label} applies: " + "; ".join(p[1] for p in parts) + "."
    elif applies.value is False:
        text = f"{label} does not apply: " + "; ".join(p[2] for p in parts if p[0].value is False) + "."
    else:
        text = f"{label} cannot be decided: " + "; ".join(p[3] for p in parts if p[0].value is None) + "."
    return _Test(basis="", applies=applies, text=text)


def _no_important_data(facts: _Facts, why: str) -> tuple[Tri, str, str, str]:
    return (
        _not(facts.important_data),
        "the data carry no important data",
        f"the data carry important data ({why})",
        f"the request does not say whether the data carry important data ({IMPORTANT_DATA})",
    )


def _pi_text(facts: _Facts) -> str:
    return (
        f"personal information of {facts.pi.text()} and sensitive personal information of {facts.sensitive_pi.text()}"
    )


def _holds_pi(facts: _Facts) -> tuple[Tri, str, str, str]:
    return (
        facts.holds_pi,
        f"the data carry personal information ({_pi_text(facts)})",
        "the data carry no personal information (0 people)",
        f"the request does not say how many people's personal information the data carry ({_pi_text(facts)})",
    )


def _article3(facts: _Facts) -> _Test:
    grounds = [g for g in ART3_GROUNDS if g in facts.request.grounds]
    test = _clause_text(
        "Article 3",
        [
            (
                _known(bool(grounds)),
                f"the data were collected and generated in {_grounds_text(grounds)}",
                "the request names none of its activities (international trade, cross-border "
                "transport, academic cooperation, transnational manufacturing, marketing)",
                "",
            ),
            (
                _not(facts.holds_pi),
                "they carry no personal information",
                f"the data carry personal information ({_pi_text(facts)}); "
                "Article 3 covers only data with none (不包含个人信息)",
                f"the request does not say whether the data carry personal information ({_pi_text(facts)})",
            ),
            _no_important_data(facts, "Article 3 covers only data with none: 不包含…重要数据"),
        ],
    )
    return _Test("art3", test.applies, test.text)


def _article4(facts: _Facts) -> _Test:
    test = _clause_text(
        "Article 4",
        [
            (
                _known(ART4_GROUND in facts.request.grounds),
                "the personal information was collected and generated abroad (collected_abroad)",
                "the request does not state that the personal information was collected and "
                "generated abroad (collected_abroad)",
                "",
            ),
            _no_important_data(
                facts,
                "processing must introduce no domestic personal information or important data",
            ),
        ],
    )
    return _Test("art4", test.applies, test.text)


_ART5_PURPOSES = {
    1: "conclude or perform a contract to which the individual is a party",
    2: "cross-border human-resources management",
    3: "protect a natural person's life, health or property in an emergency",
}


def _article5(facts: _Facts) -> list[_Test]:
    # Art. 5, last paragraph: the personal information it exempts does not include important data.
    no_important = _no_important_data(
        facts,
        "Article 5 does not cover important data: 前款所称向境外提供的个人信息，不包括重要数据",
    )
    tests = []
    for clause, ground in ART5_GROUNDS.items():
        test = _clause_text(
            f"Article 5({clause})",
            [
                (
                    _known(ground in facts.request.grounds),
                    f"providing the personal information is truly necessary to {_ART5_PURPOSES[clause]} ({ground})",
                    f"the request does not give its ground ({ground})",
                    "",
                ),
                _holds_pi(facts),
                no_important,
            ],
        )
        tests.append(_Test(f"art5.{clause}", test.applies, test.text))

    cumulative = facts.cumulative_pi
    test = _clause_text(
        "Article 5(4)",
        [
            (
                _not(facts.ciio),
                "the processor is not a critical information infrastructure operator",
                "the processor is a critical information infrastructure operator",
                f"the request does not say whether the processor is a CIIO ({CIIO})",
            ),
            no_important,
            (
                facts.pi.at_or_above(1),
                f"the data carry personal information of {facts.pi.text()}",
                "the data carry no non-sensitive personal information",
                f"the number of people whose personal information the data carry was not given ({PI})",
            ),
            (
                facts.sensitive_pi.below(1),
                "no sensitive personal information",
                f"the data carry sensitive personal information of {facts.sensitive_pi.text()}, "
                "which Article 5(4) does not cover (不含敏感个人信息)",
                f"the number of people whose sensitive personal information the data carry was "
                f"not given ({SENSITIVE_PI})",
            ),
            (
                cumulative.below(PI_STANDARD_CONTRACT_FROM),
                f"cumulative personal information since 1 January is {cumulative.text()}, "
                f"fewer than 100,000 (不满10万人)",
                f"cumulative personal information since 1 January is {cumulative.text()}, "
                f"not fewer than 100,000 (不满10万人 excludes 100,000)",
                f"cumulative personal information since 1 January is {cumulative.text()}",
            ),
        ],
    )
    tests.append(_Test("art5.4", test.applies, test.text))
    return tests


def _grounds_text(grounds: Iterable[str]) -> str:
    return ", ".join(g.replace("_", " ") + f" ({g})" for g in grounds) or "none"


# --- Articles 7 and 8: what the national rules require ---------------------------------------


@dataclass(frozen=True, slots=True)
class _NationalRules:
    """What Arts. 7–8 require on the facts, with or without an exemption."""

    art7_1: Tri
    art7_2: Tri
    security_assessment: Tri  # Art. 7 as a whole: (1) for a CIIO, (2) otherwise
    art8: Tri
    art7_text: str
    art8_text: str

    @property
    def determined(self) -> bool:
        """Whether the requirement is known (security assessment, standard contract, or nothing)."""
        if self.security_assessment.value is None:
            return False
        return self.security_assessment.value or self.art8.value is not None

    @property
    def mechanism(self) -> Mechanism | None:
        """The mechanism required when :attr:`determined` (None: nothing required)."""
        if self.security_assessment.value:
            return Mechanism.SECURITY_ASSESSMENT
        if self.art8.value:
            return Mechanism.STANDARD_CONTRACT_OR_CERTIFICATION
        return None

    @property
    def basis(self) -> tuple[str, ...]:
        """The articles that require :attr:`mechanism`."""
        if self.security_assessment.value:
            found = tuple(b for b, t in (("art7.1", self.art7_1), ("art7.2", self.art7_2)) if t.value)
            return found or ("art7.1", "art7.2")  # CIIO unknown: required either way
        if self.art8.value:
            return ("art8",)
        return ()


def _national_rules(facts: _Facts) -> _NationalRules:
    important, holds_pi, ciio = facts.important_data, facts.holds_pi, facts.ciio
    cumulative, cumulative_sensitive = facts.cumulative_pi, facts.cumulative_sensitive_pi

    # Art. 7(1): a CIIO providing personal information or important data.
    when_ciio = _any(holds_pi, important)
    # Art. 7(2): important data, 100万人以上 PI or 1万人以上 sensitive PI (以上 includes).
    large = _any(
        cumulative.at_or_above(PI_SECURITY_ASSESSMENT_FROM),
        cumulative_sensitive.at_or_above(SENSITIVE_PI_SECURITY_ASSESSMENT_FROM),
    )
    when_not_ciio = _any(important, _all(holds_pi, large))
    art7_1 = _all(ciio, when_ciio)
    art7_2 = _all(_not(ciio), when_not_ciio)
    if ciio.value is not None:
        security_assessment = art7_1 if ciio.value else art7_2
    elif when_ciio.value is not None and when_ciio.value == when_not_ciio.value:
        security_assessment = when_ciio  # the same answer whether or not the processor is a CIIO
    else:
        security_assessment = Tri(None, frozenset({CIIO}) | when_ciio.missing | when_not_ciio.missing)

    # Art. 8: 10万人以上、不满100万人 personal information, or 不满1万人 (but some) sensitive.
    middle = _any(
        cumulative.within(PI_STANDARD_CONTRACT_FROM, PI_SECURITY_ASSESSMENT_FROM),
        cumulative_sensitive.within(1, SENSITIVE_PI_SECURITY_ASSESSMENT_FROM),
    )
    art8 = _all(_not(ciio), holds_pi, middle)

    return _NationalRules(
        art7_1=art7_1,
        art7_2=art7_2,
        security_assessment=security_assessment,
        art8=art8,
        art7_text=_article7_text(facts, art7_1, art7_2, security_assessment),
        art8_text=_article8_text(facts, art8),
    )


def _cumulative_text(facts: _Facts) -> str:
    return (
        f"cumulative personal information since 1 January is {facts.cumulative_pi.text()} and "
        f"cumulative sensitive personal information {facts.cumulative_sensitive_pi.text()}"
    )


def _article7_text(facts: _Facts, art7_1: Tri, art7_2: Tri, combined: Tri) -> str:
    sentences = []
    important = facts.important_data.value
    if art7_1.value:
        carries = [
            "personal information" if facts.holds_pi.value else "",
            "important data" if important else "",
        ]
        sentences.append(
            "Article 7(1) requires a security assessment: a critical information infrastructure "
            f"operator provides {' and '.join(c for c in carries if c)} abroad."
        )
    if art7_2.value:
        reasons = []
        if important:
            reasons.append("the data carry important data")
        if facts.holds_pi.value:
            cumulative, sensitive = facts.cumulative_pi, facts.cumulative_sensitive_pi
            if cumulative.at_or_above(PI_SECURITY_ASSESSMENT_FROM).value:
                reasons.append(
                    f"cumulative personal information since 1 January is {cumulative.text()}, "
                    "1,000,000 or more (100万人以上)"
                )
            if sensitive.at_or_above(SENSITIVE_PI_SECURITY_ASSESSMENT_FROM).value:
                reasons.append(
                    f"cumulative sensitive personal information is {sensitive.text()}, 10,000 or more (1万人以上)"
                )
        sentences.append(
            "Article 7(2) requires a security assessment: the processor is not a CIIO and "
            + " and ".join(reasons)
            + "."
        )
    if combined.value and not art7_1.value and not art7_2.value:
        sentences.append(
            "Article 7 requires a security assessment whether or not the processor is a CIIO "
            "(7(1) if it is, 7(2) if not); the request did not say which."
        )
    if combined.value is False:
        if facts.holds_pi.value is False and important is False:
            sentences.append(
                "Article 7 does not apply: the data carry neither personal information nor important data."
            )
        else:
            sentences.append(
                "Article 7 does not apply: the processor is not a CIIO, the data carry no "
                f"important data, and {_cumulative_text(facts)}: fewer than 1,000,000 and fewer "
                "than 10,000 (100万人以上 / 1万人以上 start there)."
            )
    if combined.value is None:
        sentences.append(
            "Article 7 cannot be decided: it depends on "
            + ", ".join(_ordered(combined.missing))
            + f", which the request did not give ({_cumulative_text(facts)})."
        )
    return " ".join(sentences)


def _article8_text(facts: _Facts, art8: Tri) -> str:
    if art8.value:
        reasons = []
        cumulative, sensitive = facts.cumulative_pi, facts.cumulative_sensitive_pi
        if cumulative.within(PI_STANDARD_CONTRACT_FROM, PI_SECURITY_ASSESSMENT_FROM).value:
            reasons.append(
                f"cumulative personal information since 1 January is {cumulative.text()}, "
                "100,000 or more but fewer than 1,000,000 (10万人以上、不满100万人)"
            )
        if sensitive.within(1, SENSITIVE_PI_SECURITY_ASSESSMENT_FROM).value:
            reasons.append(
                f"cumulative sensitive personal information is {sensitive.text()}, fewer than 10,000 (不满1万人)"
            )
        return (
            "Article 8 requires a standard contract or certification: the processor is not a "
            "CIIO and " + " and ".join(reasons) + "."
        )
    if art8.value is False:
        if facts.ciio.value:
            return "Article 8 does not apply: it concerns processors other than CIIOs."
        if facts.holds_pi.value is False:
            return "Article 8 does not apply: the data carry no personal information."
        return (
            f"Article 8 does not apply: {_cumulative_text(facts)}, neither 100,000 to 999,999 "
            "(10万人以上、不满100万人) nor 1 to 9,999 sensitive (不满1万人)."
        )
    return (
        "Article 8 cannot be decided: it depends on "
        + ", ".join(_ordered(art8.missing))
        + f", which the request did not give ({_cumulative_text(facts)})."
    )


# --- Article 6: the zone's negative list -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Article6:
    status: Article6Status
    matched: tuple[ListItem, ...]
    reason: str
    missing: frozenset[str] = frozenset()

    @property
    def mechanism(self) -> Mechanism | None:
        """The strictest mechanism among the matched items."""
        return max((Mechanism(item.mechanism) for item in self.matched), default=None)


@dataclass(frozen=True, slots=True)
class _CategoryResult:
    category: str
    matched: tuple[ListItem, ...]
    out_of_scope: bool
    doubts: tuple[str, ...]  # why it cannot be ruled out
    missing: frozenset[str]


def _conditions_hold(item: ListItem, facts: _Facts) -> tuple[Tri, list[str]]:
    """Whether all of an item's conditions hold, and how each was read."""
    results, notes = [], []
    for condition in item.conditions:
        value, lower_bound, name = facts.figure(condition.attribute)
        if value is not None:
            holds = condition.holds(value)
            shown = figure_text(value)
        elif lower_bound is not None:
            holds = condition.holds_at_least(lower_bound)
            shown = f"at least {figure_text(lower_bound)}"
        else:
            holds, shown = None, "not given"
        if holds is None:
            results.append(Tri(None, frozenset({name})))
            notes.append(f"{condition} needs {name}, which is {shown}")
        else:
            results.append(_known(holds))
            notes.append(f"{condition.attribute} {shown} {'meets' if holds else 'fails'} {condition}")
    return _all(*results), notes


def _judge_category(compiled: CompiledList, lookup: CategoryLookup, facts: _Facts) -> _CategoryResult:
    matched, doubts = [], []
    missing: frozenset[str] = frozenset()
    for item in lookup.covering_items:
        holds, notes = _conditions_hold(item, facts)
        if holds.value:
            matched.append(item)
        elif holds.value is None:
            missing |= holds.missing
            doubts.append(f"item {item.label()} covers it but " + "; ".join(notes))
    if lookup.broader_than_items:
        doubts.append("it is broader than items of the list (they lie below it)")
    if not lookup.in_scope and lookup.broader_than_scope:
        doubts.append("it is broader than a scope code of the list (part of it is in scope)")
    if not compiled.items_complete and (lookup.in_scope or lookup.broader_than_scope):
        doubts.append("this record holds only part of the list's items (items_complete is false)")
    return _CategoryResult(
        category=lookup.category,
        matched=tuple(matched),
        out_of_scope=lookup.out_of_scope,
        doubts=tuple(doubts),
        missing=missing,
    )


def _article6(request: CheckRequest, compiled: CompiledList | None, facts: _Facts) -> _Article6:
    not_applicable = Article6Status.NOT_APPLICABLE
    if compiled is None:
        return _Article6(
            not_applicable,
            (),
            f"No version of the negative list of {request.zone} is in force on "
            f"{request.on.isoformat()}; Article 6 needs a list approved, filed with both national "
            "bodies, published and in effect.",
        )
    the_list = f"the negative list of {compiled.zone} (version {compiled.version})"
    if facts.in_zone.value is False:
        return _Article6(
            not_applicable,
            (),
            f"The processor is not in the zone: {the_list} can be used only by data processors "
            "in the zone (自由贸易试验区内数据处理者).",
        )
    if compiled.excludes_ciio and facts.ciio.value:
        return _Article6(
            not_applicable,
            (),
            f"The processor is a critical information infrastructure operator and {the_list} "
            "excludes them (关键信息基础设施运营者不适用本清单).",
        )
    if not request.dataset.categories:
        return _Article6(
            Article6Status.UNDETERMINED,
            (),
            "The request names no category of data, so the list cannot place it.",
            frozenset({CATEGORIES}),
        )

    results = [_judge_category(compiled, compiled.lookup(category), facts) for category in request.dataset.categories]
    matched = {item.code: item for r in results for item in r.matched}
    out_of_scope = [r for r in results if r.out_of_scope and not r.matched]
    doubtful = [r for r in results if r.doubts and not r.matched and not r.out_of_scope]
    outside = [r for r in results if not (r.matched or r.out_of_scope or r.doubts)]

    sentences = []
    for r in results:
        for item in r.matched:
            sentences.append(
                f"Category {compiled.category_label(r.category)} matches item {item.label()} of "
                f"{the_list}, which requires {_MECHANISM_TEXT[Mechanism(item.mechanism)]}"
                + _condition_note(item, facts)
                + "."
            )
    for r in out_of_scope:
        sentences.append(
            f"Category {compiled.category_label(r.category)} is outside the scope of {the_list} "
            f"({', '.join(compiled.scope) or 'none'}): the list does not cover it, so the "
            "national rules apply to it."
        )
    for r in doubtful:
        sentences.append(
            f"Category {compiled.category_label(r.category)} cannot be ruled out: " + "; ".join(r.doubts) + "."
        )
    for r in outside:
        sentences.append(
            f"Category {compiled.category_label(r.category)} is within the scope of {the_list} "
            f"and matches none of its {len(compiled.items)} items (负面清单外的数据)."
        )

    missing: frozenset[str] = frozenset()
    if matched:
        status = Article6Status.INSIDE
    elif out_of_scope:
        status = not_applicable
    elif doubtful:
        status = Article6Status.UNDETERMINED
        missing = frozenset().union(*(r.missing for r in doubtful))
    else:
        status = Article6Status.OUTSIDE
        sentences.append("The data are outside the negative list.")

    # A processor fact the list needs is missing: only an out-of-scope answer survives that.
    processor_missing = facts.in_zone.missing
    if compiled.excludes_ciio:
        processor_missing |= facts.ciio.missing
    if processor_missing and status is not not_applicable:
        sentences.insert(
            0,
            "The list can be used only by a processor in the zone"
            + (" that is not a CIIO" if compiled.excludes_ciio else "")
            + f", and the request does not say whether this one is "
            f"({', '.join(_ordered(processor_missing))}).",
        )
        return _Article6(Article6Status.UNDETERMINED, (), " ".join(sentences), processor_missing)
    items = tuple(sorted(matched.values(), key=lambda item: item.code))
    return _Article6(status, items, " ".join(sentences), missing)


def _condition_note(item: ListItem, facts: _Facts) -> str:
    if not item.conditions:
        return ""
    _, notes = _conditions_hold(item, facts)
    return " (" + "; ".join(notes) + ")"


# --- the determination ------------------------------------------------------------------------


def determine(
    request: CheckRequest,
    compiled: CompiledList | None,
    *,
    articles: Mapping[int, Article] | None = None,
) -> Determination:
    """Decide what the transfer in ``request`` needs under Order No. 16.

    ``compiled`` is the zone's list version in force on ``request.on`` (None when none is).
    ``articles`` are the texts to quote (default: :func:`load_articles`). Exemptions come first
    (Arts. 3–6, 从其规定); otherwise the outcome is what the list and Arts. 7–8 require, or
    ``undetermined`` when that depends on a fact the request did not give — unless the known facts
    already require a security assessment, than which nothing is stricter.
    """
    texts = load_articles() if articles is None else articles
    facts = _Facts.of(request)
    art3, art4 = _article3(facts), _article4(facts)
    art5 = _article5(facts)
    art6 = _article6(request, compiled, facts)
    rules = _national_rules(facts)

    exemptions = [(art3.basis, art3.applies), (art4.basis, art4.applies)]
    exemptions += [(t.basis, t.applies) for t in art5]
    if art6.status is Article6Status.OUTSIDE:
        exemptions.append(("art6", TRUE))
    applied = tuple(basis for basis, applies in exemptions if applies.value)
    # An exemption that could apply were a fact given keeps the answer open ("when in doubt").
    open_exemption = any(applies.value is None for _, applies in exemptions) or (
        art6.status is Article6Status.UNDETERMINED
    )

    if applied:
        outcome, basis = Outcome.EXEMPT, applied
    else:
        outcome, basis = _required(art6, rules, open_exemption)

    holds_pi = facts.holds_pi
    duties = ("art10", "art11") if holds_pi.value is not False else ("art11",)
    explanation = (
        _entry(texts, 3, art3.applies, art3.text),
        _entry(texts, 4, art4.applies, art4.text),
        _article5_entry(texts, art5),
        _entry(texts, 6, _article6_applies(art6), art6.reason),
        _article7_entry(texts, rules, applied, art6),
        _entry(
            texts,
            8,
            rules.art8,
            rules.art8_text + _displaced(applied, art6, rules.art8, rules.security_assessment),
        ),
        _entry(texts, 10, holds_pi, _article10_text(facts)),
        _entry(
            texts,
            11,
            TRUE,
            "Article 11 applies to every transfer abroad: the processor keeps its data-security "
            "duties, takes technical and other necessary measures, and remedies and reports "
            "data-security incidents to the provincial (or higher) cyberspace office, whatever "
            "the outcome.",
        ),
    )
    missing_facts = _ordered(frozenset().union(*(set(e.missing) for e in explanation)))
    return Determination(
        article6_status=art6.status,
        list_ref=compiled.ref if compiled is not None else None,
        matched_items=tuple(item.code for item in art6.matched),
        article6_reason=art6.reason,
        outcome=outcome,
        basis=basis,
        duties=duties,
        explanation=explanation,
        missing_facts=missing_facts,
    )


def _required(art6: _Article6, rules: _NationalRules, open_exemption: bool) -> tuple[Outcome, tuple[str, ...]]:
    """The outcome when no exemption applies: what the list and Arts. 7–8 require."""
    security = Mechanism.SECURITY_ASSESSMENT
    if art6.status is Article6Status.INSIDE:
        listed = art6.mechanism
        if rules.determined:
            # Inside the list: the strictest matched item, never weaker than Arts. 7–8.
            national = rules.mechanism
            required = max(listed, national) if national else listed
            basis = ("art6", *(rules.basis if national == required else ()))
        elif listed is security:
            required, basis = security, ("art6",)  # nothing is stricter
        else:
            return Outcome.UNDETERMINED, ()
    elif art6.status is Article6Status.UNDETERMINED:
        # The list might exempt or require more; only a security assessment is safe either way.
        if rules.determined and rules.mechanism is security:
            required, basis = security, rules.basis
        else:
            return Outcome.UNDETERMINED, ()
    else:  # not applicable: the national rules alone
        if not rules.determined:
            return Outcome.UNDETERMINED, ()
        required, basis = rules.mechanism, rules.basis

    if required is security:
        return Outcome.SECURITY_ASSESSMENT, basis
    if open_exemption:
        return Outcome.UNDETERMINED, ()
    if required is None:
        return Outcome.NOT_REQUIRED, ()
    return required.outcome, basis


def _article6_applies(art6: _Article6) -> Tri:
    """Art. 6 applies when the zone's list decides the data: inside (a mechanism) or outside."""
    if art6.status is Article6Status.UNDETERMINED:
        return Tri(None, art6.missing)
    return _known(art6.status in (Article6Status.INSIDE, Article6Status.OUTSIDE))


def _displaced(
    applied: tuple[str, ...],
    art6: _Article6,
    applies: Tri,
    security_assessment: Tri | None,
) -> str:
    """Say that an exemption or the list governs (从其规定), or that Art. 7 is stricter."""
    if applies.value is not True:
        return ""
    if applied:
        names = ", ".join(_basis_text(b) for b in applied)
        verb = "applies" if len(applied) == 1 else "apply"
        return f" But {names} {verb}, and that governs (从其规定): no mechanism is required."
    if art6.status is Article6Status.INSIDE:
        return (
            " The data are inside the zone's negative list, which governs (Article 6, 从其规定); "
            "the outcome is never weaker than this article requires."
        )
    if security_assessment is not None and security_assessment.value:
        return " Article 7 requires the stricter security assessment."
    return ""


def _basis_text(basis: str) -> str:
    number, _, clause = basis.removeprefix("art").partition(".")
    return f"Article {number}({clause})" if clause else f"Article {number}"


def _article10_text(facts: _Facts) -> str:
    duty = (
        "inform the individuals, obtain their separate consent and carry out a personal "
        "information protection impact assessment, exempt or not"
    )
    if facts.holds_pi.value:
        return f"Article 10 applies: the data carry {_pi_text(facts)}, so the processor must {duty}."
    if facts.holds_pi.value is False:
        return "Article 10 does not apply: the data carry no personal information."
    return (
        f"Article 10 applies if the data carry personal information, which the request does not "
        f"say ({_pi_text(facts)}); if they do, the processor must {duty}."
    )


def _entry(texts: Mapping[int, Article], number: int, applies: Tri, text: str) -> ExplanationEntry:
    article = texts[number]
    return ExplanationEntry(
        article=str(number),
        applies=applies.value,
        text=text,
        quote_zh=article.zh,
        quote_en=article.en,
        missing=_ordered(applies.missing) if applies.value is None else (),
    )


def _clause_entry(
    texts: Mapping[int, Article],
    number: int,
    clauses: list[tuple[int, Tri]],
    applies: Tri,
    text: str,
) -> ExplanationEntry:
    """An entry that quotes the clauses that apply (or could), else the whole article."""
    entry = _entry(texts, number, applies, text)
    article = texts[number]
    relevant = [n for n, t in clauses if t.value] or [n for n, t in clauses if t.value is None]
    if not relevant or not article.clauses:
        return entry
    quoted = [article.clause(n) for n in relevant]
    return ExplanationEntry(
        article=entry.article,
        applies=entry.applies,
        text=entry.text,
        quote_zh="\n".join(c.zh for c in quoted),
        quote_en="\n".join(f"({c.number}) {c.en}" for c in quoted),
        missing=entry.missing,
    )


def _article5_entry(texts: Mapping[int, Article], tests: list[_Test]) -> ExplanationEntry:
    applies = _any(*(t.applies for t in tests))
    clauses = [(int(t.basis.rsplit(".", 1)[1]), t.applies) for t in tests]
    return _clause_entry(texts, 5, clauses, applies, " ".join(t.text for t in tests))


def _article7_entry(
    texts: Mapping[int, Article],
    rules: _NationalRules,
    applied: tuple[str, ...],
    art6: _Article6,
) -> ExplanationEntry:
    applies = rules.security_assessment
    text = rules.art7_text + _displaced(applied, art6, applies, None)
    clauses = [(1, rules.art7_1), (2, rules.art7_2)]
    return _clause_entry(texts, 7, clauses, applies, text)


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    """Fact names in the request's order, then declared attributes alphabetically."""
    names = set(names)
    known = [n for n in _FACT_ORDER if n in names]
    return tuple(known + sorted(names - set(_FACT_ORDER)))
