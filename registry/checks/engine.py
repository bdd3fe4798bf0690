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
from functools import cache, lru_cache
from typing import Any, NamedTuple

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
# Keyed by the plain strings a list item holds: an enum call, and a dict keyed by enum members
# (whose hash is computed in Python), cost more than the rest of the lookup.
_MECHANISMS = {mechanism.value: mechanism for mechanism in Mechanism}
_MECHANISM_TEXTS = {mechanism.value: text for mechanism, text in _MECHANISM_TEXT.items()}


def _mechanism(value: str) -> Mechanism:
    """``Mechanism(value)`` (the same ValueError when ``value`` is none)."""
    mechanism = _MECHANISMS.get(value)
    return mechanism if mechanism is not None else Mechanism(value)


def _mechanism_text(value: str) -> str:
    """``_MECHANISM_TEXT[Mechanism(value)]`` (the same ValueError when ``value`` is no mechanism)."""
    text = _MECHANISM_TEXTS.get(value)
    return text if text is not None else _MECHANISM_TEXT[Mechanism(value)]


class ExplanationEntry(NamedTuple):
    """Why one article did or did not apply.

    ``applies`` is whether the article's own conditions are met by the facts (None: a fact is
    missing or the list cannot decide); whether it governs the outcome is what ``basis`` says
    (an exemption displaces Arts. 7–8, 从其规定, and the text says so).

    Immutable, like :class:`Determination`: named tuples, which cost a third of what frozen
    dataclasses do to build (every check builds eight of these).
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


class Determination(NamedTuple):
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
        """The result in the contract's response shape (docs/api.md, "Checks"), less ``receipt``."""
        # str() of a StrEnum member is its value, without the Python-level ``.value`` property.
        return {
            "article6": {
                "status": str(self.article6_status),
                "list": dict(self.list_ref) if self.list_ref is not None else None,
                "matched_items": list(self.matched_items),
                "reason": self.article6_reason,
            },
            "outcome": str(self.outcome),
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


@lru_cache(maxsize=1024)
def _unknown(name: str) -> Tri:
    """The unknown that names one missing fact (the same few names recur in every check)."""
    return Tri(None, frozenset({name}))


def _fact(value: bool | None, name: str) -> Tri:
    if value is None:
        return _unknown(name)
    return TRUE if value else FALSE


def _all(*parts: Tri) -> Tri:
    """Kleene AND: false if any part is false, true if all are, else unknown."""
    unknown = None
    for part in parts:
        if part.value is False:
            return FALSE
        if part.value is None:
            unknown = part if unknown is None else Tri(None, unknown.missing | part.missing)
    return TRUE if unknown is None else unknown


def _any(*parts: Tri) -> Tri:
    """Kleene OR: true if any part is true, false if all are, else unknown."""
    unknown = None
    for part in parts:
        if part.value:
            return TRUE
        if part.value is None:
            unknown = part if unknown is None else Tri(None, unknown.missing | part.missing)
    return FALSE if unknown is None else unknown


def _not(part: Tri) -> Tri:
    if part.value is None:
        return part
    return FALSE if part.value else TRUE


class Count:
    """A number of people: exact when given, else only a lower bound (``at_least``).

    ``text`` is how the explanations show it: ``150,000 people``, ``at least 50,000 people …``
    or ``an unknown number …``. Immutable by convention (a plain class: one is built per figure
    and check).
    """

    __slots__ = ("name", "value", "at_least", "text")

    def __init__(self, name: str, value: int | None, at_least: int = 0) -> None:
        self.name = name
        self.value = value
        self.at_least = at_least
        # Formatted here, once per check (not cached: head counts rarely repeat, and a cache miss
        # costs twice the formatting).
        if value is not None:
            self.text = f"{value:,} {'person' if value == 1 else 'people'}"
        elif at_least:
            people = "person" if at_least == 1 else "people"
            self.text = f"at least {at_least:,} {people} (this transfer alone; {name} not given)"
        else:
            self.text = f"an unknown number of people ({name} not given)"

    def at_or_above(self, threshold: int) -> Tri:
        """``value >= threshold`` (以上 includes the number)."""
        if self.value is not None:
            return TRUE if self.value >= threshold else FALSE
        if self.at_least >= threshold:
            return TRUE
        return _unknown(self.name)

    def below(self, threshold: int) -> Tri:
        """``value < threshold`` (不满 excludes the number)."""
        if self.value is not None:
            return TRUE if self.value < threshold else FALSE
        return _not(self.at_or_above(threshold))

    def within(self, low: int, high: int) -> Tri:
        """``low <= value < high``."""
        if self.value is not None:
            return TRUE if low <= self.value < high else FALSE
        return _all(self.at_or_above(low), self.below(high))


# --- facts ------------------------------------------------------------------------------------

# The figures a list condition can name that the engine holds as counts (attribute: _Facts slot).
_COUNT_FIGURES = {
    "personal_info_subjects": "pi",
    "sensitive_pi_subjects": "sensitive_pi",
    "cumulative_personal_info_subjects": "cumulative_pi",
    "cumulative_sensitive_pi_subjects": "cumulative_sensitive_pi",
}


class _Facts:
    """The request's facts, read once per check, and the texts every explanation repeats.

    Immutable by convention (a plain class: built once per check, read by every article).
    """

    __slots__ = (
        "request",
        "grounds",
        "in_zone",
        "ciio",
        "important_data",
        "no_important_data",
        "pi",
        "sensitive_pi",
        "holds_pi",  # the dataset carries any personal information, sensitive or not
        "cumulative_pi",
        "cumulative_sensitive_pi",
        "pi_text",
        "cumulative_text",
    )

    def __init__(self, request: CheckRequest) -> None:
        dataset, cumulative = request.dataset, request.cumulative
        self.request = request
        self.grounds = request.grounds
        self.in_zone = _fact(request.processor.in_zone, IN_ZONE)
        self.ciio = _fact(request.processor.ciio, CIIO)
        self.important_data = _fact(dataset.important_data, IMPORTANT_DATA)
        self.no_important_data = _not(self.important_data)
        self.pi = pi = Count(PI, dataset.personal_info_subjects)
        self.sensitive_pi = sensitive_pi = Count(SENSITIVE_PI, dataset.sensitive_pi_subjects)
        self.holds_pi = holds_pi = _any(pi.at_or_above(1), sensitive_pi.at_or_above(1))
        self.cumulative_pi = _cumulative(
            CUMULATIVE_PI,
            cumulative.personal_info_subjects if cumulative else None,
            dataset.personal_info_subjects,
            holds_pi,
        )
        self.cumulative_sensitive_pi = _cumulative(
            CUMULATIVE_SENSITIVE_PI,
            cumulative.sensitive_pi_subjects if cumulative else None,
            dataset.sensitive_pi_subjects,
            holds_pi,
        )
        self.pi_text = f"personal information of {pi.text} and sensitive personal information of {sensitive_pi.text}"
        self.cumulative_text = (
            f"cumulative personal information since 1 January is {self.cumulative_pi.text} and "
            f"cumulative sensitive personal information {self.cumulative_sensitive_pi.text}"
        )

    def figure(self, attribute: str) -> tuple[Any, int | None, str]:
        """Return ``(value, lower bound, fact name)`` of a figure a list condition names."""
        slot = _COUNT_FIGURES.get(attribute)
        if slot is not None:
            count = getattr(self, slot)
            return count.value, count.at_least, count.name
        return (
            self.request.dataset.attributes.get(attribute),
            None,
            f"dataset.attributes.{attribute}",
        )


def _cumulative(name: str, given: int | None, own: int | None, holds_pi: Tri) -> Count:
    """The yearly total that decides (自当年1月1日起累计), this transfer included.

    It is never below the dataset's own figure; without personal information it defaults to 0
    (docs/api.md); otherwise, when not given, only that lower bound is known.
    """
    if given is not None:
        return Count(name, max(given, own or 0))
    if holds_pi.value is False:
        return Count(name, 0)
    return Count(name, None, at_least=own or 0)


# --- Articles 3, 4 and 5: exemptions that stand on their own ------------------------------


class _Test(NamedTuple):
    """One article (or clause): whether it applies, and why, in plain English."""

    basis: str
    applies: Tri
    text: str


# A condition of an article: (tri, text if true, text if false, text if unknown).
_Part = tuple[Tri, str, str, str]


def _clause_test(basis: str, label: str, parts: tuple[_Part, ...]) -> _Test:
    """Combine conjunctive conditions (Kleene AND) into a test, explained by the parts that decide it.

    False when any part is false (named: the false ones), else unknown when any is (named: the
    unknown ones), else true (named: all of them).
    """
    failing = [part[2] for part in parts if part[0].value is False]
    if failing:
        return _Test(basis, FALSE, f"{label} does not apply: " + "; ".join(failing) + ".")
    unknown = [part for part in parts if part[0].value is None]
    if unknown:
        text = f"{label} cannot be decided: " + "; ".join([part[3] for part in unknown]) + "."
        return _Test(basis, _all(*[part[0] for part in unknown]), text)
    return _Test(basis, TRUE, f"{label} applies: " + "; ".join([part[1] for part in parts]) + ".")


def _no_important_data_texts(why: str) -> tuple[str, str, str]:
    """The texts of "no important data" (a condition of Arts. 3, 4 and 5), given why it matters."""
    return (
        "the data carry no important data",
        f"the data carry important data ({why})",
        f"the request does not say whether the data carry important data ({IMPORTANT_DATA})",
    )


_ART3_NO_IMPORTANT_DATA = _no_important_data_texts("Article 3 covers only data with none: 不包含…重要数据")
_ART4_NO_IMPORTANT_DATA = _no_important_data_texts(
    "processing must introduce no domestic personal information or important data"
)
# Art. 5, last paragraph: the personal information it exempts does not include important data.
_ART5_NO_IMPORTANT_DATA = _no_important_data_texts(
    "Article 5 does not cover important data: 前款所称向境外提供的个人信息，不包括重要数据"
)


def _article3(facts: _Facts) -> _Test:
    grounds = [g for g in ART3_GROUNDS if g in facts.grounds]
    pi_text = facts.pi_text
    return _clause_test(
        "art3",
        "Article 3",
        (
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
                f"the data carry personal information ({pi_text}); "
                "Article 3 covers only data with none (不包含个人信息)",
                f"the request does not say whether the data carry personal information ({pi_text})",
            ),
            (facts.no_important_data, *_ART3_NO_IMPORTANT_DATA),
        ),
    )


