"""The compiled index of a list version answers Art. 6's questions in O(depth)."""

from __future__ import annotations

import difflib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.checks.index import CompiledList, NearestCodes, compile_condition, compile_list, covers

# A small Tianjin-style list: vehicles and finance, only vehicles in scope.
TIANJIN: dict[str, Any] = {
    "categories": [
        {"code": "AUTO", "name_zh": "汽车"},
        {"code": "AUTO.VEH", "name_zh": "车辆数据"},
        {"code": "AUTO.VEH.TRACK", "name_zh": "行驶轨迹"},
        {"code": "AUTO.SALES", "name_zh": "销售数据"},
        {"code": "FIN", "name_zh": "金融"},
    ],
    "scope": ["AUTO"],
    "attributes": [{"name": "vehicle_count", "type": "integer"}],
    "items": [
        {
            "code": "AUTO-002",
            "category": "AUTO.VEH",
            "name_zh": "车辆数据",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [{"attribute": "vehicle_count", "op": ">=", "value": 100000}],
        },
        {
            "code": "AUTO-001",
            "category": "AUTO.VEH.TRACK",
            "name_zh": "车辆行驶轨迹数据",
            "level": "important_data",
            "mechanism": "security_assessment",
            "conditions": [],
        },
    ],
}


@pytest.fixture
def tianjin() -> CompiledList:
    return compile_list(TIANJIN, zone="CN-TJ-FTZ", version="2024", digest="d1")


def codes(lookup) -> list[str]:
    return [item.code for item in lookup.covering_items]


def test_a_category_below_an_item_is_covered_by_it_and_its_ancestors(tianjin):
    lookup = tianjin.lookup("AUTO.VEH.TRACK.GPS")
    assert codes(lookup) == ["AUTO-002", "AUTO-001"]  # nearest the root first
    assert not lookup.broader_than_items
    assert lookup.covering_scope == ("AUTO",)
    assert lookup.in_scope and not lookup.out_of_scope


def test_a_category_equal_to_an_item_is_covered_and_not_broader(tianjin):
    lookup = tianjin.lookup("AUTO.VEH.TRACK")
    assert codes(lookup) == ["AUTO-002", "AUTO-001"]
    assert not lookup.broader_than_items


def test_a_category_above_an_item_is_broader_and_not_covered(tianjin):
    lookup = tianjin.lookup("AUTO")
    assert codes(lookup) == []
    assert lookup.broader_than_items
    assert lookup.in_scope  # AUTO itself is the scope code


def test_a_sibling_prefix_is_not_a_dot_prefix(tianjin):
    # "AUTO.VEHICLE" starts with "AUTO.VEH" but is not below it.
    lookup = tianjin.lookup("AUTO.VEHICLE")
    assert codes(lookup) == []
    assert not lookup.broader_than_items
    assert lookup.in_scope


def test_a_declared_category_outside_the_scope_is_out_of_scope(tianjin):
    lookup = tianjin.lookup("FIN.PAY")
    assert lookup.out_of_scope
    assert codes(lookup) == [] and not lookup.broader_than_items


def test_an_undeclared_category_is_out_of_scope(tianjin):
    lookup = tianjin.lookup("RETAIL.ORDERS")
    assert lookup.out_of_scope
    assert lookup.nodes_visited == 0


def test_a_category_broader_than_a_scope_code_is_not_out_of_scope():
    compiled = compile_list({**TIANJIN, "scope": ["AUTO.VEH"]}, zone="CN-TJ-FTZ", version="x", digest=None)
    lookup = compiled.lookup("AUTO")
    assert not lookup.in_scope
    assert lookup.broader_than_scope
    assert not lookup.out_of_scope
    assert compiled.lookup("AUTO.SALES").out_of_scope


def test_contract_defaults_apply_when_flags_are_absent(tianjin):
    assert tianjin.excludes_ciio is True
    assert tianjin.items_complete is True
    partial = compile_list(
        {**TIANJIN, "excludes_ciio": False, "items_complete": False},
        zone="CN-TJ-FTZ",
        version="p",
        digest=None,
    )
    assert partial.excludes_ciio is False and partial.items_complete is False


def test_compiled_list_is_immutable_and_names_its_version(tianjin):
    with pytest.raises(AttributeError):
        tianjin.version = "2025"  # type: ignore[misc]
    assert tianjin.ref == {"zone": "CN-TJ-FTZ", "version": "2024", "digest": "d1"}
    assert tianjin.category_label("AUTO.VEH") == "AUTO.VEH (车辆数据)"
    assert tianjin.item("AUTO-001").name_zh == "车辆行驶轨迹数据"


@pytest.mark.parametrize(
    ("op", "figure", "expected"),
    [
        (">=", 99, False),
        (">=", 100, True),
        (">", 100, False),
        (">", 101, True),
        ("<=", 100, True),
        ("<=", 101, False),
        ("<", 99, True),
        ("<", 100, False),
        ("==", 100, True),
        ("==", 101, False),
    ],
)
def test_each_operator_at_its_boundary(op, figure, expected):
    condition = compile_condition({"attribute": "vehicle_count", "op": op, "value": 100})
    assert condition.holds(figure) is expected


def test_a_condition_on_a_missing_or_incomparable_figure_is_unknown():
    condition = compile_condition({"attribute": "vehicle_count", "op": ">=", "value": 100})
    assert condition.holds(None) is None
    assert condition.holds("many") is None
    assert condition.holds(True) is None  # a boolean is not a count


def test_a_boolean_condition_compares_booleans():
    condition = compile_condition({"attribute": "is_export", "op": "==", "value": True})
    assert condition.holds(True) is True
    assert condition.holds(False) is False
    assert condition.holds(1) is None


