"""A Tianjin zone administrator drafting a list: every invalid field is refused, precisely.

Each invalid draft is answered 422 with ``errors`` keyed as the request is nested
(``{"items": {"1": {"code": ["Duplicate code."]}}}``), and creates or changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.factories import tianjin_list

ZONE = "CN-TJ-FTZ"
LISTS = f"/api/v1/zones/{ZONE}/lists"
VERSION = "test-2099"
URL = f"{LISTS}/{VERSION}"
PROBLEM_JSON = "application/problem+json"

Path = tuple[str, ...]


@pytest.fixture
def tianjin(as_user):
    return as_user("tianjin-admin", "zone_admin", zone=ZONE)


@pytest.fixture
def draft(tianjin) -> str:
    """Create the Tianjin draft and return its ETag."""
    response = tianjin.post(LISTS, json=tianjin_list(version=VERSION))
    assert response.status_code == 201, response.get_json()
    return response.headers["ETag"]


def error_paths(errors: Any, prefix: Path = ()) -> Iterator[Path]:
    """Yield the path of every message list in a 422's ``errors``."""
    assert isinstance(errors, dict), errors
    for key, value in errors.items():
        assert isinstance(key, str), errors
        if isinstance(value, list):
            assert value and all(isinstance(message, str) for message in value), value
            yield (*prefix, key)
        else:
            yield from error_paths(value, (*prefix, key))


def message_at(errors: dict[str, Any], path: Path) -> list[str]:
    node: Any = errors
    for key in path:
        node = node[key]
    return node