def _article4_test(ground: Tri, no_important_data: Tri) -> _Test:
    return _clause_test(
        "art4",
        "Article 4",
        (
            (
                ground,
                "the personal information was collected and generated abroad (collected_abroad)",
                "the request does not state that the personal information was collected and "
                "generated abroad (collected_abroad)",
                "",
            ),
            (no_important_data, *_ART4_NO_IMPORTANT_DATA),
        ),
    )


# Art. 4 turns on two facts and quotes no figure: its six possible tests are built once.
_ARTICLE4 = {
    (ground.value, no_important_data.value): _article4_test(ground, no_important_data)
    for ground in (TRUE, FALSE)
    for no_important_data in (TRUE, FALSE, _unknown(IMPORTANT_DATA))
}


def _article4(facts: _Facts) -> _Test:
    return _ARTICLE4[ART4_GROUND in facts.grounds, facts.no_important_data.value]


_ART5_PURPOSES = {
    1: "conclude or perform a contract to which the individual is a party",
    2: "cross-border human-resources management",
    3: "protect a natural person's life, health or property in an emergency",
}


class _GroundClause(NamedTuple):
    """Art. 5(1), (2) or (3), which exempts on a ground the request may give."""

    basis: str
    label: str
    ground: str
    if_given: str
    if_not: str