@pytest.mark.parametrize(
    ("op", "value", "lower_bound", "expected"),
    [
        (">=", 100, 100, True),
        (">=", 100, 99, None),
        (">", 100, 100, None),
        (">", 100, 101, True),
        ("<", 100, 100, False),
        ("<", 100, 99, None),
        ("<=", 100, 101, False),
        ("<=", 100, 100, None),
        ("==", 100, 101, False),
        ("==", 100, 100, None),
    ],
)
def test_a_lower_bound_decides_only_what_every_larger_figure_agrees_on(op, value, lower_bound, expected):
    condition = compile_condition({"attribute": "cumulative_personal_info_subjects", "op": op, "value": value})
    assert condition.holds_at_least(lower_bound) is expected


def test_an_unknown_operator_is_refused():
    with pytest.raises(ValueError):
        compile_condition({"attribute": "vehicle_count", "op": "!=", "value": 1})


def _count_child_lookups(compiled: CompiledList) -> list[int]:
    """Replace every node's children with a dict that counts lookups (index internals)."""
    counter = [0]

    class CountingDict(dict):
        def get(self, key, default=None):
            counter[0] += 1
            return super().get(key, default)

    stack = [compiled._root]
    while stack:
        node = stack.pop()
        node.children = CountingDict(node.children)
        stack.extend(node.children.values())
    return counter


def test_a_lookup_in_a_10000_item_version_touches_only_the_path():
    # 100 sectors x 100 sub-categories, one item each, plus one chain 6 deep.
    categories = [{"code": f"S{s}", "name_zh": "行业"} for s in range(100)]
    items = []
    for s in range(100):
        for c in range(100):
            code = f"S{s}.C{c}"
            categories.append({"code": code, "name_zh": "数据"})
            items.append(
                {
                    "code": f"I-{s}-{c}",
                    "category": code,
                    "name_zh": "数据",
                    "level": "personal_information",
                    "mechanism": "standard_contract_or_certification",
                    "conditions": [],
                }
            )
    assert len(items) == 10_000
    content = {"categories": categories, "scope": ["S7"], "items": items}
    compiled = compile_list(content, zone="CN-SH-FTZ", version="big", digest=None)
    counter = _count_child_lookups(compiled)

    lookup = compiled.lookup("S7.C42.X.Y")
    assert [item.code for item in lookup.covering_items] == ["I-7-42"]
    assert counter[0] == 3  # S7, C42, then X is not there: no more than the path
    assert lookup.nodes_visited == 2

    counter[0] = 0
    broad = compiled.lookup("S7")
    assert broad.broader_than_items and broad.covering_items == ()
    assert counter[0] == 1


# --- the trie agrees with a brute-force scan on random versions ------------------------------

SEGMENTS = ["A", "B", "AB", "C"]
codes_strategy = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4).map(".".join)


def _brute_force(items: list[tuple[str, str]], scope: list[str], category: str) -> dict:
    return {
        "covering_items": sorted(code for code, cat in items if covers(cat, category)),
        "broader_than_items": any(cat != category and covers(category, cat) for _, cat in items),
        "covering_scope": sorted(code for code in scope if covers(code, category)),
        "broader_than_scope": any(code != category and covers(category, code) for code in scope),
    }


@settings(max_examples=300, deadline=None)
@given(
    item_categories=st.lists(codes_strategy, max_size=12),
    scope=st.lists(codes_strategy, max_size=4, unique=True),
    category=codes_strategy,
)
def test_lookup_matches_a_brute_force_scan(item_categories, scope, category):
    items = [(f"I{n}", cat) for n, cat in enumerate(item_categories)]
    content = {
        "categories": [],
        "scope": scope,
        "items": [
            {"code": code, "category": cat, "name_zh": "x", "mechanism": "security_assessment"} for code, cat in items
        ],
    }
    compiled = compile_list(content, zone="Z", version="v", digest=None)
    lookup = compiled.lookup(category)
    expected = _brute_force(items, scope, category)
    assert sorted(item.code for item in lookup.covering_items) == expected["covering_items"]
    assert lookup.broader_than_items == expected["broader_than_items"]
    assert sorted(lookup.covering_scope) == expected["covering_scope"]
    assert lookup.broader_than_scope == expected["broader_than_scope"]
    assert lookup.nodes_visited <= category.count(".") + 1


# Codes alike enough to tie and to nearly match: a few letters, digits and dots.
_code_text = st.text(alphabet="ABCS01.", min_size=1, max_size=12)


@settings(max_examples=500, deadline=None)
@given(codes=st.lists(_code_text, min_size=0, max_size=60, unique=True), word=_code_text,
       limit=st.integers(min_value=1, max_value=4))  # fmt: skip
def test_nearest_codes_answer_as_difflib_does_over_every_code(codes, word, limit):
    # The fast path may skip codes only where difflib would not have chosen them: same codes, same order.
    expected = tuple(difflib.get_close_matches(word, codes, n=limit, cutoff=0.6))
    assert NearestCodes(codes).nearest(word, limit) == expected


def test_nearest_codes_in_a_large_version_are_difflibs():
    codes = [f"S{s}.C{c}.D{d}" for s in range(40) for c in range(10) for d in range(3)]
    nearest = NearestCodes(codes)
    for word in ("S1.C1.D9", "S10.C3.D1X", "S.C.D", "S1.C", "S39.C9.D2.Z", "Q.OTHER", "S1"):
        assert nearest.nearest(word) == tuple(difflib.get_close_matches(word, codes, n=3, cutoff=0.6)), word
    assert nearest.nearest("S1.C1.D9") == ("S1.C1.D2", "S1.C1.D1", "S1.C1.D0")
