"""Compile one negative-list version into an index a check can query in O(depth).

Art. 6 asks, for each category of a dataset, whether it lies inside or outside a zone's negative
list. A version is compiled once into a trie of its categories (one node per dot-separated
segment) and reused for every check, so the cost of a lookup grows with the depth of the
dataset's category, never with the number of items in the version.
"""

from __future__ import annotations

import difflib
import heapq
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Indel

Figure = int | float | bool | str

# The operators a condition may use (docs/api.md, "List versions").
OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of an item, e.g. ``personal_info_subjects >= 100000``."""

    attribute: str
    op: str
    value: Figure
    compare: Callable[[Any, Any], bool] = field(repr=False, compare=False)
    # How explanations cite it, formatted once: ``personal_info_subjects >= 100,000``.
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"{self.attribute} {self.op} {figure_text(self.value)}")

    def holds(self, actual: Figure | None) -> bool | None:
        """Return whether the condition holds for ``actual``; None when the figure is unknown.

        A figure of the wrong type (a string against a number) cannot be compared either, so it
        counts as unknown: the request must not be exempted on a figure that says nothing.
        """
        if actual is None or isinstance(actual, bool) != isinstance(self.value, bool):
            return None
        try:
            return bool(self.compare(actual, self.value))
        except TypeError:
            return None

    def holds_at_least(self, lower_bound: int) -> bool | None:
        """Return whether the condition holds for every figure >= ``lower_bound``, None if unsure.

        Used for a cumulative total the request did not give: it is at least the dataset's own
        figure (the total includes this transfer).
        """
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            return None
        if self.op in (">=", ">"):
            return True if self.compare(lower_bound, self.value) else None
        if self.op in ("<=", "<"):
            return False if not self.compare(lower_bound, self.value) else None
        return False if lower_bound > self.value else None  # "=="

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item of a negative list: a category of data and the mechanism it requires."""

    code: str
    category: str
    level: str
    mechanism: str
    name_zh: str
    name_en: str | None
    conditions: tuple[Condition, ...]

    def label(self) -> str:
        """Return the item as people cite it: ``AUTO-001 (车辆行驶轨迹数据)``."""
        return f"{self.code} ({self.name_zh})" if self.name_zh else self.code


@dataclass(frozen=True, slots=True)
class CategoryLookup:
    """What a version says about one dataset category.

    ``covering_items`` are the items whose category covers the dataset's (an ancestor or the
    category itself), nearest the root first; ``broader_than_items`` is true when an item lies
    strictly below it, and ``mechanisms_below`` are those items' mechanisms. ``covering_scope``
    are the scope codes that cover it and ``broader_than_scope`` is true when a scope code lies
    strictly below it. ``nodes_visited`` is how many trie nodes the lookup touched (at most the
    category's depth).
    """

    category: str
    covering_items: tuple[ListItem, ...]
    broader_than_items: bool
    covering_scope: tuple[str, ...]
    broader_than_scope: bool
    nodes_visited: int
    mechanisms_below: frozenset[str] = frozenset()
    levels_below: frozenset[str] = frozenset()

    @property
    def in_scope(self) -> bool:
        """A scope code covers the category (docs/api.md, "Checks")."""
        return bool(self.covering_scope)

    @property
    def out_of_scope(self) -> bool:
        """No scope code covers the category and it covers no scope code."""
        return not self.covering_scope and not self.broader_than_scope


class _Node:
    """One segment of the category trie; ``*_below`` flags cover strict descendants only."""

    __slots__ = ("children", "items", "is_scope", "items_below", "mechanisms_below", "levels_below", "scope_below")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.items: tuple[ListItem, ...] = ()
        self.is_scope = False
        self.items_below = False
        self.mechanisms_below: frozenset[str] = frozenset()
        self.levels_below: frozenset[str] = frozenset()
        self.scope_below = False

    def child(self, segment: str) -> _Node:
        node = self.children.get(segment)
        if node is None:
            node = self.children[segment] = _Node()
        return node