_ART5_GROUND_CLAUSES = tuple(
    _GroundClause(
        f"art5.{clause}",
        f"Article 5({clause})",
        ground,
        f"providing the personal information is truly necessary to {_ART5_PURPOSES[clause]} ({ground})",
        f"the request does not give its ground ({ground})",
    )
    for clause, ground in ART5_GROUNDS.items()
)


def _article5_ground_clause(
    clause: _GroundClause, given: bool, holds_pi: Tri, pi_text: str, no_important_data: Tri
) -> _Test:
    """Art. 5(1), (2) or (3): its ground, personal information, and no important data."""
    return _clause_test(
        clause.basis,
        clause.label,
        (
            (_known(given), clause.if_given, clause.if_not, ""),
            (
                holds_pi,
                f"the data carry personal information ({pi_text})",
                "the data carry no personal information (0 people)",
                f"the request does not say how many people's personal information the data carry ({pi_text})",
            ),
            (no_important_data, *_ART5_NO_IMPORTANT_DATA),
        ),
    )


def _article5_without_ground() -> dict[tuple[str, bool | None, bool | None], _Test]:
    """Arts. 5(1)–(3) when the request does not give the clause's ground, keyed by clause and facts.

    Such a clause fails, and a failing clause names only its failing conditions, none of which
    quotes a figure: so these tests, the usual ones, depend only on whether the data carry
    personal information and important data, and are built once.
    """
    tests = {}
    for clause in _ART5_GROUND_CLAUSES:
        for holds_pi in (TRUE, FALSE, _unknown(PI)):
            for no_important_data in (TRUE, FALSE, _unknown(IMPORTANT_DATA)):
                test = _article5_ground_clause(clause, False, holds_pi, "<figures>", no_important_data)
                assert test.applies is FALSE and "<figures>" not in test.text
                tests[clause.basis, holds_pi.value, no_important_data.value] = test
    return tests