def assert_invalid(response, paths: set[Path]) -> dict[str, Any]:
    """Assert a 422 problem whose ``errors`` name exactly ``paths``; return the errors."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    problem = response.get_json()
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == 422
    assert set(error_paths(problem["errors"])) == paths
    return problem["errors"]


def versions_of_tianjin(caller) -> list[tuple[str, str]]:
    return [(v["version"], v["updated_at"]) for v in caller.get(LISTS).get_json()]


# --- building invalid content ------------------------------------------------------------------


def content(**changes: Any) -> dict[str, Any]:
    return tianjin_list(**{"version": VERSION, **changes})


def without(name: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        body = content()
        del body[name]
        return body

    return build


def with_changes(**changes: Any) -> Callable[[], dict[str, Any]]:
    return lambda: content(**changes)


def with_extra_category(code: str, name_zh: str = "新类别") -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        body = content()
        body["categories"].append({"code": code, "name_zh": name_zh})
        return body

    return build


def with_item(index: int, **changes: Any) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        body = content()
        body["items"][index].update(changes)
        return body

    return build


def with_condition(**condition: Any) -> Callable[[], dict[str, Any]]:
    base = {"attribute": "vehicle_count", "op": ">=", "value": 10000}
    return with_item(0, conditions=[{**base, **condition}])


def with_extra_attribute(**attribute: Any) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        body = content()
        body["attributes"].append(attribute)
        return body

    return build


def isolated(**changes: Any) -> Callable[[], dict[str, Any]]:
    """Content with no categories depending on anything else, then ``changes``."""
    return lambda: content(**{"scope": [], "items": [], **changes})


# (scenario, body builder, the exact paths of the errors)
INVALID_CONTENT: list[tuple[str, Callable[[], dict[str, Any]], set[Path]]] = [
    ("title missing", without("title"), {("title",)}),
    ("title blank", with_changes(title="   "), {("title",)}),
    ("title null", with_changes(title=None), {("title",)}),
    ("title a number", with_changes(title=2024), {("title",)}),
    ("category without its parent", with_extra_category("FIN.PAY"), {("categories", "6", "code")}),
    ("category declared twice", with_extra_category("HEALTH"), {("categories", "6", "code")}),
    ("category code malformed", with_extra_category("AUTO..VEH"), {("categories", "6", "code")}),
    ("category code ending in a newline", with_extra_category("FIN\n"), {("categories", "6", "code")}),
    ("item code ending in a newline", with_item(1, code="AUTO-002\n"), {("items", "1", "code")}),
    ("attribute name ending in a newline", with_extra_attribute(name="ship_count\n", type="integer"),
     {("attributes", "1", "name")}),
    ("category without a Chinese name", with_extra_category("FIN", name_zh=""),
     {("categories", "6", "name_zh")}),
    ("item on an undeclared category", with_item(0, category="AUTO.VEH.GPS"),
     {("items", "0", "category")}),
    ("item code repeated", with_item(1, code="AUTO-001"), {("items", "1", "code")}),
    ("item level unknown", with_item(2, level="top_secret"), {("items", "2", "level")}),
    ("item mechanism unknown", with_item(2, mechanism="self_assessment"),
     {("items", "2", "mechanism")}),
    ("item without a Chinese name", with_item(2, name_zh=None), {("items", "2", "name_zh")}),
    ("item with an unknown field", with_item(0, note="x"), {("items", "0", "note")}),
    ("condition on an undeclared attribute", with_condition(attribute="ship_count"),
     {("items", "0", "conditions", "0", "attribute")}),
    ("condition with an unknown op", with_condition(op="=>"),
     {("items", "0", "conditions", "0", "op")}),
    ("condition with a string value", with_condition(value="10000"),
     {("items", "0", "conditions", "0", "value")}),
    ("condition with a null value", with_condition(value=None),
     {("items", "0", "conditions", "0", "value")}),
    ("condition without a value", with_item(0, conditions=[{"attribute": "vehicle_count",
                                                            "op": ">="}]),
     {("items", "0", "conditions", "0", "value")}),
    ("conditions not a list", with_item(0, conditions={"attribute": "vehicle_count"}),
     {("items", "0", "conditions")}),
    ("scope code not declared", with_changes(scope=["AUTO", "FIN"]), {("scope", "1")}),
    ("scope a string", with_changes(scope="AUTO"), {("scope",)}),
    ("scope code declared twice", with_changes(scope=["AUTO", "AUTO"]), {("scope", "1")}),
    ("built-in figure declared as an attribute",
     with_extra_attribute(name="personal_info_subjects", type="integer"),
     {("attributes", "1", "name")}),
    ("attribute of an unknown type", with_extra_attribute(name="ship_count", type="text"),
     {("attributes", "1", "type")}),
    ("unknown top-level field", with_changes(comment="内部备注"), {("comment",)}),
    ("excludes_ciio an arbitrary string", with_changes(excludes_ciio="sometimes"),
     {("excludes_ciio",)}),
    ("excludes_ciio null", with_changes(excludes_ciio=None), {("excludes_ciio",)}),
    ("items_complete an arbitrary string", with_changes(items_complete="partly"),
     {("items_complete",)}),
    ("categories an object", isolated(categories={"AUTO": "汽车"}), {("categories",)}),
    ("items a string", with_changes(items="AUTO-001"), {("items",)}),
    ("attributes a string", isolated(attributes="vehicle_count"), {("attributes",)}),
]  # fmt: skip
INVALID_IDS = [scenario.replace(" ", "_") for scenario, _, _ in INVALID_CONTENT]

BAD_LABELS = [".", "..", "in-force", "x" * 33, "two words", "", "2024/05", "版本", " 2024", "2024\n"]
NOT_OBJECTS = [[], [tianjin_list()], "2024", 2024, True, None]


# --- creating --------------------------------------------------------------------------------


@pytest.mark.parametrize("label", BAD_LABELS, ids=repr)
def test_a_draft_with_an_invalid_version_label_is_refused(tianjin, label):
    response = tianjin.post(LISTS, json=tianjin_list(version=label))
    assert_invalid(response, {("version",)})
    assert versions_of_tianjin(tianjin) == []


@pytest.mark.parametrize("label", ["2024", "v1.0_rc-2", "x" * 32, "In-Force-2", "..."], ids=repr)
def test_a_valid_version_label_is_accepted(tianjin, label):
    response = tianjin.post(LISTS, json=tianjin_list(version=label))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == label


def test_a_draft_without_a_version_label_is_refused(tianjin):
    body = content()
    del body["version"]
    assert_invalid(tianjin.post(LISTS, json=body), {("version",)})


def test_a_version_label_must_be_a_string(tianjin):
    assert_invalid(tianjin.post(LISTS, json=content(version=2024)), {("version",)})


@pytest.mark.parametrize(("scenario", "build", "paths"), INVALID_CONTENT, ids=INVALID_IDS)
def test_an_invalid_draft_is_refused_and_creates_nothing(tianjin, scenario, build, paths):
    before = versions_of_tianjin(tianjin)
    assert_invalid(tianjin.post(LISTS, json=build()), paths)
    assert versions_of_tianjin(tianjin) == before
    assert tianjin.get(URL).status_code == 404


def test_a_repeated_item_code_is_reported_as_the_contract_shows(tianjin):
    response = tianjin.post(LISTS, json=with_item(1, code="AUTO-001")())
    errors = assert_invalid(response, {("items", "1", "code")})
    assert errors == {"items": {"1": {"code": ["Duplicate code."]}}}


def test_a_repeated_category_is_reported_under_its_own_index(tianjin):
    errors = assert_invalid(tianjin.post(LISTS, json=with_extra_category("HEALTH")()), {("categories", "6", "code")})
    assert errors == {"categories": {"6": {"code": ["Duplicate code."]}}}


def test_every_invalid_field_is_reported_at_once(tianjin):
    body = with_item(1, code="AUTO-001", level="secret")()
    del body["title"]
    body["scope"] = ["AUTO", "FIN"]
    response = tianjin.post(LISTS, json=body)
    assert_invalid(response, {("title",), ("scope", "1"), ("items", "1", "code"), ("items", "1", "level")})


@pytest.mark.parametrize("value", NOT_OBJECTS, ids=repr)
def test_a_body_that_is_not_an_object_is_refused_as_a_whole(tianjin, value):
    response = tianjin.post(LISTS, data=json.dumps(value), content_type="application/json")
    assert_invalid(response, {("_schema",)})
    assert versions_of_tianjin(tianjin) == []


@pytest.mark.parametrize("text", ['{"version": "2024",', "{'version': '2024'}", "\x00", "[1, 2"])
def test_malformed_json_is_400(tianjin, text):
    response = tianjin.post(LISTS, data=text, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json()["status"] == 400
    assert versions_of_tianjin(tianjin) == []


def test_creating_an_existing_version_is_409_and_leaves_it_alone(tianjin, draft):
    response = tianjin.post(LISTS, json=content(title="另一份清单", items=[]))
    assert response.status_code == 409
    assert response.mimetype == PROBLEM_JSON
    kept = tianjin.get(URL)
    assert kept.headers["ETag"] == draft
    assert kept.get_json()["item_count"] == 3


def test_read_only_fields_sent_on_creation_are_ignored(tianjin):
    response = tianjin.post(LISTS, json=content(status="published", effective_from="2024-05-10", digest="0" * 64))
    assert response.status_code == 201
    created = response.get_json()
    assert (created["status"], created["effective_from"], created["digest"]) == (
        "draft",
        None,
        None,
    )


def test_the_clauses_default_to_true(tianjin):
    body = content()
    del body["excludes_ciio"], body["items_complete"]
    created = tianjin.post(LISTS, json=body).get_json()
    assert created["excludes_ciio"] is True
    assert created["items_complete"] is True


# --- replacing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "build", "paths"), INVALID_CONTENT, ids=INVALID_IDS)
def test_an_invalid_replacement_is_refused_and_changes_nothing(tianjin, draft, scenario, build, paths):
    assert_invalid(tianjin.put(URL, json=build(), headers={"If-Match": draft}), paths)
    assert tianjin.get(URL).headers["ETag"] == draft


def test_a_replacement_cannot_rename_the_version(tianjin, draft):
    response = tianjin.put(URL, json=content(version="2100"), headers={"If-Match": draft})
    assert_invalid(response, {("version",)})
    assert tianjin.get(URL).headers["ETag"] == draft
    assert tianjin.get(f"{LISTS}/2100").status_code == 404


@pytest.mark.parametrize("value", NOT_OBJECTS, ids=repr)
def test_a_replacement_that_is_not_an_object_is_refused_as_a_whole(tianjin, draft, value):
    response = tianjin.put(
        URL,
        data=json.dumps(value),
        content_type="application/json",
        headers={"If-Match": draft},
    )
    assert_invalid(response, {("_schema",)})
    assert tianjin.get(URL).headers["ETag"] == draft


def test_malformed_json_in_a_replacement_is_400(tianjin, draft):
    response = tianjin.put(URL, data='{"title": ', content_type="application/json", headers={"If-Match": draft})
    assert response.status_code == 400
    assert response.mimetype == PROBLEM_JSON
    assert tianjin.get(URL).headers["ETag"] == draft


def test_a_version_as_read_can_be_sent_back_as_the_replacement(tianjin, draft):
    # Read-only fields (status, history, item_count, ...) are ignored. item_count was once
    # missing from READ_ONLY_FIELDS (registry/lists/schemas.py) and refused as unknown.
    read = tianjin.get(URL)
    body = read.get_json()
    body["title"] = "修订稿"

    response = tianjin.put(URL, json=body, headers={"If-Match": read.headers["ETag"]})

    assert response.status_code == 200, response.get_json()
    replaced = response.get_json()
    assert replaced["title"] == "修订稿"
    assert replaced["status"] == "draft"
    for name in ("categories", "scope", "scope_complete", "excludes_ciio", "items_complete", "attributes", "items"):
        assert replaced[name] == read.get_json()[name], name


# --- bugs found (some already fixed: those are plain regression tests) --------------------


@pytest.mark.parametrize("name", ["excludes_ciio", "items_complete"])
@pytest.mark.parametrize("value", ["true", "yes", 1, 0, ""], ids=repr)
def test_the_clauses_must_be_json_booleans_not_lookalikes(tianjin, name, value):
    assert_invalid(tianjin.post(LISTS, json=content(**{name: value})), {(name,)})
    assert versions_of_tianjin(tianjin) == []


def test_an_undeclared_scope_code_given_twice_is_422_not_500(tianjin):
    response = tianjin.post(LISTS, json=content(scope=["FIN", "FIN"]))
    errors = assert_invalid(response, {("scope", "0"), ("scope", "1")})
    assert "Duplicate" in " ".join(errors["scope"]["1"])
    assert versions_of_tianjin(tianjin) == []


@pytest.mark.parametrize("value", [10**400, 2**64, 1e300], ids=["10**400", "2**64", "1e300"])
def test_a_condition_with_an_enormous_threshold_is_refused_or_readable(tianjin, value):
    # Valid JSON (RFC 8259 sets no range), beyond any sensible count: refusing it is fine,
    # storing it is fine, failing is not — nor storing a version no one can read again.
    body = with_condition(value=value)()
    response = tianjin.post(LISTS, data=json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400, 422), response.get_data(as_text=True)
    if response.status_code == 201:
        assert tianjin.get(URL).status_code == 200
    else:
        assert response.mimetype == PROBLEM_JSON
        assert tianjin.get(URL).status_code == 404


@pytest.mark.parametrize("value", [2**53 + 1, 10**15 + 1, -(2**63), 1e18, 5e-324], ids=repr)
def test_a_condition_with_a_large_threshold_is_stored_or_refused(tianjin, value):
    response = tianjin.post(LISTS, json=with_condition(value=value)())
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 201:
        assert tianjin.get(URL).status_code == 200
