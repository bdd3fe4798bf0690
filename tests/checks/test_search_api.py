"""Search across the lists in force: codes, names, category names, descriptions."""

from __future__ import annotations

import copy

import pytest

from tests.factories import tianjin_list
from tests.lifecycle_helpers import Tianjin

SEARCH = "/api/v1/search"


@pytest.fixture
def tianjin_in_force(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published", effective_from="2024-05-10")
    # A draft's items are not searchable: only lists in force are.
    items = copy.deepcopy(tianjin_list()["items"]) + [{
        "code": "AUTO-099", "category": "AUTO.VEH", "name_zh": "轨迹草稿条目",
        "level": "important_data", "mechanism": "security_assessment",
    }]  # fmt: skip
    tj.draft("2099", items=items)
    return tj


@pytest.mark.parametrize(("query", "expected"), [
    ("轨迹", ["AUTO-001"]),  # two Chinese characters, in a name and a category name
    ("基因", ["HEALTH-001"]),  # only in the category name 基因数据 and the item name
    ("人脸", ["AUTO-002"]),
    ("auto-002", ["AUTO-002"]),  # codes, case-insensitively
    ("trajectory", ["AUTO-001"]),  # English names
    ("vehicle", ["AUTO-001", "AUTO-002"]),  # its own name first, then items under "Vehicle data"
    ("医药", ["HEALTH-001"]),  # the sector's name reaches the items under it
    ("100%", []),  # LIKE wildcards are searched for literally
])  # fmt: skip
def test_search_finds_items_of_lists_in_force(tianjin_in_force, anonymous, query, expected):
    response = anonymous.get(SEARCH, query_string={"q": query})
    assert response.status_code == 200
    hits = response.get_json()
    assert [h["item"]["code"] for h in hits] == expected
    assert all(h["zone"] == "CN-TJ-FTZ" and h["version"] == "2024" for h in hits)


def test_an_exact_code_ranks_first(tianjin_in_force, anonymous):
    exact = anonymous.get(SEARCH, query_string={"q": "AUTO-002"}).get_json()
    assert exact[0]["item"]["code"] == "AUTO-002"


def test_search_by_zone(tianjin_in_force, anonymous):
    assert anonymous.get(SEARCH, query_string={"q": "轨迹", "zone": "CN-BJ-FTZ"}).get_json() == []
    assert len(anonymous.get(SEARCH, query_string={"q": "轨迹", "zone": "CN-TJ-FTZ"}).get_json()) == 1
    assert anonymous.get(SEARCH, query_string={"q": "轨迹", "zone": "CN-XX-FTZ"}).status_code == 404


def test_search_needs_a_query(anonymous):
    response = anonymous.get(SEARCH)
    assert response.status_code == 422 and "q" in response.get_json()["errors"]
    assert anonymous.get(SEARCH, query_string={"q": "x" * 101}).status_code == 422


def test_search_reaches_the_real_lists_of_record(seeded_app, anonymous):
    hits = anonymous.get(SEARCH, query_string={"q": "集成电路"}).get_json()
    assert [(h["zone"], h["version"]) for h in hits] == [("CN-TJ-FTZ", "2024")]
    # Beijing's 2024 items (charging-network data among them) left the search when its 2025
    # version, of which no item is on record, came into force on 2026-05-11.
    assert anonymous.get(SEARCH, query_string={"q": "充电"}).get_json() == []