# How many categories' lookups a compiled version remembers (batches repeat the same few).
LOOKUP_MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class CompiledList:
    """A list version compiled for checks: immutable, built once, shared by every check."""

    zone: str
    version: str
    digest: str | None
    excludes_ciio: bool
    items_complete: bool
    scope: tuple[str, ...]
    items: tuple[ListItem, ...]
    category_names: Mapping[str, str] = field(repr=False, compare=False)
    _root: _Node = field(repr=False, compare=False)
    _lookups: dict[str, CategoryLookup] = field(default_factory=dict, repr=False, compare=False)
    # For a partial record (items_complete false): where the zone published the whole list.
    full_text_url: str | None = None
    # v1.1: false when ``scope`` does not name every sector the list covers.
    scope_complete: bool = True
    # The attributes the version declares: the only ones a check uses and signs.
    declared_attributes: frozenset[str] = frozenset()
    # Every declared category code and each of its dot-prefixes (to tell codes the list knows).
    _known_prefixes: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # The declared codes, for suggestions.
    _nearest: NearestCodes = field(default_factory=lambda: NearestCodes(()), repr=False, compare=False)

    def lookup(self, category: str) -> CategoryLookup:
        """Return what the version says about ``category``, walking only the nodes on its path.

        The answer is remembered for the first :data:`LOOKUP_MEMO_SIZE` categories asked about
        (with the ``nodes_visited`` of its walk): the version never changes, so neither does the
        answer.
        """
        found = self._lookups.get(category)
        if found is None:
            found = self._walk(category)
            if len(self._lookups) < LOOKUP_MEMO_SIZE:
                self._lookups[category] = found
        return found

    def _walk(self, category: str) -> CategoryLookup:
        covering_items: list[ListItem] = []
        covering_scope: list[str] = []
        node: _Node | None = self._root
        visited = 0
        segments = category.split(".")
        for depth, segment in enumerate(segments, start=1):
            node = node.children.get(segment)
            if node is None:
                break  # nothing the list declares lies at or below this path
            visited += 1
            covering_items.extend(node.items)
            if node.is_scope:
                covering_scope.append(".".join(segments[:depth]))
        return CategoryLookup(
            category=category,
            covering_items=tuple(covering_items),
            broader_than_items=node is not None and node.items_below,
            covering_scope=tuple(covering_scope),
            broader_than_scope=node is not None and node.scope_below,
            nodes_visited=visited,
            mechanisms_below=node.mechanisms_below if node is not None else frozenset(),
            levels_below=node.levels_below if node is not None else frozenset(),
        )

    @property
    def scope_known(self) -> bool:
        """Whether a category outside ``scope`` is known to be outside the list (v1.1)."""
        return self.scope_complete and bool(self.scope)

    def knows(self, category: str) -> bool:
        """A declared category covers ``category`` or is covered by it (v1.1 ``unknown_categories``)."""
        if category in self._known_prefixes:
            return True  # a declared code, or a prefix of one: it covers a declared category
        segments = category.split(".")
        return any(".".join(segments[:depth]) in self.category_names for depth in range(1, len(segments)))

    def suggestions(self, category: str, limit: int = 3) -> tuple[str, ...]:
        """The declared codes nearest to ``category`` (difflib's ratio), best first."""
        return self._nearest.nearest(category, limit)

    def item(self, code: str) -> ListItem | None:
        """Return the item with ``code`` (linear; for reports, not for lookups)."""
        return next((item for item in self.items if item.code == code), None)

    def category_label(self, code: str) -> str:
        """Return ``code`` with its Chinese name when the version declares one."""
        name = self.category_names.get(code)
        return f"{code} ({name})" if name else code

    @property
    def ref(self) -> dict[str, str | None]:
        """The version as a check result names it: ``{"zone", "version", "digest"}``."""
        return {"zone": self.zone, "version": self.version, "digest": self.digest}


SUGGESTION_CUTOFF = 0.6  # difflib.get_close_matches' own default: how alike a suggestion must be


class NearestCodes:
    """The declared codes nearest to a word: ``difflib.get_close_matches``' answer, without trying every code.

    difflib's ratio (2 × matched characters ÷ both lengths) never exceeds the same ratio taken with
    the longest common subsequence, which rapidfuzz computes in C for all codes of one length at
    once (its Indel distance is both lengths less twice that subsequence). Codes are tried with
    difflib from the highest of those bounds down, and the rest dropped once a bound falls below the
    ``limit``-th best ratio found, so the codes left to difflib hold every one of its answers.
    Against the 4,100 codes of the benchmarks' 10,000-item list a code nothing resembles took 4 ms
    with difflib alone and now 0.1–0.3 ms, a near miss 20–30 ms and now 0.3–1 ms; a dataset may
    carry 200 codes.
    """

    def __init__(self, codes: Iterable[str]) -> None:
        self._by_length: dict[int, list[str]] = {}
        for code in codes:
            self._by_length.setdefault(len(code), []).append(code)

    def _bounded(self, word: str) -> list[tuple[float, str]]:
        """``(bound on difflib's ratio, code)`` for the codes whose bound reaches the cutoff."""
        found = []
        for length, codes in self._by_length.items():
            total = len(word) + length
            # ratio >= 0.6 needs distance <= 0.4 × total; one more keeps float rounding on the safe side
            furthest = int((1 - SUGGESTION_CUTOFF) * total) + 1
            for code, distance, _index in process.extract(word, codes, scorer=Indel.distance, processor=None,
                                                          score_cutoff=furthest, limit=None):  # fmt: skip
                found.append(((total - distance) / total, code))
        found.sort(reverse=True)
        return found

    def nearest(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Up to ``limit`` codes with difflib's ratio of at least 0.6 to ``word``, best first."""
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)  # as get_close_matches does: the word is the sequence it caches
        best: list[float] = []  # a min-heap of the ``limit`` best ratios so far
        tried: list[str] = []
        for bound, code in self._bounded(word):
            # A tie may still enter (difflib prefers the larger code), so only a lower bound stops.
            if len(best) == limit and bound + 1e-9 < best[0]:
                break
            matcher.set_seq1(code)
            tried.append(code)
            ratio = matcher.ratio()
            if len(best) < limit:
                heapq.heappush(best, ratio)
            elif ratio > best[0]:
                heapq.heapreplace(best, ratio)
        return tuple(difflib.get_close_matches(word, tried, n=limit, cutoff=SUGGESTION_CUTOFF))


