"""Diff between two versions of a zone: item codes added, removed and changed."""

from __future__ import annotations

import copy

from tests.factories import tianjin_list
from tests.lifecycle_helpers import Tianjin


def test_diff_names_added_removed_and_changed_codes(as_user, anonymous):
    tj = Tianjin(as_user)
    tj.bring_to("published", version="2024", effective_from="2024-05-10")
    items = copy.deepcopy(tianjin_list()["items"])
    items[0]["mechanism"] = "standard_contract_or_certification"  # AUTO-001 changed
    del items[2]  # HEALTH-001 removed
    items.append({  # AUTO-003 added
        "code": "AUTO-003", "category": "AUTO.VEH", "name_zh": "车辆工况数据",
        "level": "important_data", "mechanism": "security_assessment",
    })  # fmt: skip
    tj.bring_to("published", version="2025", effective_from="2025-03-01", items=items)

    response = anonymous.get(tj.url("2025", "diff/2024"))
    assert response.status_code == 200
    assert response.get_json() == {
        "added": ["AUTO-003"],
        "removed": ["HEALTH-001"],
        "changed": ["AUTO-001"],
    }
    reverse = anonymous.get(tj.url("2024", "diff/2025")).get_json()
    assert reverse == {"added": ["HEALTH-001"], "removed": ["AUTO-003"], "changed": ["AUTO-001"]}
    assert anonymous.get(tj.url("2024", "diff/2024")).get_json() == {
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_reordering_items_is_not_a_change_and_keeps_the_digest(as_user):
    tj = Tianjin(as_user)
    first = tj.bring_to("submitted", version="a")
    reordered = tianjin_list(items=list(reversed(tianjin_list()["items"])))
    reordered["categories"] = list(reversed(reordered["categories"]))
    second = tj.bring_to("submitted", version="b", items=reordered["items"], categories=reordered["categories"])
    assert first["digest"] == second["digest"], "same content, same digest"
    assert tj.admin.get(tj.url("a", "diff/b")).get_json()["changed"] == []
    third = tj.bring_to("submitted", version="c", title="另一个标题")
    assert third["digest"] != first["digest"], "the title is part of the content"


def test_diff_needs_both_versions_visible(as_user, anonymous):
    tj = Tianjin(as_user)
    tj.bring_to("published", version="2024")
    tj.draft("2025")
    assert anonymous.get(tj.url("2025", "diff/2024")).status_code == 404
    assert anonymous.get(tj.url("2024", "diff/2025")).status_code == 404
    assert tj.admin.get(tj.url("2025", "diff/2024")).status_code == 200
    assert anonymous.get(tj.url("2024", "diff/nope")).status_code == 404
