"""Anonymous input that used to answer 500: deep JSON, huge numbers, lone surrogates, broad searches.

A stranger sends these to the public endpoints; each is a clear 400 or 422 problem, and nothing is
stored.
"""

from __future__ import annotations

import json

import pytest

from registry.jsonprovider import MAX_DEPTH, JsonLimitError, parse_json
from tests.factories import tianjin_list
from tests.lifecycle_helpers import Tianjin

CHECK = {
    "zone": "CN-TJ-FTZ",
    "on": "2024-06-01",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _post_raw(caller, path: str, text: str):
    return caller.client.post(path, data=text.encode(), content_type="application/json")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_600_deep_array_in_the_attributes_is_a_400(anonymous):
    body = json.dumps(CHECK).replace('"important_data": false', '"important_data": false, "attributes": {"x": @}')
    problem = _problem(_post_raw(anonymous, "/api/v1/checks", body.replace("@", _nested(600))), 400)
    assert f"nested deeper than {MAX_DEPTH} levels" in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [_nested(5000), '{"receipt": ' + "7" * 5000 + "}", '{"receipt": ' + _nested(600) + "}", '{"receipt": "\\ud800"}'],
    ids=["5000-deep", "5000-digit integer", "600-deep", "lone surrogate"],
)
def test_hostile_json_on_verify_is_a_400(anonymous, body):
    problem = _problem(_post_raw(anonymous, "/api/v1/checks/verify", body), 400)
    assert problem["detail"].startswith("The request body is not valid JSON:")


def test_a_lone_surrogate_in_a_title_is_refused_and_nothing_stored(as_user):
    admin = Tianjin(as_user).admin
    body = json.dumps(tianjin_list(version="surrogate", title="@")).replace('"@"', '"\\ud800"')
    response = admin.client.post(
        "/api/v1/zones/CN-TJ-FTZ/lists",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    _problem(response, 400)
    assert admin.get("/api/v1/zones/CN-TJ-FTZ/lists/surrogate").status_code == 404


def test_depth_is_measured_without_recursion():
    assert parse_json(_nested(MAX_DEPTH)) == parse_json(_nested(MAX_DEPTH))
    with pytest.raises(JsonLimitError):
        parse_json(_nested(MAX_DEPTH + 1))
    with pytest.raises(JsonLimitError):
        parse_json('{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1))


def test_a_draft_with_too_many_conditions_is_a_422(as_user):
    admin = Tianjin(as_user).admin
    items = tianjin_list()["items"]
    items[0]["conditions"] = [{"attribute": "vehicle_count", "op": ">=", "value": n} for n in range(21)]
    response = admin.post("/api/v1/zones/CN-TJ-FTZ/lists", json=tianjin_list(version="many", items=items))
    problem = _problem(response, 422)
    assert "conditions" in json.dumps(problem["errors"])


def test_a_search_matching_thousands_of_category_names_answers(as_user, anonymous):
    tj = Tianjin(as_user)
    categories = [{"code": "DATA", "name_zh": "数据"}] + [
        {"code": f"C{n}", "name_zh": f"数据类别{n}"} for n in range(1500)
    ]  # 1,500 sectors side by side, each named 数据…
    items = [
        {"code": f"I-{n}", "category": f"C{n}", "name_zh": f"条目{n}", "level": "important_data",
         "mechanism": "security_assessment"}
        for n in range(0, 1500, 10)
    ]  # fmt: skip
    tj.bring_to("published", categories=categories, scope=["DATA"], items=items, attributes=[])
    response = anonymous.get("/api/v1/search", query_string={"q": "数据"})
    assert response.status_code == 200, response.data[:300]
    assert {hit["item"]["code"] for hit in response.get_json()} == {item["code"] for item in items}