def compile_condition(raw: Mapping[str, Any]) -> Condition:
    """Compile ``{"attribute", "op", "value"}`` into a :class:`Condition`.

    :raise ValueError: when the operator is not one of the contract's five.
    """
    op = raw["op"]
    try:
        compare = OPERATORS[op]
    except KeyError:
        raise ValueError(f"Unknown operator {op!r}.") from None
    return Condition(attribute=raw["attribute"], op=op, value=raw["value"], compare=compare)


def compile_list(
    content: Mapping[str, Any], *, zone: str, version: str, digest: str | None, full_text_url: str | None = None
) -> CompiledList:
    """Compile a validated list version (the contract's JSON shape) into a :class:`CompiledList`.

    Missing ``excludes_ciio`` / ``items_complete`` take the contract's defaults (``true``).
    """
    root = _Node()
    category_names = {
        category["code"]: category.get("name_zh") or ""
        for category in content.get("categories") or ()
        if category.get("code")
    }
    for code in category_names:
        _node_at(root, code)  # declared categories exist even without items or scope

    scope = tuple(content.get("scope") or ())
    for code in scope:
        _node_at(root, code).is_scope = True

    items = tuple(_compile_item(raw) for raw in content.get("items") or ())
    placed: dict[int, list[ListItem]] = {}
    nodes: dict[int, _Node] = {}
    for item in items:
        node = _node_at(root, item.category)
        placed.setdefault(id(node), []).append(item)
        nodes[id(node)] = node
    for key, node_items in placed.items():
        nodes[key].items = tuple(node_items)

    _mark_subtrees(root)
    known_prefixes = set()
    for code in category_names:
        segments = code.split(".")
        known_prefixes.update(".".join(segments[:depth]) for depth in range(1, len(segments) + 1))
    return CompiledList(
        zone=zone,
        version=version,
        digest=digest,
        excludes_ciio=bool(content.get("excludes_ciio", True)),
        items_complete=bool(content.get("items_complete", True)),
        scope=scope,
        items=items,
        category_names=category_names,
        scope_complete=bool(content.get("scope_complete", True)),
        declared_attributes=frozenset(attribute["name"] for attribute in content.get("attributes") or ()),
        _known_prefixes=frozenset(known_prefixes),
        _nearest=NearestCodes(category_names),
        _root=root,
        full_text_url=full_text_url,
    )


def _compile_item(raw: Mapping[str, Any]) -> ListItem:
    return ListItem(
        code=raw["code"],
        category=raw["category"],
        level=raw.get("level", ""),
        mechanism=raw["mechanism"],
        name_zh=raw.get("name_zh") or "",
        name_en=raw.get("name_en"),
        conditions=tuple(compile_condition(c) for c in raw.get("conditions") or ()),
    )


def _node_at(root: _Node, code: str) -> _Node:
    node = root
    for segment in code.split("."):
        node = node.child(segment)
    return node


def _mark_subtrees(root: _Node) -> None:
    """Set the ``*_below`` fields bottom-up, without recursion (trees may be deep)."""
    order: list[_Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.children.values())
    for node in reversed(order):  # children come after their parent in ``order``
        for child in node.children.values():
            node.items_below = node.items_below or bool(child.items) or child.items_below
            node.mechanisms_below |= child.mechanisms_below | {item.mechanism for item in child.items}
            node.levels_below |= child.levels_below | {item.level for item in child.items}
            node.scope_below = node.scope_below or child.is_scope or child.scope_below


def figure_text(value: Figure | None) -> str:
    """Format a figure for explanations: ``100,000``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def covers(code: str, other: str) -> bool:
    """Equal, or a prefix at a dot: ``AUTO.VEH`` covers ``AUTO.VEH.X`` (docs/api.md)."""
    return other == code or other.startswith(code + ".")


def strictly_covers(code: str, other: str) -> bool:
    """``code`` covers ``other`` and is not equal to it."""
    return other.startswith(code + ".")