_ART5_WITHOUT_GROUND = _article5_without_ground()


def _article5(facts: _Facts) -> list[_Test]:
    holds_pi, no_important_data = facts.holds_pi, facts.no_important_data
    tests = [
        _article5_ground_clause(clause, True, holds_pi, facts.pi_text, no_important_data)
        if clause.ground in facts.grounds
        else _ART5_WITHOUT_GROUND[clause.basis, holds_pi.value, no_important_data.value]
        for clause in _ART5_GROUND_CLAUSES
    ]

    cumulative = facts.cumulative_pi.text
    tests.append(
        _clause_test(
            "art5.4",
            "Article 5(4)",
            (
                (
                    _not(facts.ciio),
                    "the processor is not a critical information infrastructure operator",
                    "the processor is a critical information infrastructure operator",
                    f"the request does not say whether the processor is a CIIO ({CIIO})",
                ),
                (no_important_data, *_ART5_NO_IMPORTANT_DATA),
                (
                    facts.pi.at_or_above(1),
                    f"the data carry personal information of {facts.pi.text}",
                    "the data carry no non-sensitive personal information",
                    f"the number of people whose personal information the data carry was not given ({PI})",
                ),
                (
                    facts.sensitive_pi.below(1),
                    "no sensitive personal information",
                    f"the data carry sensitive personal information of {facts.sensitive_pi.text}, "
                    "which Article 5(4) does not cover (不含敏感个人信息)",
                    f"the number of people whose sensitive personal information the data carry was "
                    f"not given ({SENSITIVE_PI})",
                ),
                (
                    facts.cumulative_pi.below(PI_STANDARD_CONTRACT_FROM),
                    f"cumulative personal information since 1 January is {cumulative}, fewer than 100,000 (不满10万人)",
                    f"cumulative personal information since 1 January is {cumulative}, "
                    f"not fewer than 100,000 (不满10万人 excludes 100,000)",
                    f"cumulative personal information since 1 January is {cumulative}",
                ),
            ),
        )
    )
    return tests


_GROUND_TEXT = {ground: ground.replace("_", " ") + f" ({ground})" for ground in GROUNDS}


def _grounds_text(grounds: Iterable[str]) -> str:
    return ", ".join([_GROUND_TEXT[g] for g in grounds]) or "none"


# --- Articles 7 and 8: what the national rules require ---------------------------------------


class _NationalRules(NamedTuple):
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
    pi_large = cumulative.at_or_above(PI_SECURITY_ASSESSMENT_FROM)
    sensitive_large = cumulative_sensitive.at_or_above(SENSITIVE_PI_SECURITY_ASSESSMENT_FROM)
    large = _any(pi_large, sensitive_large)
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
    pi_middle = cumulative.within(PI_STANDARD_CONTRACT_FROM, PI_SECURITY_ASSESSMENT_FROM)
    sensitive_middle = cumulative_sensitive.within(1, SENSITIVE_PI_SECURITY_ASSESSMENT_FROM)
    art8 = _all(_not(ciio), holds_pi, _any(pi_middle, sensitive_middle))

    return _NationalRules(
        art7_1=art7_1,
        art7_2=art7_2,
        security_assessment=security_assessment,
        art8=art8,
        art7_text=_article7_text(facts, art7_1, art7_2, security_assessment, pi_large, sensitive_large),
        art8_text=_article8_text(facts, art8, pi_middle, sensitive_middle),
    )


