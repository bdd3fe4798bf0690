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
from types import MappingProxyType
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
# Art. 14: Order No. 16 is in force from its promulgation; the registry does not decide under the
# orders before it (v1.1: a check dated earlier is refused).
ORDER_IN_FORCE_FROM = datetime.date(2024, 3, 22)
# Network Data Security Management Regulations, Art. 35(6) (State Council, in force 2025-01-01):
# personal information truly needed abroad to perform a statutory duty or obligation.
LEGAL_DUTY_GROUND = "legal_duty"
LEGAL_DUTY_FROM = datetime.date(2025, 1, 1)
GROUNDS = (*ART3_GROUNDS, ART4_GROUND, *ART5_GROUNDS.values(), LEGAL_DUTY_GROUND)
# The level of a list item that designates its data as important data (Art. 2).
IMPORTANT_DATA_LEVEL = "important_data"

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
_MECHANISM_TEXT_ZH = {
    Mechanism.SECURITY_ASSESSMENT.value: "申报数据出境安全评估",
    Mechanism.STANDARD_CONTRACT_OR_CERTIFICATION.value: "订立个人信息出境标准合同或者通过个人信息保护认证",
}
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
    text_zh: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The entry as the API returns it."""
        return {
            "article": self.article,
            "applies": self.applies,
            "text": self.text,
            "text_zh": self.text_zh,
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
    # v1.1: the outcome with Article 6's exemption set aside (Arts. 2-5 and 7-8 alone).
    national_outcome: Outcome = Outcome.UNDETERMINED
    national_basis: tuple[str, ...] = ()
    # v1.1: dataset codes the version in force does not know, with the nearest declared codes.
    unknown_categories: tuple[str, ...] = ()
    suggestions: Mapping[str, tuple[str, ...]] = MappingProxyType({})

    def to_dict(self) -> dict[str, Any]:
        """The result in the contract's response shape (docs/api.md, "Checks"), less ``receipt``."""
        # str() of a StrEnum member is its value, without the Python-level ``.value`` property.
        return {
            "article6": {
                "status": str(self.article6_status),
                "list": dict(self.list_ref) if self.list_ref is not None else None,
                "matched_items": list(self.matched_items),
                "reason": self.article6_reason,
                "unknown_categories": list(self.unknown_categories),
                "suggestions": {code: list(near) for code, near in self.suggestions.items()},
            },
            "outcome": str(self.outcome),
            "national_outcome": str(self.national_outcome),
            "national_basis": list(self.national_basis),
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

    __slots__ = ("name", "value", "at_least", "text", "text_zh")

    def __init__(self, name: str, value: int | None, at_least: int = 0) -> None:
        self.name = name
        self.value = value
        self.at_least = at_least
        # Formatted here, once per check (not cached: head counts rarely repeat, and a cache miss
        # costs twice the formatting).
        if value is not None:
            self.text = f"{value:,} {'person' if value == 1 else 'people'}"
            self.text_zh = f"{value:,}人"
        elif at_least:
            people = "person" if at_least == 1 else "people"
            self.text = f"at least {at_least:,} {people} (this transfer alone; {name} not given)"
            self.text_zh = f"至少{at_least:,}人（仅计本次出境；未提供{_fact_zh(name)}）"
        else:
            self.text = f"an unknown number of people ({name} not given)"
            self.text_zh = f"人数不详（未提供{_fact_zh(name)}）"

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
        "pi_text_zh",
        "cumulative_text",
        "cumulative_text_zh",
        "designated",  # Tri: a list in force that applies designates the data important data (Art. 2)
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
        self.pi_text_zh = f"个人信息{pi.text_zh}、敏感个人信息{sensitive_pi.text_zh}"
        self.cumulative_text_zh = (
            f"自当年1月1日起累计向境外提供个人信息{self.cumulative_pi.text_zh}、"
            f"敏感个人信息{self.cumulative_sensitive_pi.text_zh}"
        )
        self.designated = FALSE

    def designate(self, designated: Tri) -> None:
        """Fold a list's designation of the data as important data (Art. 2) into the facts."""
        self.designated = designated
        if designated.value is not False:
            self.important_data = _any(self.important_data, designated)
            self.no_important_data = _not(self.important_data)

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
    """One article (or clause): whether it applies, and why, in English and in Chinese."""

    basis: str
    applies: Tri
    text: str
    text_zh: str = ""


# A condition of an article: (tri, text if true, if false, if unknown; then the same in Chinese).
_Part = tuple[Tri, str, str, str, str, str, str]


def _clause_test(basis: str, label: str, label_zh: str, parts: tuple[_Part, ...]) -> _Test:
    """Combine conjunctive conditions (Kleene AND) into a test, explained by the parts that decide it.

    False when any part is false (named: the false ones), else unknown when any is (named: the
    unknown ones), else true (named: all of them).
    """
    failing = [part for part in parts if part[0].value is False]
    if failing:
        return _Test(
            basis,
            FALSE,
            f"{label} does not apply: " + "; ".join([p[2] for p in failing]) + ".",
            f"{label_zh}不适用：" + "；".join([p[5] for p in failing]) + "。",
        )
    unknown = [part for part in parts if part[0].value is None]
    if unknown:
        return _Test(
            basis,
            _all(*[part[0] for part in unknown]),
            f"{label} cannot be decided: " + "; ".join([p[3] for p in unknown]) + ".",
            f"{label_zh}能否适用尚无法判断：" + "；".join([p[6] for p in unknown]) + "。",
        )
    return _Test(
        basis,
        TRUE,
        f"{label} applies: " + "; ".join([p[1] for p in parts]) + ".",
        f"{label_zh}适用：" + "；".join([p[4] for p in parts]) + "。",
    )


def _no_important_data(facts: _Facts, why: str, why_zh: str) -> _Part:
    """The condition "no important data" of Arts. 3, 4 and 5, given why it matters there."""
    if facts.designated.value is not False:
        designated = " (the zone's list designates the data as important data, Article 2)"
        designated_zh = "（自由贸易试验区负面清单将该数据列为重要数据，第二条）"
    else:
        designated = designated_zh = ""
    given = facts.request.dataset.important_data
    unknown = (
        f"the request does not say whether the data carry important data ({IMPORTANT_DATA})"
        if given is None
        else "whether the zone's list designates the data as important data depends on "
        + ", ".join(_ordered(facts.designated.missing) or ("the list",))
    )
    unknown_zh = (
        "请求未载明数据是否包含重要数据"
        if given is None
        else "负面清单是否将该数据列为重要数据，取决于" + (_facts_zh(facts.designated.missing) or "清单")
    )
    return (
        facts.no_important_data,
        "the data carry no important data",
        f"the data carry important data{designated} ({why})",
        unknown,
        "数据不包含重要数据",
        f"数据包含重要数据{designated_zh}（{why_zh}）",
        unknown_zh,
    )


_ART3_WHY = ("Article 3 covers only data with none: 不包含…重要数据", "第三条仅适用于不包含重要数据的数据")
_ART4_WHY = (
    "processing must introduce no domestic personal information or important data",
    "处理过程中不得引入境内个人信息或者重要数据",
)
# Art. 5, last paragraph: the personal information it exempts does not include important data.
_ART5_WHY = (
    "Article 5 does not cover important data: 前款所称向境外提供的个人信息，不包括重要数据",
    "第五条所称向境外提供的个人信息，不包括重要数据",
)


def _holds_pi_part(facts: _Facts, article: str, article_zh: str) -> _Part:
    """The condition "the data carry personal information" (Arts. 4 and 5(1)-(3), Reg. Art. 35(6))."""
    return (
        facts.holds_pi,
        f"the data carry personal information ({facts.pi_text})",
        f"the data carry no personal information (0 people), and {article} concerns personal information only",
        f"the request does not say how many people's personal information the data carry ({facts.pi_text})",
        f"数据包含个人信息（{facts.pi_text_zh}）",
        f"数据不包含个人信息，而{article_zh}仅适用于个人信息",
        f"请求未载明数据包含多少人的个人信息（{facts.pi_text_zh}）",
    )


def _article3(facts: _Facts) -> _Test:
    grounds = [g for g in ART3_GROUNDS if g in facts.grounds]
    pi_text, pi_text_zh = facts.pi_text, facts.pi_text_zh
    return _clause_test(
        "art3",
        "Article 3",
        "第三条",
        (
            (
                _known(bool(grounds)),
                f"the data were collected and generated in {_grounds_text(grounds)}",
                "the request names none of its activities (international trade, cross-border "
                "transport, academic cooperation, transnational manufacturing, marketing)",
                "",
                f"数据系在{_grounds_text_zh(grounds)}中收集和产生",
                "请求未载明国际贸易、跨境运输、学术合作、跨国生产制造、市场营销等活动中的任何一项",
                "",
            ),
            (
                _not(facts.holds_pi),
                "they carry no personal information",
                f"the data carry personal information ({pi_text}); "
                "Article 3 covers only data with none (不包含个人信息)",
                f"the request does not say whether the data carry personal information ({pi_text})",
                "数据不包含个人信息",
                f"数据包含个人信息（{pi_text_zh}），而第三条仅适用于不包含个人信息的数据",
                f"请求未载明数据是否包含个人信息（{pi_text_zh}）",
            ),
            _no_important_data(facts, *_ART3_WHY),
        ),
    )


def _article4(facts: _Facts) -> _Test:
    # v1.1: Art. 4 speaks of personal information collected abroad; with none it cannot apply.
    return _clause_test(
        "art4",
        "Article 4",
        "第四条",
        (
            (
                _known(ART4_GROUND in facts.grounds),
                "the personal information was collected and generated abroad (collected_abroad)",
                "the request does not state that the personal information was collected and "
                "generated abroad (collected_abroad)",
                "",
                "个人信息系在境外收集和产生",
                "请求未载明个人信息系在境外收集和产生",
                "",
            ),
            _holds_pi_part(facts, "Article 4", "第四条"),
            _no_important_data(facts, *_ART4_WHY),
        ),
    )


_ART5_PURPOSES = {
    1: "conclude or perform a contract to which the individual is a party",
    2: "cross-border human-resources management",
    3: "protect a natural person's life, health or property in an emergency",
}
_ART5_PURPOSES_ZH = {
    1: "订立、履行个人作为一方当事人的合同",
    2: "按照依法制定的劳动规章制度和依法签订的集体合同实施跨境人力资源管理",
    3: "紧急情况下保护自然人的生命健康和财产安全",
}
_CLAUSE_ZH = {1: "（一）", 2: "（二）", 3: "（三）", 4: "（四）"}


class _GroundClause(NamedTuple):
    """Art. 5(1), (2) or (3), which exempts on a ground the request may give."""

    basis: str
    label: str
    label_zh: str
    ground: str
    if_given: str
    if_not: str
    if_given_zh: str
    if_not_zh: str


_ART5_GROUND_CLAUSES = tuple(
    _GroundClause(
        f"art5.{clause}",
        f"Article 5({clause})",
        f"第五条第{_CLAUSE_ZH[clause]}项",
        ground,
        f"providing the personal information is truly necessary to {_ART5_PURPOSES[clause]} ({ground})",
        f"the request does not give its ground ({ground})",
        f"为{_ART5_PURPOSES_ZH[clause]}，确需向境外提供个人信息",
        "请求未载明该项依据",
    )
    for clause, ground in ART5_GROUNDS.items()
)


def _article5_ground_clause(clause: _GroundClause, facts: _Facts) -> _Test:
    """Art. 5(1), (2) or (3): its ground, personal information, and no important data."""
    return _clause_test(
        clause.basis,
        clause.label,
        clause.label_zh,
        (
            (
                _known(clause.ground in facts.grounds),
                clause.if_given,
                clause.if_not,
                "",
                clause.if_given_zh,
                clause.if_not_zh,
                "",
            ),
            _holds_pi_part(facts, clause.label, clause.label_zh),
            _no_important_data(facts, *_ART5_WHY),
        ),
    )


def _article5(facts: _Facts) -> list[_Test]:
    tests = [_article5_ground_clause(clause, facts) for clause in _ART5_GROUND_CLAUSES]

    cumulative, cumulative_zh = facts.cumulative_pi.text, facts.cumulative_pi.text_zh
    tests.append(
        _clause_test(
            "art5.4",
            "Article 5(4)",
            "第五条第（四）项",
            (
                (
                    _not(facts.ciio),
                    "the processor is not a critical information infrastructure operator",
                    "the processor is a critical information infrastructure operator",
                    f"the request does not say whether the processor is a CIIO ({CIIO})",
                    "数据处理者不是关键信息基础设施运营者",
                    "数据处理者是关键信息基础设施运营者",
                    "请求未载明数据处理者是否为关键信息基础设施运营者",
                ),
                _no_important_data(facts, *_ART5_WHY),
                (
                    facts.pi.at_or_above(1),
                    f"the data carry personal information of {facts.pi.text}",
                    "the data carry no non-sensitive personal information",
                    f"the number of people whose personal information the data carry was not given ({PI})",
                    f"数据包含{facts.pi.text_zh}的个人信息",
                    "数据不包含（敏感个人信息以外的）个人信息",
                    "请求未载明数据包含多少人的个人信息",
                ),
                (
                    facts.sensitive_pi.below(1),
                    "no sensitive personal information",
                    f"the data carry sensitive personal information of {facts.sensitive_pi.text}, "
                    "which Article 5(4) does not cover (不含敏感个人信息)",
                    f"the number of people whose sensitive personal information the data carry was "
                    f"not given ({SENSITIVE_PI})",
                    "数据不包含敏感个人信息",
                    f"数据包含{facts.sensitive_pi.text_zh}的敏感个人信息，第五条第（四）项不含敏感个人信息",
                    "请求未载明数据包含多少人的敏感个人信息",
                ),
                (
                    facts.cumulative_pi.below(PI_STANDARD_CONTRACT_FROM),
                    f"cumulative personal information since 1 January is {cumulative}, fewer than 100,000 (不满10万人)",
                    f"cumulative personal information since 1 January is {cumulative}, "
                    f"not fewer than 100,000 (不满10万人 excludes 100,000)",
                    f"cumulative personal information since 1 January is {cumulative}",
                    f"自当年1月1日起累计向境外提供个人信息{cumulative_zh}，不满10万人",
                    f"自当年1月1日起累计向境外提供个人信息{cumulative_zh}，已达10万人以上",
                    f"自当年1月1日起累计向境外提供个人信息{cumulative_zh}",
                ),
            ),
        )
    )
    return tests


_LEGAL_DUTY_QUOTE_ZH = (
    "《网络数据安全管理条例》第三十五条　符合下列条件之一的，网络数据处理者可以向境外提供个人信息：……"
    "（六）为履行法定职责或者法定义务，确需向境外提供个人信息；……"
)
_LEGAL_DUTY_QUOTE_EN = (
    "Network Data Security Management Regulations, Art. 35: A network data processor may provide "
    "personal information abroad where any one of the following holds: … (6) it is truly necessary "
    "to provide the personal information abroad to perform a statutory duty or obligation; …"
)


def _legal_duty(facts: _Facts) -> _Test:
    """Regulations Art. 35(6): a statutory duty, from 2025-01-01, for personal information only."""
    in_force = facts.request.on >= LEGAL_DUTY_FROM
    return _clause_test(
        "reg35.6",
        "Article 35(6) of the Network Data Security Management Regulations",
        "《网络数据安全管理条例》第三十五条第（六）项",
        (
            (
                _known(in_force),
                "the check is dated on or after 2025-01-01, when the Regulations took effect",
                f"the check is dated {facts.request.on.isoformat()}, before the Regulations took effect "
                "on 2025-01-01, so legal_duty is no ground",
                "",
                "核查日期在2025年1月1日条例施行之日以后",
                f"核查日期为{facts.request.on.isoformat()}，早于条例2025年1月1日施行之日，“履行法定职责或者法定义务”不构成依据",
                "",
            ),
            (
                _known(LEGAL_DUTY_GROUND in facts.grounds),
                "providing the personal information abroad is truly necessary to perform a statutory "
                "duty or obligation (legal_duty)",
                "the request does not give its ground (legal_duty)",
                "",
                "为履行法定职责或者法定义务，确需向境外提供个人信息",
                "请求未载明该项依据",
                "",
            ),
            _holds_pi_part(facts, "Article 35(6)", "该项"),
            _no_important_data(
                facts,
                "the ground covers personal information, never important data",
                "该项仅适用于个人信息，不适用于重要数据",
            ),
        ),
    )


_GROUND_TEXT = {ground: ground.replace("_", " ") + f" ({ground})" for ground in GROUNDS}
_GROUND_TEXT_ZH = {
    "international_trade": "国际贸易",
    "cross_border_transport": "跨境运输",
    "academic_cooperation": "学术合作",
    "transnational_manufacturing": "跨国生产制造",
    "marketing": "市场营销",
}


def _grounds_text_zh(grounds: Iterable[str]) -> str:
    return "、".join([_GROUND_TEXT_ZH.get(g, g) for g in grounds]) or "无"


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
    art7_text_zh: str = ""
    art8_text_zh: str = ""

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

    art7_text, art7_text_zh = _article7_text(facts, art7_1, art7_2, security_assessment, pi_large, sensitive_large)
    art8_text, art8_text_zh = _article8_text(facts, art8, pi_middle, sensitive_middle)
    return _NationalRules(
        art7_1=art7_1,
        art7_2=art7_2,
        security_assessment=security_assessment,
        art8=art8,
        art7_text=art7_text,
        art8_text=art8_text,
        art7_text_zh=art7_text_zh,
        art8_text_zh=art8_text_zh,
    )


def _earlier(count: Count, own: int | None, threshold: int) -> tuple[str, str]:
    """Say so when the processor's earlier transfers this year, not this dataset, reach ``threshold``."""
    if own is None or own >= threshold or count.value is None:
        return "", ""
    people = "person" if own == 1 else "people"
    return (
        f" — reached by the processor's earlier transfers this year, not by this dataset alone ({own:,} {people})",
        f"——系数据处理者本年度此前的出境累计所致，而非本数据集本身（本数据集{own:,}人）",
    )


def _article7_text(
    facts: _Facts, art7_1: Tri, art7_2: Tri, combined: Tri, pi_large: Tri, sensitive_large: Tri
) -> tuple[str, str]:
    """Explain Art. 7 (English, Chinese); ``pi_large`` / ``sensitive_large`` are its 以上 tests."""
    sentences, zh = [], []
    important = facts.important_data.value
    designated = facts.designated.value is True
    dataset = facts.request.dataset
    if art7_1.value:
        carries = [
            "personal information" if facts.holds_pi.value else "",
            "important data" if important else "",
        ]
        carries_zh = ["个人信息" if facts.holds_pi.value else "", "重要数据" if important else ""]
        sentences.append(
            "Article 7(1) requires a security assessment: a critical information infrastructure "
            f"operator provides {' and '.join(c for c in carries if c)} abroad."
        )
        zh.append(
            "第七条第（一）项要求申报数据出境安全评估：关键信息基础设施运营者向境外提供"
            + "和".join(c for c in carries_zh if c)
            + "。"
        )
    if art7_2.value:
        reasons, reasons_zh = [], []
        if important:
            reasons.append(
                "the data carry important data" + (" (designated by the zone's list, Article 2)" if designated else "")
            )
            reasons_zh.append("数据包含重要数据" + ("（自由贸易试验区负面清单所列，第二条）" if designated else ""))
        if facts.holds_pi.value:
            if pi_large.value:
                en, cn = _earlier(facts.cumulative_pi, dataset.personal_info_subjects, PI_SECURITY_ASSESSMENT_FROM)
                reasons.append(
                    f"cumulative personal information since 1 January is {facts.cumulative_pi.text}, "
                    f"1,000,000 or more (100万人以上){en}"
                )
                reasons_zh.append(
                    f"自当年1月1日起累计向境外提供个人信息{facts.cumulative_pi.text_zh}，达100万人以上{cn}"
                )
            if sensitive_large.value:
                en, cn = _earlier(
                    facts.cumulative_sensitive_pi, dataset.sensitive_pi_subjects, SENSITIVE_PI_SECURITY_ASSESSMENT_FROM
                )
                reasons.append(
                    f"cumulative sensitive personal information is {facts.cumulative_sensitive_pi.text}, "
                    f"10,000 or more (1万人以上){en}"
                )
                reasons_zh.append(f"累计向境外提供敏感个人信息{facts.cumulative_sensitive_pi.text_zh}，达1万人以上{cn}")
        sentences.append(
            "Article 7(2) requires a security assessment: the processor is not a CIIO and "
            + " and ".join(reasons)
            + "."
        )
        zh.append(
            "第七条第（二）项要求申报数据出境安全评估：数据处理者不是关键信息基础设施运营者，且"
            + "，且".join(reasons_zh)
            + "。"
        )
    if combined.value and not art7_1.value and not art7_2.value:
        sentences.append(
            "Article 7 requires a security assessment whether or not the processor is a CIIO "
            "(7(1) if it is, 7(2) if not); the request did not say which."
        )
        zh.append(
            "无论数据处理者是否为关键信息基础设施运营者，第七条均要求申报数据出境安全评估（是则适用第（一）项，否则适用第（二）项）；请求未载明属于何者。"
        )
    if combined.value is False:
        if facts.holds_pi.value is False and important is False:
            sentences.append(
                "Article 7 does not apply: the data carry neither personal information nor important data."
            )
            zh.append("第七条不适用：数据既不包含个人信息，也不包含重要数据。")
        else:
            sentences.append(
                "Article 7 does not apply: the processor is not a CIIO, the data carry no "
                f"important data, and {facts.cumulative_text}: fewer than 1,000,000 and fewer "
                "than 10,000 (100万人以上 / 1万人以上 start there)."
            )
            zh.append(
                "第七条不适用：数据处理者不是关键信息基础设施运营者，数据不包含重要数据，且"
                f"{facts.cumulative_text_zh}，均未达到100万人以上或者1万人以上。"
            )
    if combined.value is None:
        names = ", ".join(_ordered(combined.missing))
        sentences.append(
            f"Article 7 cannot be decided: it depends on {names}, "
            f"which the request did not give ({facts.cumulative_text})."
        )
        zh.append(
            f"第七条能否适用尚无法判断：取决于请求未提供的{_facts_zh(combined.missing)}（{facts.cumulative_text_zh}）。"
        )
    return " ".join(sentences), "".join(zh)


def _article8_text(facts: _Facts, art8: Tri, pi_middle: Tri, sensitive_middle: Tri) -> tuple[str, str]:
    """Explain Art. 8 (English, Chinese); ``pi_middle`` / ``sensitive_middle`` are its band tests."""
    dataset = facts.request.dataset
    if art8.value:
        reasons, reasons_zh = [], []
        if pi_middle.value:
            en, cn = _earlier(facts.cumulative_pi, dataset.personal_info_subjects, PI_STANDARD_CONTRACT_FROM)
            reasons.append(
                f"cumulative personal information since 1 January is {facts.cumulative_pi.text}, "
                f"100,000 or more but fewer than 1,000,000 (10万人以上、不满100万人){en}"
            )
            reasons_zh.append(
                f"自当年1月1日起累计向境外提供个人信息{facts.cumulative_pi.text_zh}，10万人以上、不满100万人{cn}"
            )
        if sensitive_middle.value:
            en, cn = _earlier(facts.cumulative_sensitive_pi, dataset.sensitive_pi_subjects, 1)
            reasons.append(
                f"cumulative sensitive personal information is {facts.cumulative_sensitive_pi.text}, "
                f"fewer than 10,000 (不满1万人){en}"
            )
            reasons_zh.append(f"累计向境外提供敏感个人信息{facts.cumulative_sensitive_pi.text_zh}，不满1万人{cn}")
        return (
            "Article 8 requires a standard contract or certification: the processor is not a "
            "CIIO and " + " and ".join(reasons) + ".",
            "第八条要求订立个人信息出境标准合同或者通过个人信息保护认证：数据处理者不是关键信息基础设施运营者，且"
            + "，且".join(reasons_zh)
            + "。",
        )
    if art8.value is False:
        if facts.ciio.value:
            return (
                "Article 8 does not apply: it concerns processors other than CIIOs.",
                "第八条不适用：该条仅适用于关键信息基础设施运营者以外的数据处理者。",
            )
        if facts.holds_pi.value is False:
            return (
                "Article 8 does not apply: the data carry no personal information.",
                "第八条不适用：数据不包含个人信息。",
            )
        return (
            f"Article 8 does not apply: {facts.cumulative_text}, neither 100,000 to 999,999 "
            "(10万人以上、不满100万人) nor 1 to 9,999 sensitive (不满1万人).",
            f"第八条不适用：{facts.cumulative_text_zh}，既非10万人以上、不满100万人的个人信息，也非不满1万人的敏感个人信息。",
        )
    return (
        "Article 8 cannot be decided: it depends on "
        + ", ".join(_ordered(art8.missing))
        + f", which the request did not give ({facts.cumulative_text}).",
        f"第八条能否适用尚无法判断：取决于请求未提供的{_facts_zh(art8.missing)}（{facts.cumulative_text_zh}）。",
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
    reason_zh: str = ""
    # Art. 2 (v1.1): whether the list in force, applying to this processor, designates the data as
    # important data (an item at level important_data matches, or may match), and by which items.
    designated: Tri = FALSE
    designating: tuple[ListItem, ...] = ()

    @property
    def mechanism(self) -> Mechanism | None:
        """The strictest mechanism among the matched items."""
        return max((_mechanism(item.mechanism) for item in self.matched), default=None)


class _CategoryResult(NamedTuple):
    category: str
    matched: tuple[tuple[ListItem, list[str]], ...]  # each item with how its conditions were read
    out_of_scope: bool
    doubts: tuple[tuple[str, str], ...]  # why it cannot be ruled out (English, Chinese)
    missing: frozenset[str]
    open_items: tuple[tuple[Mechanism, frozenset[str]], ...]  # see _Article6
    # The facts an important-data item that may still match awaits (None: no such item).
    important_open: frozenset[str] | None = None
    # A doubt no fact of the request can clear (a partial record, an unknown scope).
    lasting: bool = False


def _conditions_hold(item: ListItem, facts: _Facts) -> tuple[Tri, list[tuple[str, str]]]:
    """Whether all of an item's conditions hold, and how each was read (English, Chinese)."""
    results, notes = [], []
    for condition in item.conditions:
        value, lower_bound, name = facts.figure(condition.attribute)
        if value is not None:
            holds = condition.holds(value)
            shown = shown_zh = figure_text(value)
        elif lower_bound is not None:
            holds = condition.holds_at_least(lower_bound)
            shown = f"at least {figure_text(lower_bound)}"
            shown_zh = f"至少{figure_text(lower_bound)}"
        else:
            holds, shown, shown_zh = None, "not given", "未提供"
        if holds is None:
            results.append(_unknown(name))
            notes.append(
                (
                    f"{condition.text} needs {name}, which is {shown}",
                    f"条件{condition.text}需要{_fact_zh(name)}，该项{shown_zh}",
                )
            )
        else:
            results.append(_known(holds))
            notes.append(
                (
                    f"{condition.attribute} {shown} {'meets' if holds else 'fails'} {condition.text}",
                    f"{condition.attribute}为{shown_zh}，{'符合' if holds else '不符合'}条件{condition.text}",
                )
            )
    return _all(*results), notes


_NARROWER = frozenset({CATEGORIES})


def _joined(notes: list[tuple[str, str]]) -> tuple[str, str]:
    return "; ".join([n[0] for n in notes]), "；".join([n[1] for n in notes])


def _judge_category(compiled: CompiledList, lookup: CategoryLookup, facts: _Facts) -> _CategoryResult:
    matched, doubts, open_items = [], [], []
    missing: frozenset[str] = frozenset()
    important_open: frozenset[str] | None = None
    for item in lookup.covering_items:
        if not item.conditions:
            matched.append((item, []))
            continue
        holds, notes = _conditions_hold(item, facts)
        if holds.value:
            matched.append((item, [n[0] for n in notes]))
        elif holds.value is None:
            missing |= holds.missing
            en, zh = _joined(notes)
            doubts.append((f"item {item.label()} covers it but {en}", f"清单条目{item.label()}涵盖该类别，但{zh}"))
            open_items.append((_mechanism(item.mechanism), holds.missing))
            if item.level == IMPORTANT_DATA_LEVEL:
                important_open = (important_open or frozenset()) | holds.missing
    in_scope = lookup.in_scope
    # A category broader than the list's items or scope awaits a narrower one: that is the fact
    # missing (every item below it counts, as the contract's rule for broader categories says).
    if lookup.broader_than_items:
        doubts.append(
            (
                "it is broader than items of the list (they lie below it); a narrower category would decide",
                "该类别宽于清单条目（条目位于其下），需提供更具体的类别方能判断",
            )
        )
        missing |= _NARROWER
        open_items.extend((_mechanism(m), _NARROWER) for m in lookup.mechanisms_below)
        if IMPORTANT_DATA_LEVEL in lookup.levels_below:
            important_open = (important_open or frozenset()) | _NARROWER
    if not in_scope and lookup.broader_than_scope:
        doubts.append(
            (
                "it is broader than a scope code of the list (part of it is in scope)",
                "该类别宽于清单适用范围中的代码（其中一部分在适用范围内）",
            )
        )
        missing |= _NARROWER
    lasting = False
    scope_unknown = not in_scope and not lookup.broader_than_scope and not compiled.scope_known
    if scope_unknown:
        # v1.1: with scope_complete false (or no scope on record), a category outside the named
        # scope may still lie in a sector the list covers: it cannot be ruled out.
        lasting = True
        if compiled.scope:
            doubts.append(
                (
                    "it lies outside the sectors the record names, but the record does not name all the "
                    "sectors the list covers (scope_complete is false)",
                    "该类别不在记录所列领域之内，但记录未列明清单涵盖的全部领域",
                )
            )
        else:
            doubts.append(
                (
                    "the record names none of the sectors the list covers (its scope is empty)",
                    "记录未列明清单涵盖的任何领域（适用范围为空）",
                )
            )
    if not compiled.items_complete and (in_scope or lookup.broader_than_scope or scope_unknown):
        lasting = True
        doubts.append(
            (
                "this record holds only part of the list's items (items_complete is false)",
                "本记录仅载有清单的部分条目",
            )
        )
    out_of_scope = not in_scope and not lookup.broader_than_scope and not scope_unknown
    return _CategoryResult(
        lookup.category,
        tuple(matched),
        out_of_scope,
        tuple(doubts),
        missing,
        tuple(open_items),
        important_open,
        lasting,
    )


def _list_applies(compiled: CompiledList, facts: _Facts) -> Tri:
    """Whether the list can be used by (and so designates for) this processor."""
    return _all(facts.in_zone, _not(facts.ciio)) if compiled.excludes_ciio else facts.in_zone


def _unknown_categories(compiled: CompiledList | None, categories: Iterable[str]) -> tuple[tuple[str, ...], dict]:
    """v1.1: the codes no declared category covers or is covered by, with the nearest declared codes."""
    if compiled is None:
        return (), {}
    unknown = tuple(dict.fromkeys(c for c in categories if not compiled.knows(c)))
    return unknown, {code: compiled.suggestions(code) for code in unknown}


def _article6(request: CheckRequest, compiled: CompiledList | None, facts: _Facts) -> _Article6:
    not_applicable = Article6Status.NOT_APPLICABLE
    if compiled is None:
        return _Article6(
            not_applicable,
            (),
            f"No version of the negative list of {request.zone} is in force on "
            f"{request.on.isoformat()}; Article 6 needs a list approved, filed with both national "
            "bodies, published and in effect.",
            reason_zh=f"{request.on.isoformat()}，{request.zone}没有施行中的负面清单版本；第六条要求清单经批准、"
            "报国家网信部门和国家数据管理部门备案、公布并已生效。",
        )
    the_list = f"the negative list of {compiled.zone} (version {compiled.version})"
    the_list_zh = f"{compiled.zone}负面清单（{compiled.version}版）"
    if facts.in_zone.value is False:
        return _Article6(
            not_applicable,
            (),
            f"The processor is not in the zone: {the_list} can be used only by data processors "
            "in the zone (自由贸易试验区内数据处理者).",
            reason_zh=f"数据处理者不在自由贸易试验区内：{the_list_zh}仅适用于自由贸易试验区内数据处理者。",
        )
    if compiled.excludes_ciio and facts.ciio.value:
        return _Article6(
            not_applicable,
            (),
            f"The processor is a critical information infrastructure operator and {the_list} "
            "excludes them (关键信息基础设施运营者不适用本清单).",
            reason_zh=f"数据处理者是关键信息基础设施运营者，而{the_list_zh}载明关键信息基础设施运营者不适用本清单。",
        )
    if not request.dataset.categories:
        return _Article6(
            Article6Status.UNDETERMINED,
            (),
            "The request names no category of data, so the list cannot place it.",
            frozenset({CATEGORIES}),
            reason_zh="请求未载明数据类别，无法对照清单判断。",
            designated=_unknown(CATEGORIES),
        )

    # Each category is matched, out of scope, doubtful or outside; the reason says so in that order.
    matched: dict[str, ListItem] = {}
    matches, out_of_scope, doubtful, outside = [], [], [], []
    doubtful_missing: frozenset[str] = frozenset()
    open_items: list[tuple[Mechanism, frozenset[str]]] = []
    important_open: frozenset[str] | None = None
    lasting = False
    for category in request.dataset.categories:
        r = _judge_category(compiled, compiled.lookup(category), facts)
        label = compiled.category_label(category)
        open_items.extend(r.open_items)
        if r.important_open is not None:
            important_open = (important_open or frozenset()) | r.important_open
        doubts_en = "; ".join([d[0] for d in r.doubts])
        doubts_zh = "；".join([d[1] for d in r.doubts])
        if r.matched:
            for item, notes in r.matched:
                matched[item.code] = item
                note = " (" + "; ".join(notes) + ")" if notes else ""
                matches.append(
                    (
                        f"Category {label} matches item {item.label()} of {the_list}, "
                        f"which requires {_mechanism_text(item.mechanism)}{note}.",
                        f"类别{label}与{the_list_zh}条目{item.label()}相符，该条目要求{_MECHANISM_TEXT_ZH[item.mechanism]}。",
                    )
                )
            if r.doubts:
                matches.append(
                    (
                        f"Category {label} may fall under more of the list: {doubts_en}.",
                        f"类别{label}可能还属于清单的其他条目：{doubts_zh}。",
                    )
                )
        elif r.out_of_scope:
            out_of_scope.append(
                (
                    f"Category {label} is outside the scope of {the_list} ({', '.join(compiled.scope) or 'none'}): "
                    "the list does not cover it, so the national rules apply to it."
                    + (f" Yet items of the list cannot be ruled out: {doubts_en}." if r.doubts else ""),
                    f"类别{label}不在{the_list_zh}的适用范围（{'、'.join(compiled.scope) or '无'}）之内："
                    "清单不涵盖该类别，适用国家层面的规定。"
                    + (f"但仍不能排除清单条目：{doubts_zh}。" if r.doubts else ""),
                )
            )
        elif r.doubts:
            lasting = lasting or r.lasting
            doubtful.append(
                (f"Category {label} cannot be ruled out: {doubts_en}.", f"类别{label}无法排除：{doubts_zh}。")
            )
            doubtful_missing |= r.missing
        else:
            outside.append(
                (
                    f"Category {label} is within the scope of {the_list} "
                    f"and matches none of its {len(compiled.items)} items (负面清单外的数据).",
                    f"类别{label}在{the_list_zh}的适用范围之内，且不属于其{len(compiled.items)}个条目中的任何一项（负面清单外的数据）。",
                )
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
        sentences.append(("The data are outside the negative list.", "该数据属于负面清单外的数据。"))

    # Art. 2 (v1.1): an item at level important_data designates the data, for a processor the list
    # applies to; where such a match is open, so is the designation.
    designating = tuple(sorted((i for i in matched.values() if i.level == IMPORTANT_DATA_LEVEL), key=lambda i: i.code))
    if designating:
        matched_important = TRUE
    elif important_open is not None:
        matched_important = Tri(None, important_open)
    else:
        matched_important = FALSE
    designated = (
        _all(_list_applies(compiled, facts), matched_important) if matched_important.value is not False else FALSE
    )

    # A processor fact the list needs is missing: only an out-of-scope answer survives that.
    processor_missing = facts.in_zone.missing
    if compiled.excludes_ciio:
        processor_missing |= facts.ciio.missing
    # A doubt on a complete list may yet resolve to "outside"; a partial record or an unknown
    # scope never says that.
    doubt_may_clear = status is Article6Status.UNDETERMINED and compiled.items_complete and not lasting
    if processor_missing and status is not not_applicable:
        sentences.insert(
            0,
            (
                "The list can be used only by a processor in the zone"
                + (" that is not a CIIO" if compiled.excludes_ciio else "")
                + f", and the request does not say whether this one is "
                f"({', '.join(_ordered(processor_missing))}).",
                "清单仅适用于自由贸易试验区内"
                + ("、且不是关键信息基础设施运营者" if compiled.excludes_ciio else "")
                + f"的数据处理者，而请求未载明本数据处理者是否如此（{_facts_zh(processor_missing)}）。",
            ),
        )
        could_be_outside = status is Article6Status.OUTSIDE or doubt_may_clear
        return _Article6(
            Article6Status.UNDETERMINED,
            (),
            " ".join([s[0] for s in sentences]),
            processor_missing,
            could_be_outside=could_be_outside,
            reason_zh="".join([s[1] for s in sentences]),
            designated=designated,
            designating=designating,
        )
    items = tuple(sorted(matched.values(), key=lambda item: item.code))
    return _Article6(
        status,
        items,
        " ".join([s[0] for s in sentences]),
        missing,
        tuple(open_items),
        doubt_may_clear,
        "".join([s[1] for s in sentences]),
        designated,
        designating,
    )


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

    A list in force that applies to the processor designates its ``important_data`` items' data
    as important data (Art. 2, v1.1): that is folded into the facts before Arts. 3–5 and 7–8 are
    read. ``national_outcome`` is the outcome with Art. 6's exemption set aside.
    """
    quotes = _default_quotes() if articles is None else _Quotes(articles)
    facts = _Facts(request)
    art6 = _article6(request, compiled, facts)
    facts.designate(art6.designated)
    art3, art4 = _article3(facts), _article4(facts)
    art5 = _article5(facts)
    legal_duty = _legal_duty(facts)
    rules = _national_rules(facts)

    national_tests = [art3, art4, *art5, legal_duty]
    exemptions = list(national_tests)
    if art6.status is Article6Status.OUTSIDE:
        exemptions.append(_Test("art6", TRUE, art6.reason))
    applied, open_exemption = _exempting(exemptions)
    # An exemption that could apply were a fact given keeps the answer open ("when in doubt"):
    # one of Arts. 3-5, or Art. 6 when a missing fact could still put the data outside the list.
    open_exemption = open_exemption or art6.could_be_outside

    awaited: frozenset[str] = frozenset()
    if applied:
        outcome, basis = Outcome.EXEMPT, applied
    else:
        outcome, basis, awaited = _required(art6, rules, open_exemption)

    # What holds with Art. 6's exemption set aside: Arts. 2-5 and 7-8 alone.
    national_applied, national_open = _exempting(national_tests)
    if national_applied:
        national_outcome, national_basis = Outcome.EXEMPT, national_applied
    else:
        national_outcome, national_basis, _ = _required(_NO_LIST, rules, national_open)
    if facts.designated.value:
        basis = ("art2", *basis) if basis else basis
        national_basis = ("art2", *national_basis) if national_basis else national_basis

    holds_pi = facts.holds_pi
    duties = ("art10", "art11") if holds_pi.value is not False else ("art11",)
    art10_text, art10_text_zh = _article10_text(facts)
    explanation = [
        _entry(quotes, 3, art3.applies, art3.text, text_zh=art3.text_zh),
        _entry(quotes, 4, art4.applies, art4.text, text_zh=art4.text_zh),
        _article5_entry(quotes, art5),
        _entry(quotes, 6, _article6_applies(art6), art6.reason, text_zh=art6.reason_zh),
        _article7_entry(quotes, rules, applied, art6),
        _entry(
            quotes,
            8,
            rules.art8,
            rules.art8_text + _displaced(applied, art6, rules.art8, rules.security_assessment),
            text_zh=rules.art8_text_zh + _displaced_zh(applied, art6, rules.art8, rules.security_assessment),
        ),
        _entry(quotes, 10, holds_pi, art10_text, text_zh=art10_text_zh),
        quotes.article11(),
    ]
    if LEGAL_DUTY_GROUND in facts.grounds:
        explanation.insert(3, _legal_duty_entry(legal_duty))
    if art6.designated.value is not False:
        explanation.insert(0, _article2_entry(quotes, art6, compiled))
    missing_facts = _ordered(frozenset().union(awaited, *[e.missing for e in explanation]))
    unknown_categories, suggestions = _unknown_categories(compiled, request.dataset.categories)
    return Determination(
        article6_status=art6.status,
        list_ref=compiled.ref if compiled is not None else None,
        matched_items=tuple([item.code for item in art6.matched]),
        article6_reason=art6.reason,
        outcome=outcome,
        basis=basis,
        duties=duties,
        explanation=tuple(explanation),
        missing_facts=missing_facts,
        national_outcome=national_outcome,
        national_basis=national_basis,
        unknown_categories=unknown_categories,
        suggestions=MappingProxyType(suggestions),
    )


def _exempting(tests: Iterable[_Test]) -> tuple[tuple[str, ...], bool]:
    """The bases of the exemptions that apply, and whether one may yet apply (a fact is missing)."""
    applying, open_exemption = [], False
    for test in tests:
        if test.applies.value:
            applying.append(test.basis)
        elif test.applies.value is None:
            open_exemption = True
    return tuple(applying), open_exemption


def _article2_entry(quotes: _Quotes, art6: _Article6, compiled: CompiledList | None) -> ExplanationEntry:
    """Art. 2 (v1.1): the zone's list designates the data as important data, or may."""
    zone = compiled.zone if compiled is not None else ""
    quote_zh, quote_en = quotes.of(2)
    if art6.designated.value:
        items = ", ".join(item.label() for item in art6.designating)
        text = (
            f"Article 2: the negative list of {zone} in force, which applies to this processor, publicly "
            f"designates the data of item {items} (level important_data) as important data. The dataset is "
            "therefore important data whatever dataset.important_data says: Articles 3 and 4 do not exempt "
            "it, and Article 5's exemptions do not cover it (Article 5, last paragraph)."
        )
        text_zh = (
            f"第二条：施行中的{zone}负面清单适用于本数据处理者，并将条目{items}（级别为重要数据）所涉数据公开发布为"
            "重要数据。无论请求中“是否包含重要数据”如何填写，该数据均属重要数据：不适用第三条、第四条的免予申报情形，"
            "亦不属于第五条所称的个人信息（第五条末款）。"
        )
        return ExplanationEntry("2", True, text, quote_zh, quote_en, (), text_zh)
    names = _ordered(art6.designated.missing)
    text = (
        f"Article 2: whether the negative list of {zone} designates the data as important data cannot be "
        f"decided: an item at level important_data may apply, depending on {', '.join(names) or 'the list'}. "
        "Until that is settled, no exemption under Articles 3, 4 or 5 can be given."
    )
    text_zh = (
        f"第二条：{zone}负面清单是否将该数据列为重要数据尚无法判断：级别为重要数据的条目可能适用，取决于"
        f"{_facts_zh(names) or '清单'}。在此之前，不能认定适用第三条、第四条或者第五条的免予申报情形。"
    )
    return ExplanationEntry("2", None, text, quote_zh, quote_en, names, text_zh)


def _legal_duty_entry(test: _Test) -> ExplanationEntry:
    missing = _ordered(test.applies.missing) if test.applies.value is None else ()
    return ExplanationEntry(
        "reg35.6", test.applies.value, test.text, _LEGAL_DUTY_QUOTE_ZH, _LEGAL_DUTY_QUOTE_EN, missing, test.text_zh
    )


_UNDETERMINED: tuple[Outcome, tuple[str, ...], frozenset[str]] = (Outcome.UNDETERMINED, (), frozenset())
# Art. 6 set aside: what the national rules alone require (``national_outcome``).
_NO_LIST = _Article6(Article6Status.NOT_APPLICABLE, (), "")


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


def _displaced_zh(
    applied: tuple[str, ...],
    art6: _Article6,
    applies: Tri,
    security_assessment: Tri | None,
) -> str:
    """:func:`_displaced` in Chinese."""
    if applies.value is not True:
        return ""
    if applied:
        names = "、".join(_basis_text_zh(b) for b in applied)
        return f"但{names}适用，从其规定：无需申报数据出境安全评估、订立个人信息出境标准合同或者通过个人信息保护认证。"
    if art6.status is Article6Status.INSIDE:
        return "该数据属于自由贸易试验区负面清单内的数据，依清单办理（第六条，从其规定）；结论不低于本条的要求。"
    if security_assessment is not None and security_assessment.value:
        return "第七条要求更为严格的数据出境安全评估。"
    return ""


def _basis_text(basis: str) -> str:
    if basis == "reg35.6":
        return "Article 35(6) of the Network Data Security Management Regulations"
    number, _, clause = basis.removeprefix("art").partition(".")
    return f"Article {number}({clause})" if clause else f"Article {number}"


_NUMERALS_ZH = {2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八"}


def _basis_text_zh(basis: str) -> str:
    if basis == "reg35.6":
        return "《网络数据安全管理条例》第三十五条第（六）项"
    number, _, clause = basis.removeprefix("art").partition(".")
    article = f"第{_NUMERALS_ZH.get(int(number), number)}条"
    return f"{article}第{_CLAUSE_ZH[int(clause)]}项" if clause else article


def _article10_text(facts: _Facts) -> tuple[str, str]:
    duty = (
        "inform the individuals, obtain their separate consent and carry out a personal "
        "information protection impact assessment, exempt or not"
    )
    duty_zh = "向个人告知、取得个人的单独同意并进行个人信息保护影响评估，无论是否免予申报"
    if facts.holds_pi.value:
        return (
            f"Article 10 applies: the data carry {facts.pi_text}, so the processor must {duty}.",
            f"第十条适用：数据包含{facts.pi_text_zh}，数据处理者应当{duty_zh}。",
        )
    if facts.holds_pi.value is False:
        return (
            "Article 10 does not apply: the data carry no personal information.",
            "第十条不适用：数据不包含个人信息。",
        )
    return (
        f"Article 10 applies if the data carry personal information, which the request does not "
        f"say ({facts.pi_text}); if they do, the processor must {duty}.",
        f"数据包含个人信息的，适用第十条，而请求未载明（{facts.pi_text_zh}）；如包含，数据处理者应当{duty_zh}。",
    )


_ARTICLE11_TEXT = (
    "Article 11 applies to every transfer abroad: the processor keeps its data-security "
    "duties, takes technical and other necessary measures, and remedies and reports "
    "data-security incidents to the provincial (or higher) cyberspace office, whatever "
    "the outcome."
)
_ARTICLE11_TEXT_ZH = (
    "第十一条适用于一切数据出境活动：无论结论如何，数据处理者均应当履行数据安全保护义务，采取技术措施和其他必要措施，"
    "发生或者可能发生数据安全事件时及时采取补救措施，并向省级以上网信部门报告。"
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
        article = self._texts.get(number)
        if article is None:
            return ("", "")
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
            self._article11 = _entry(self, 11, TRUE, _ARTICLE11_TEXT, text_zh=_ARTICLE11_TEXT_ZH)
        return self._article11


@cache
def _default_quotes() -> _Quotes:
    """The quotes of :func:`load_articles`, shared by every check that passes no ``articles``."""
    return _Quotes(load_articles())


def _entry(
    quotes: _Quotes, number: int, applies: Tri, text: str, clauses: tuple[int, ...] = (), *, text_zh: str = ""
) -> ExplanationEntry:
    """Article ``number``'s entry, quoting ``clauses`` (when it has clauses) or else all of it."""
    quote_zh, quote_en = quotes.of(number, clauses)
    missing = _ordered(applies.missing) if applies.value is None else ()
    return ExplanationEntry(_ARTICLE_KEYS[number], applies.value, text, quote_zh, quote_en, missing, text_zh)


_ARTICLE_KEYS = {number: str(number) for number in (2, 3, 4, 5, 6, 7, 8, 10, 11)}


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
    return _entry(
        quotes,
        5,
        _any(*clauses),
        " ".join([t.text for t in tests]),
        _relevant_clauses(clauses),
        text_zh="".join([t.text_zh for t in tests]),
    )


def _article7_entry(
    quotes: _Quotes,
    rules: _NationalRules,
    applied: tuple[str, ...],
    art6: _Article6,
) -> ExplanationEntry:
    applies = rules.security_assessment
    text = rules.art7_text + _displaced(applied, art6, applies, None)
    text_zh = rules.art7_text_zh + _displaced_zh(applied, art6, applies, None)
    clauses = _relevant_clauses([rules.art7_1, rules.art7_2])
    return _entry(quotes, 7, applies, text, clauses, text_zh=text_zh)


# The request's facts by name in the Chinese explanations (``missing`` keeps the paths for programs).
_FACT_ZH = {
    IN_ZONE: "数据处理者是否在自由贸易试验区内",
    CIIO: "是否为关键信息基础设施运营者",
    "dataset.categories": "数据类别",
    PI: "涉及个人信息（不含敏感个人信息）的人数",
    SENSITIVE_PI: "涉及敏感个人信息的人数",
    IMPORTANT_DATA: "是否包含重要数据",
    CUMULATIVE_PI: "当年1月1日起累计个人信息（不含敏感个人信息）人数",
    CUMULATIVE_SENSITIVE_PI: "当年1月1日起累计敏感个人信息人数",
}


def _fact_zh(name: str) -> str:
    """A fact's Chinese name; a list's declared figure by its own name."""
    if name in _FACT_ZH:
        return _FACT_ZH[name]
    attribute = name.removeprefix("dataset.attributes.")
    return f"清单规定的数据指标“{attribute}”" if attribute != name else name


def _facts_zh(names: Iterable[str]) -> str:
    """Facts by their Chinese names, in the request's order: ``是否包含重要数据、数据类别``."""
    return "、".join(_fact_zh(name) for name in _ordered(names))


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    """Fact names in the request's order, then declared attributes alphabetically."""
    return _ordered_set(frozenset(names))


@lru_cache(maxsize=1024)
def _ordered_set(names: frozenset[str]) -> tuple[str, ...]:
    known = [n for n in _FACT_ORDER if n in names]
    return tuple(known + sorted(names - set(_FACT_ORDER)))