def _article7_text(facts: _Facts, art7_1: Tri, art7_2: Tri, combined: Tri, pi_large: Tri, sensitive_large: Tri) -> str:
    """Explain Art. 7; ``pi_large`` / ``sensitive_large`` are the 100万人以上 / 1万人以上 tests."""
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
            if pi_large.value:
                reasons.append(
                    f"cumulative personal information since 1 January is {facts.cumulative_pi.text}, "
                    "1,000,000 or more (100万人以上)"
                )
            if sensitive_large.value:
                reasons.append(
                    f"cumulative sensitive personal information is {facts.cumulative_sensitive_pi.text}, "
                    "10,000 or more (1万人以上)"
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
                f"important data, and {facts.cumulative_text}: fewer than 1,000,000 and fewer "
                "than 10,000 (100万人以上 / 1万人以上 start there)."
            )
    if combined.value is None:
        sentences.append(
            "Article 7 cannot be decided: it depends on "
            + ", ".join(_ordered(combined.missing))
            + f", which the request did not give ({facts.cumulative_text})."
        )
    return " ".join(sentences)


def _article8_text(facts: _Facts, art8: Tri, pi_middle: Tri, sensitive_middle: Tri) -> str:
    """Explain Art. 8; ``pi_middle`` / ``sensitive_middle`` are its 10万人以上、不满100万人 / 不满1万人 tests."""
    if art8.value:
        reasons = []
        if pi_middle.value:
            reasons.append(
                f"cumulative personal information since 1 January is {facts.cumulative_pi.text}, "
                "100,000 or more but fewer than 1,000,000 (10万人以上、不满100万人)"
            )
        if sensitive_middle.value:
            reasons.append(
                f"cumulative sensitive personal information is {facts.cumulative_sensitive_pi.text}, "
                "fewer than 10,000 (不满1万人)"
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
            f"Article 8 does not apply: {facts.cumulative_text}, neither 100,000 to 999,999 "
            "(10万人以上、不满100万人) nor 1 to 9,999 sensitive (不满1万人)."
        )
    return (
        "Article 8 cannot be decided: it depends on "
        + ", ".join(_ordered(art8.missing))
        + f", which the request did not give ({facts.cumulative_text})."
    )


# --- Article 6: the zone's negative list -----------------------------------------------------


class _Article6(NamedTuple):
    status: Article6Status
    matched: tuple[ListItem, ...]
    reason: str
    missing: frozenset[str] = frozenset()
    # Items the data may still fall under once a fact is known (a figure a condition needs, or
    # items below a category that is broader than them): each mechanism with the facts it awaits.
    open_items: tuple[tuple[Mechanism, frozenset[str]], ...] = ()
    # Whether a fact the request did not give could still put the data outside the list.
    could_be_outside: bool = False

    @property
    def mechanism(self) -> Mechanism | None:
        """The strictest mechanism among the matched items."""
        return max((_mechanism(item.mechanism) for item in self.matched), default=None)


class _CategoryResult(NamedTuple):
    category: str
    matched: tuple[tuple[ListItem, list[str]], ...]  # each item with how its conditions were read
    out_of_scope: bool
    doubts: tuple[str, ...]  # why it cannot be ruled out
    missing: frozenset[str]
    open_items: tuple[tuple[Mechanism, frozenset[str]], ...]  # see _Article6


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
            results.append(_unknown(name))
            notes.append(f"{condition.text} needs {name}, which is {shown}")
        else:
            results.append(_known(holds))
            notes.append(f"{condition.attribute} {shown} {'meets' if holds else 'fails'} {condition.text}")
    return _all(*results), notes


_NARROWER = frozenset({CATEGORIES})


def _judge_category(compiled: CompiledList, lookup: CategoryLookup, facts: _Facts) -> _CategoryResult:
    matched, doubts, open_items = [], [], []
    missing: frozenset[str] = frozenset()
    for item in lookup.covering_items:
        if not item.conditions:
            matched.append((item, []))
            continue
        holds, notes = _conditions_hold(item, facts)
        if holds.value:
            matched.append((item, notes))
        elif holds.value is None:
            missing |= holds.missing
            doubts.append(f"item {item.label()} covers it but " + "; ".join(notes))
            open_items.append((_mechanism(item.mechanism), holds.missing))
    in_scope = lookup.in_scope
    # A category broader than the list's items or scope awaits a narrower one: that is the fact
    # missing (every item below it counts, as the contract's rule for broader categories says).
    if lookup.broader_than_items:
        doubts.append("it is broader than items of the list (they lie below it); a narrower category would decide")
        missing |= _NARROWER
        open_items.extend((_mechanism(m), _NARROWER) for m in lookup.mechanisms_below)
    if not in_scope and lookup.broader_than_scope:
        doubts.append("it is broader than a scope code of the list (part of it is in scope)")
        missing |= _NARROWER
    if not compiled.items_complete and (in_scope or lookup.broader_than_scope):
        doubts.append("this record holds only part of the list's items (items_complete is false)")
    out_of_scope = not in_scope and not lookup.broader_than_scope  # CategoryLookup.out_of_scope
    return _CategoryResult(lookup.category, tuple(matched), out_of_scope, tuple(doubts), missing, tuple(open_items))


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

    # Each category is matched, out of scope, doubtful or outside; the reason says so in that order.
    matched: dict[str, ListItem] = {}
    matches, out_of_scope, doubtful, outside = [], [], [], []
    doubtful_missing: frozenset[str] = frozenset()
    open_items: list[tuple[Mechanism, frozenset[str]]] = []
    for category in request.dataset.categories:
        r = _judge_category(compiled, compiled.lookup(category), facts)
        label = compiled.category_label(category)
        open_items.extend(r.open_items)
        if r.matched:
            for item, notes in r.matched:
                matched[item.code] = item
                note = " (" + "; ".join(notes) + ")" if notes else ""
                matches.append(
                    f"Category {label} matches item {item.label()} of {the_list}, "
                    f"which requires {_mechanism_text(item.mechanism)}{note}."
                )
            if r.doubts:
                matches.append(f"Category {label} may fall under more of the list: " + "; ".join(r.doubts) + ".")
        elif r.out_of_scope:
            out_of_scope.append(
                f"Category {label} is outside the scope of {the_list} ({', '.join(compiled.scope) or 'none'}): "
                "the list does not cover it, so the national rules apply to it."
                + (" Yet items of the list cannot be ruled out: " + "; ".join(r.doubts) + "." if r.doubts else "")
            )
        elif r.doubts:
            doubtful.append(f"Category {label} cannot be ruled out: " + "; ".join(r.doubts) + ".")
            doubtful_missing |= r.missing
        else:
            outside.append(
                f"Category {label} is within the scope of {the_list} "
                f"and matches none of its {len(compiled.items)} items (负面清单外的数据)."
            )
    sentences = matches + out_of_scope + doubtful + outside

    missing: frozenset[str] = frozenset()
    if matched:
        status = Article6Status.INSIDE
    elif out_of_scope:
        status = not_applicable
    elif doubtful:
        status = Article6Status.UNDETERMINED
        missing = doubtful_missing
    else:
        status = Article6Status.OUTSIDE
        sentences.append("The data are outside the negative list.")

    # A processor fact the list needs is missing: only an out-of-scope answer survives that.
    processor_missing = facts.in_zone.missing
    if compiled.excludes_ciio:
        processor_missing |= facts.ciio.missing
    # A doubt on a complete list may yet resolve to "outside"; a partial record never says that.
    doubt_may_clear = status is Article6Status.UNDETERMINED and compiled.items_complete
    if processor_missing and status is not not_applicable:
        sentences.insert(
            0,
            "The list can be used only by a processor in the zone"
            + (" that is not a CIIO" if compiled.excludes_ciio else "")
            + f", and the request does not say whether this one is "
            f"({', '.join(_ordered(processor_missing))}).",
        )
        could_be_outside = status is Article6Status.OUTSIDE or doubt_may_clear
        return _Article6(
            Article6Status.UNDETERMINED, (), " ".join(sentences), processor_missing, could_be_outside=could_be_outside
        )
    items = tuple(sorted(matched.values(), key=lambda item: item.code))
    return _Article6(status, items, " ".join(sentences), missing, tuple(open_items), doubt_may_clear)


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
    ``undetermined`` when a fact the request did not give could change it: an exemption that may
    still apply, or an item the data may still fall under that is stricter than the answer. A
    security assessment the known facts require stands when nothing missing could exempt.
    """
    quotes = _default_quotes() if articles is None else _Quotes(articles)
    facts = _Facts(request)
    art3, art4 = _article3(facts), _article4(facts)
    art5 = _article5(facts)
    art6 = _article6(request, compiled, facts)
    rules = _national_rules(facts)

    exemptions = [art3, art4, *art5]
    if art6.status is Article6Status.OUTSIDE:
        exemptions.append(_Test("art6", TRUE, art6.reason))
    applying = []
    # An exemption that could apply were a fact given keeps the answer open ("when in doubt"):
    # one of Arts. 3-5, or Art. 6 when a missing fact could still put the data outside the list.
    open_exemption = art6.could_be_outside
    for test in exemptions:
        if test.applies.value:
            applying.append(test.basis)
        elif test.applies.value is None:
            open_exemption = True
    applied = tuple(applying)

    awaited: frozenset[str] = frozenset()
    if applied:
        outcome, basis = Outcome.EXEMPT, applied
    else:
        outcome, basis, awaited = _required(art6, rules, open_exemption)

    holds_pi = facts.holds_pi
    duties = ("art10", "art11") if holds_pi.value is not False else ("art11",)
    explanation = (
        _entry(quotes, 3, art3.applies, art3.text),
        _entry(quotes, 4, art4.applies, art4.text),
        _article5_entry(quotes, art5),
        _entry(quotes, 6, _article6_applies(art6), art6.reason),
        _article7_entry(quotes, rules, applied, art6),
        _entry(
            quotes,
            8,
            rules.art8,
            rules.art8_text + _displaced(applied, art6, rules.art8, rules.security_assessment),
        ),
        _entry(quotes, 10, holds_pi, _article10_text(facts)),
        quotes.article11(),
    )
    missing_facts = _ordered(frozenset().union(awaited, *[e.missing for e in explanation]))
    return Determination(
        article6_status=art6.status,
        list_ref=compiled.ref if compiled is not None else None,
        matched_items=tuple([item.code for item in art6.matched]),
        article6_reason=art6.reason,
        outcome=outcome,
        basis=basis,
        duties=duties,
        explanation=explanation,
        missing_facts=missing_facts,
    )


_UNDETERMINED: tuple[Outcome, tuple[str, ...], frozenset[str]] = (Outcome.UNDETERMINED, (), frozenset())


def _required(
    art6: _Article6, rules: _NationalRules, open_exemption: bool
) -> tuple[Outcome, tuple[str, ...], frozenset[str]]:
    """The outcome when no exemption applies: what the list and Arts. 7–8 require.

    Also returns the facts an ``undetermined`` outcome awaits beyond those the explanation's
    entries name: the figures that items stricter than the known answer need.
    """
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
            return _UNDETERMINED
    elif art6.status is Article6Status.UNDETERMINED:
        # The list might require more than Arts. 7-8: only a security assessment they require is
        # certain (and only if nothing missing could exempt, which ``open_exemption`` says).
        if rules.determined and rules.mechanism is security:
            required, basis = security, rules.basis
        else:
            return _UNDETERMINED
    else:  # not applicable: the national rules alone
        if not rules.determined:
            return _UNDETERMINED
        required, basis = rules.mechanism, rules.basis

    # An item the data may still fall under, stricter than this answer, keeps it open: reporting
    # the weaker mechanism would understate what the list requires.
    stricter = [facts for mechanism, facts in art6.open_items if required is None or mechanism > required]
    if stricter:
        return Outcome.UNDETERMINED, (), frozenset().union(*stricter)
    if open_exemption:
        return _UNDETERMINED
    if required is security:
        return Outcome.SECURITY_ASSESSMENT, basis, frozenset()
    if required is None:
        return Outcome.NOT_REQUIRED, (), frozenset()
    return required.outcome, basis, frozenset()


def _article6_applies(art6: _Article6) -> Tri:
    """Art. 6 applies when the zone's list decides the data: inside (a mechanism) or outside."""
    status = art6.status
    if status is Article6Status.UNDETERMINED:
        return Tri(None, art6.missing)
    return TRUE if status is Article6Status.INSIDE or status is Article6Status.OUTSIDE else FALSE


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
        return f"Article 10 applies: the data carry {facts.pi_text}, so the processor must {duty}."
    if facts.holds_pi.value is False:
        return "Article 10 does not apply: the data carry no personal information."
    return (
        f"Article 10 applies if the data carry personal information, which the request does not "
        f"say ({facts.pi_text}); if they do, the processor must {duty}."
    )


_ARTICLE11_TEXT = (
    "Article 11 applies to every transfer abroad: the processor keeps its data-security "
    "duties, takes technical and other necessary measures, and remedies and reports "
    "data-security incidents to the provincial (or higher) cyberspace office, whatever "
    "the outcome."
)


class _Quotes:
    """What the explanation quotes of an article: its whole text, or the clauses it names.

    A quote is looked up or joined the first time it is asked for and kept (texts never change),
    so checks against the same articles share the strings.
    """

    __slots__ = ("_texts", "_whole", "_joined", "_article11")

    def __init__(self, texts: Mapping[int, Article]) -> None:
        self._texts = texts
        self._whole: dict[int, tuple[str, str]] = {}
        self._joined: dict[tuple[int, tuple[int, ...]], tuple[str, str]] = {}
        self._article11: ExplanationEntry | None = None

    def of(self, number: int, clauses: tuple[int, ...] = ()) -> tuple[str, str]:
        """Return ``(quote_zh, quote_en)``: the clauses when given and the article has any."""
        quote = self._joined.get((number, clauses)) if clauses else self._whole.get(number)
        return quote if quote is not None else self._join(number, clauses)

    def _join(self, number: int, clauses: tuple[int, ...]) -> tuple[str, str]:
        article = self._texts[number]
        if clauses and article.clauses:
            quoted = [article.clause(n) for n in clauses]
            quote = ("\n".join(c.zh for c in quoted), "\n".join(f"({c.number}) {c.en}" for c in quoted))
        else:
            quote = (article.zh, article.en)
        if clauses:
            self._joined[number, clauses] = quote
        else:
            self._whole[number] = quote
        return quote

    def article11(self) -> ExplanationEntry:
        """Art. 11's entry, the same in every check: it applies whatever the outcome."""
        if self._article11 is None:
            self._article11 = _entry(self, 11, TRUE, _ARTICLE11_TEXT)
        return self._article11


@cache
def _default_quotes() -> _Quotes:
    """The quotes of :func:`load_articles`, shared by every check that passes no ``articles``."""
    return _Quotes(load_articles())


def _entry(quotes: _Quotes, number: int, applies: Tri, text: str, clauses: tuple[int, ...] = ()) -> ExplanationEntry:
    """Article ``number``'s entry, quoting ``clauses`` (when it has clauses) or else all of it."""
    quote_zh, quote_en = quotes.of(number, clauses)
    missing = _ordered(applies.missing) if applies.value is None else ()
    return ExplanationEntry(_ARTICLE_KEYS[number], applies.value, text, quote_zh, quote_en, missing)


_ARTICLE_KEYS = {number: str(number) for number in (3, 4, 5, 6, 7, 8, 10, 11)}


def _relevant_clauses(clauses: list[Tri]) -> tuple[int, ...]:
    """The clauses (numbered from 1) to quote: those that apply, else those that could."""
    applying, possible = [], []
    for number, applies in enumerate(clauses, start=1):
        if applies.value:
            applying.append(number)
        elif applies.value is None:
            possible.append(number)
    return tuple(applying or possible)


def _article5_entry(quotes: _Quotes, tests: list[_Test]) -> ExplanationEntry:
    """Art. 5's entry; ``tests`` are its clauses (1)–(4), in order."""
    clauses = [t.applies for t in tests]
    return _entry(quotes, 5, _any(*clauses), " ".join([t.text for t in tests]), _relevant_clauses(clauses))


def _article7_entry(
    quotes: _Quotes,
    rules: _NationalRules,
    applied: tuple[str, ...],
    art6: _Article6,
) -> ExplanationEntry:
    applies = rules.security_assessment
    text = rules.art7_text + _displaced(applied, art6, applies, None)
    clauses = _relevant_clauses([rules.art7_1, rules.art7_2])
    return _entry(quotes, 7, applies, text, clauses)


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    """Fact names in the request's order, then declared attributes alphabetically."""
    return _ordered_set(frozenset(names))


@lru_cache(maxsize=1024)
def _ordered_set(names: frozenset[str]) -> tuple[str, ...]:
    known = [n for n in _FACT_ORDER if n in names]
    return tuple(known + sorted(names - set(_FACT_ORDER)))
