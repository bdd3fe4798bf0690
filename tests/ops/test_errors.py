"""Every error is an RFC 9457 problem, with the status the contract gives it, and never a 500.

Scenarios: a client mistypes a path or a method, names a zone or version that does not exist,
sends too big a body or a bad token; the Tianjin commission forgets its document number; a
filer records a filing twice. Last, hypothesis throws arbitrary JSON and bytes at every mutating
endpoint as the legitimate caller and the server must never answer 500.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import tianjin_list

ZONE = "CN-TJ-FTZ"
LISTS = f"/api/v1/zones/{ZONE}/lists"
VERSION = "test-2099"
URL = f"{LISTS}/{VERSION}"
PROBLEM_JSON = "application/problem+json"

APPROVAL = {"decision": "approved", "document_no": "津网信〔2099〕1号"}
CAC_FILING = {"authority": "CAC", "filing_no": "CAC-2099-001"}
NDA_FILING = {"authority": "NDA", "filing_no": "NDA-2099-001"}
PUBLICATION = {"effective_from": "2099-02-01"}
REVOCATION = {"revoked_on": "2099-06-30", "reason": "被新版清单取代。"}


def assert_problem(response, status: int) -> dict[str, Any]:
    """Assert ``response`` is an RFC 9457 problem with ``status``; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    problem = json.loads(response.get_data(as_text=True))
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert problem["status"] == status
    assert isinstance(problem["detail"], str) and problem["detail"]
    if status != 422:
        assert "errors" not in problem
    return problem


def today_in_shanghai() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.fixture
def people(as_user, anonymous) -> dict[str, Any]:
    return {
        "tianjin_admin": as_user("tianjin-admin", "zone_admin", zone=ZONE),
        "tianjin_approver": as_user("tianjin-approver", "provincial_approver", province="CN-TJ"),
        "cac_filer": as_user("cac-filer", "national_filer", authority="CAC"),
        "nda_filer": as_user("nda-filer", "national_filer", authority="NDA"),
        "anonymous": anonymous,
    }


ROAD = [
    ("draft", "tianjin_admin", LISTS, tianjin_list(version=VERSION)),
    ("submitted", "tianjin_admin", f"{URL}/submit", None),
    ("approved", "tianjin_approver", f"{URL}/approval", APPROVAL),
    ("approved+CAC", "cac_filer", f"{URL}/filings", CAC_FILING),
    ("filed", "nda_filer", f"{URL}/filings", NDA_FILING),
    ("published", "tianjin_admin", f"{URL}/publish", PUBLICATION),
    ("revoked", "tianjin_admin", f"{URL}/revoke", REVOCATION),
]


def bring_to(people: dict[str, Any], stage: str | None) -> None:
    """Drive the Tianjin version, by the legitimate accounts, to ``stage``."""
    if stage is None:
        return
    for reached, who, path, body in ROAD:
        response = people[who].post(path, json=body)
        assert response.status_code in (200, 201), (reached, response.get_json())
        if reached == stage:
            return
    raise AssertionError(f"unknown stage {stage}")


def snapshot(people: dict[str, Any]) -> tuple[str, str, int]:
    response = people["tianjin_admin"].get(URL)
    body = response.get_json()
    return response.headers["ETag"], body["status"], len(body["history"])


# --- paths, methods, zones, versions ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/zones/CN-TJ-FTZ/lists/2024/unknown-step",
        "/api/v1/zones/CN-TJ-FTZ/x",
    ],
)
def test_an_unknown_api_path_is_404(client, path):
    assert_problem(client.get(path), 404)


def test_an_unknown_page_is_404(client):
    # Outside the API the answer may be an HTML page; it is a 404 all the same.
    assert client.get("/no-such-page").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", LISTS, {"GET", "POST"}),
        ("patch", URL, {"GET", "PUT", "DELETE"}),  # DELETE withdraws a draft (v1.1)
        ("post", URL, {"GET", "PUT", "DELETE"}),
        ("get", f"{URL}/submit", {"POST"}),
        ("put", f"{URL}/approval", {"POST"}),
        ("post", "/api/v1/zones", {"GET"}),
        ("post", f"{LISTS}/{VERSION}/diff/2024", {"GET"}),
    ],
)
def test_a_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_problem(response, 405)
    offered = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= offered
    assert method.upper() not in offered


def test_a_wrong_method_is_405_even_with_a_token(people):
    response = people["tianjin_admin"].client.delete(
        LISTS, headers={"Authorization": f"Bearer {people['tianjin_admin'].token}"}
    )
    assert_problem(response, 405)


UNKNOWN_ZONE = "/api/v1/zones/CN-XX-FTZ"


@pytest.mark.parametrize(
    "path",
    [
        UNKNOWN_ZONE,
        f"{UNKNOWN_ZONE}/lists",
        f"{UNKNOWN_ZONE}/lists/2024",
        f"{UNKNOWN_ZONE}/lists/in-force",
        f"{UNKNOWN_ZONE}/lists/2024/diff/2023",
        "/api/v1/zones/cn-tj-ftz",
    ],
)
def test_an_unknown_zone_is_404_to_readers(anonymous, path):
    assert_problem(anonymous.get(path), 404)


@pytest.mark.parametrize(
    ("who", "method", "step", "body"),
    [
        ("tianjin_admin", "post", "", tianjin_list(version=VERSION)),
        ("tianjin_admin", "put", "/2024", tianjin_list(version="2024")),
        ("tianjin_admin", "post", "/2024/submit", None),
        ("tianjin_approver", "post", "/2024/approval", APPROVAL),
        ("cac_filer", "post", "/2024/filings", CAC_FILING),
        ("tianjin_admin", "post", "/2024/publish", PUBLICATION),
        ("tianjin_admin", "post", "/2024/revoke", REVOCATION),
    ],
)
def test_an_unknown_zone_is_404_to_writers(people, who, method, step, body):
    response = getattr(people[who], method)(f"{UNKNOWN_ZONE}/lists{step}", json=body, headers={"If-Match": "*"})
    assert_problem(response, 404)


@pytest.mark.parametrize("version", ["2023", "in-force-2", "x" * 33, "..", "%2E%2E", "a%20b"])
def test_an_unknown_version_is_404_to_readers(people, version):
    for caller in people.values():
        assert_problem(caller.get(f"{LISTS}/{version}"), 404)


@pytest.mark.parametrize(
    ("who", "method", "step", "body"),
    [
        ("tianjin_admin", "put", "", tianjin_list(version="1999")),
        ("tianjin_admin", "post", "/submit", None),
        ("tianjin_approver", "post", "/approval", APPROVAL),
        ("cac_filer", "post", "/filings", CAC_FILING),
        ("tianjin_admin", "post", "/publish", PUBLICATION),
        ("tianjin_admin", "post", "/revoke", REVOCATION),
        ("tianjin_approver", "post", "/revoke", REVOCATION),
    ],
)
def test_an_unknown_version_is_404_to_writers(people, who, method, step, body):
    response = getattr(people[who], method)(f"{LISTS}/1999{step}", json=body, headers={"If-Match": "*"})
    assert_problem(response, 404)


def test_a_diff_against_an_unknown_version_is_404(people):
    bring_to(people, "draft")
    assert_problem(people["tianjin_admin"].get(f"{URL}/diff/1999"), 404)
    assert_problem(people["tianjin_admin"].get(f"{LISTS}/1999/diff/{VERSION}"), 404)


def test_no_version_in_force_is_404(anonymous):
    assert_problem(anonymous.get(f"{LISTS}/in-force?on=1990-01-01"), 404)


@pytest.mark.parametrize("on", ["yesterday", "20240105", "2024-1-5", "2024-01-05T00:00"])
def test_an_invalid_in_force_date_is_422(anonymous, on):
    response = anonymous.get(f"{LISTS}/in-force?on={on}")
    assert_problem(response, 422)
    assert "on" in response.get_json()["errors"]


# --- body format -----------------------------------------------------------------------------

# Each JSON-taking step, reached by the road before it, sent as text/plain instead of JSON.
JSON_STEPS = [(ROAD[n - 1][0] if n else None, *ROAD[n][1:]) for n in range(len(ROAD)) if ROAD[n][3] is not None]


@pytest.mark.parametrize(("before", "who", "path", "body"), JSON_STEPS, ids=[s[2] for s in JSON_STEPS])
def test_a_body_that_is_not_json_is_415_and_changes_nothing(people, before, who, path, body):
    bring_to(people, before)
    state = snapshot(people) if before else None
    response = people[who].client.post(
        path, data=json.dumps(body), content_type="text/plain",
        headers={"Authorization": f"Bearer {people[who].token}"},
    )  # fmt: skip
    problem = assert_problem(response, 415)
    assert "JSON" in problem["detail"]
    if state:
        assert snapshot(people) == state
    else:
        assert people["tianjin_admin"].get(URL).status_code == 404


def test_a_check_that_is_not_json_is_415(anonymous):
    response = anonymous.client.post("/api/v1/checks", data="{}", content_type="text/plain")
    assert_problem(response, 415)


# --- body size -------------------------------------------------------------------------------


@pytest.fixture
def small_app(make_app):
    return make_app("small-instance", MAX_CONTENT_LENGTH=2048)


def test_a_body_over_the_limit_is_413_and_creates_nothing(small_app, make_account):
    token = make_account("tianjin-admin", "zone_admin", zone=ZONE)
    headers = {"Authorization": f"Bearer {token}"}
    client = small_app.test_client()
    body = tianjin_list(version=VERSION, title="清单" * 2000)
    assert len(json.dumps(body).encode()) > 2048

    response = client.post(LISTS, json=body, headers=headers)

    assert_problem(response, 413)
    assert client.get(URL, headers=headers).status_code == 404
    # A body under the limit still goes through.
    small = tianjin_list(version=VERSION, categories=[], scope=[], items=[], attributes=[])
    assert client.post(LISTS, json=small, headers=headers).status_code == 201


def test_a_replacement_over_the_limit_is_413(small_app, make_account):
    token = make_account("tianjin-admin", "zone_admin", zone=ZONE)
    headers = {"Authorization": f"Bearer {token}"}
    client = small_app.test_client()
    small = tianjin_list(version=VERSION, categories=[], scope=[], items=[], attributes=[])
    etag = client.post(LISTS, json=small, headers=headers).headers["ETag"]

    big = tianjin_list(version=VERSION, title="清单" * 2000)
    response = client.put(URL, json=big, headers={**headers, "If-Match": etag})

    assert_problem(response, 413)
    assert client.get(URL, headers=headers).headers["ETag"] == etag


def test_the_limit_comes_from_registry_max_body_bytes(make_app, make_account, monkeypatch):
    monkeypatch.setenv("REGISTRY_MAX_BODY_BYTES", "2048")
    app = make_app("env-instance")
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    token = make_account("tianjin-admin", "zone_admin", zone=ZONE)
    response = app.test_client().post(
        LISTS,
        json=tianjin_list(version=VERSION, title="清单" * 2000),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_problem(response, 413)


# --- tokens ----------------------------------------------------------------------------------

BAD_AUTHORIZATION = [
    "Bearer reg_not-a-real-token",
    "Bearer ",
    "Bearer",
    "Basic dGlhbmppbjpzZWNyZXQ=",
    "Token reg_abc",
]
API_CALLS = [
    ("get", "/api/v1/zones"),
    ("get", f"/api/v1/zones/{ZONE}"),
    ("get", LISTS),
    ("get", URL),
    ("get", f"{LISTS}/in-force"),
    ("get", f"{URL}/diff/{VERSION}"),
    ("get", "/api/v1/openapi.json"),
    ("post", LISTS),
    ("put", URL),
    ("post", f"{URL}/submit"),
    ("post", f"{URL}/approval"),
    ("post", f"{URL}/filings"),
    ("post", f"{URL}/publish"),
    ("post", f"{URL}/revoke"),
]


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
@pytest.mark.parametrize(("method", "path"), API_CALLS, ids=[f"{m} {p}" for m, p in API_CALLS])
def test_a_bad_token_is_401_on_every_api_call(client, method, path, authorization):
    response = getattr(client, method)(path, json={}, headers={"Authorization": authorization, "If-Match": "*"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


MUTATING_CALLS = [(m, p) for m, p in API_CALLS if m != "get"]


@pytest.mark.parametrize(("method", "path"), MUTATING_CALLS, ids=[p for _, p in MUTATING_CALLS])
def test_a_missing_token_on_a_mutating_call_is_401(people, method, path):
    bring_to(people, "draft")
    before = snapshot(people)
    response = getattr(people["anonymous"], method)(path, json={}, headers={"If-Match": "*"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(people) == before


# --- the lifecycle's own refusals -------------------------------------------------------------


def test_submitting_a_draft_without_scope_is_422_under_scope(people):
    admin = people["tianjin_admin"]
    created = admin.post(LISTS, json=tianjin_list(version=VERSION, scope=[]))
    assert created.status_code == 201
    before = snapshot(people)

    response = admin.post(f"{URL}/submit")

    problem = assert_problem(response, 422)
    assert list(problem["errors"]) == ["scope"]
    assert snapshot(people) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "approved"}, "document_no"),
        ({"decision": "approved", "document_no": "   "}, "document_no"),
        ({"decision": "approved", "document_no": None}, "document_no"),
        ({"decision": "rejected"}, "reason"),
        ({"decision": "rejected", "reason": ""}, "reason"),
        ({"decision": "maybe", "document_no": "津网信1号"}, "decision"),
        ({"document_no": "津网信1号"}, "decision"),
        ({**APPROVAL, "decided_on": "2099-13-01"}, "decided_on"),
        ({**APPROVAL, "signed_by": "张三"}, "signed_by"),
    ],
    ids=repr,
)
def test_an_incomplete_decision_is_422_and_changes_nothing(people, body, field):
    bring_to(people, "submitted")
    before = snapshot(people)
    problem = assert_problem(people["tianjin_approver"].post(f"{URL}/approval", json=body), 422)
    assert field in problem["errors"]
    assert snapshot(people) == before


def test_a_decision_is_dated_today_in_shanghai_by_default(people):
    bring_to(people, "approved")
    version = people["tianjin_admin"].get(URL).get_json()
    assert version["approval"]["decided_on"] == today_in_shanghai()
    assert version["history"][-1]["on"] == today_in_shanghai()


def test_a_decision_keeps_the_date_it_was_given(people):
    bring_to(people, "submitted")
    response = people["tianjin_approver"].post(f"{URL}/approval", json={**APPROVAL, "decided_on": "2025-01-09"})
    assert response.get_json()["approval"]["decided_on"] == "2025-01-09"


def test_a_rejection_sends_the_version_back_to_draft_with_its_reason(people):
    bring_to(people, "submitted")
    response = people["tianjin_approver"].post(
        f"{URL}/approval", json={"decision": "rejected", "reason": "类别划分需细化。"}
    )
    assert response.status_code == 200
    version = response.get_json()
    assert version["status"] == "draft"
    assert version["digest"] is None
    assert version["history"][-1]["reason"] == "类别划分需细化。"


def test_a_filing_is_dated_today_in_shanghai_by_default(people):
    bring_to(people, "approved+CAC")
    filings = people["tianjin_admin"].get(URL).get_json()["filings"]
    assert [(f["authority"], f["filed_on"]) for f in filings] == [("CAC", today_in_shanghai())]


@pytest.mark.parametrize(
    "body",
    [
        {"authority": "CAC"},
        {"authority": "CAC", "filing_no": " "},
        {"authority": "MIIT", "filing_no": "X-1"},
        {"filing_no": "X-1"},
        {**CAC_FILING, "filed_on": "yesterday"},
    ],
    ids=repr,
)
def test_an_incomplete_filing_is_422_and_changes_nothing(people, body):
    bring_to(people, "approved")
    before = snapshot(people)
    assert_problem(people["cac_filer"].post(f"{URL}/filings", json=body), 422)
    assert snapshot(people) == before


@pytest.mark.parametrize("body", [{}, {"effective_from": None}, {"effective_from": "1 May 2099"}], ids=repr)
def test_publishing_without_a_valid_effective_date_is_422(people, body):
    bring_to(people, "filed")
    before = snapshot(people)
    problem = assert_problem(people["tianjin_admin"].post(f"{URL}/publish", json=body), 422)
    assert "effective_from" in problem["errors"]
    assert snapshot(people) == before


@pytest.mark.parametrize("who", ["tianjin_admin", "tianjin_approver"])
@pytest.mark.parametrize(
    "body",
    [{}, {"reason": "过时"}, {"revoked_on": None}, {"revoked_on": "2099-01-31"}],
    ids=["nothing", "reason only", "null date", "before it took effect"],
)
def test_revoking_needs_a_date_not_before_the_effective_date(people, who, body):
    bring_to(people, "published")
    before = snapshot(people)
    problem = assert_problem(people[who].post(f"{URL}/revoke", json=body), 422)
    assert list(problem["errors"]) == ["revoked_on"]
    assert snapshot(people) == before


def test_revoking_on_the_effective_date_itself_is_allowed(people):
    bring_to(people, "published")
    response = people["tianjin_admin"].post(f"{URL}/revoke", json={"revoked_on": "2099-02-01"})
    assert response.status_code == 200
    assert response.get_json()["revoked_on"] == "2099-02-01"


# (stage the version is in, who tries, step, body): the state does not allow it → 409
STATE_CONFLICTS = [
    ("submitted", "tianjin_admin", "submit", None),
    ("approved", "tianjin_admin", "submit", None),
    ("submitted", "cac_filer", "filings", CAC_FILING),
    ("submitted", "tianjin_admin", "publish", PUBLICATION),
    ("submitted", "tianjin_admin", "revoke", REVOCATION),
    ("approved", "tianjin_approver", "approval", APPROVAL),
    ("approved", "tianjin_approver", "approval", {"decision": "rejected", "reason": "晚了"}),
    ("approved", "tianjin_admin", "publish", PUBLICATION),
    ("approved+CAC", "cac_filer", "filings", CAC_FILING),
    ("approved+CAC", "tianjin_admin", "publish", PUBLICATION),
    ("filed", "cac_filer", "filings", CAC_FILING),
    ("filed", "tianjin_admin", "revoke", REVOCATION),
    ("filed", "tianjin_approver", "approval", APPROVAL),
    ("published", "tianjin_admin", "publish", PUBLICATION),
    ("published", "tianjin_admin", "submit", None),
    ("published", "nda_filer", "filings", NDA_FILING),
    ("revoked", "tianjin_admin", "revoke", REVOCATION),
    ("revoked", "tianjin_approver", "revoke", REVOCATION),
    ("revoked", "tianjin_admin", "publish", PUBLICATION),
]


@pytest.mark.parametrize(
    ("stage", "who", "step", "body"),
    STATE_CONFLICTS,
    ids=[f"{who} {step} when {stage}" for stage, who, step, _ in STATE_CONFLICTS],
)
def test_a_step_the_state_does_not_allow_is_409_and_changes_nothing(people, stage, who, step, body):
    bring_to(people, stage)
    before = snapshot(people)
    assert_problem(people[who].post(f"{URL}/{step}", json=body), 409)
    assert snapshot(people) == before


# --- NUL characters ---------------------------------------------------------------------------

NUL_CASES = [
    pytest.param("tianjin_admin", "post", LISTS, None,
                 tianjin_list(version=VERSION, title="天津清单\x00"), id="draft title"),
    pytest.param("tianjin_admin", "post", LISTS, None,
                 tianjin_list(version=VERSION, categories=[{"code": "AUTO", "name_zh": "汽\x00车"}],
                              scope=["AUTO"], items=[]), id="category name"),
    pytest.param("tianjin_admin", "put", URL, "draft",
                 tianjin_list(version=VERSION, title="\x00"), id="replacement title"),
    pytest.param("tianjin_approver", "post", f"{URL}/approval", "submitted",
                 {"decision": "approved", "document_no": "津\x00"}, id="approval document_no"),
    pytest.param("tianjin_approver", "post", f"{URL}/approval", "submitted",
                 {"decision": "rejected", "reason": "\x00"}, id="rejection reason"),
    pytest.param("cac_filer", "post", f"{URL}/filings", "approved",
                 {"authority": "CAC", "filing_no": "CAC\x00"}, id="filing_no"),
    pytest.param("tianjin_admin", "post", f"{URL}/revoke", "published",
                 {"revoked_on": "2099-06-30", "reason": "\x00"}, id="revocation reason"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "method", "path", "stage", "body"), NUL_CASES)
def test_a_nul_character_in_a_text_field_is_never_a_server_error(people, who, method, path, stage, body):
    bring_to(people, stage)
    response = getattr(people[who], method)(path, json=body, headers={"If-Match": "*"})
    # Refused at the field on every database (PostgreSQL cannot store NUL at all).
    assert_problem(response, 422)
    assert people["tianjin_admin"].get(URL).status_code in (200, 404)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/zones/CN-TJ%00", "/api/v1/zones/CN-TJ%00/lists", "/api/v1/zones/%00/lists/2024"],
)
def test_a_nul_character_in_a_zone_code_is_404(anonymous, path):
    assert_problem(anonymous.get(path), 404)


def test_a_nul_character_in_a_version_label_is_404(anonymous):
    assert_problem(anonymous.get(f"{LISTS}/20%0024"), 404)


def test_a_batch_with_a_nul_character_is_refused_where_it_is_and_six_look_alike_characters_are_not(anonymous):
    dataset = {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0, "important_data": False}
    batch = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False}}
    refused = anonymous.post("/api/v1/checks/batch", json=batch | {"datasets": [dataset, dataset | {"label": "a\x00"}]})
    assert_problem(refused, 422)
    assert "label" in refused.get_json()["errors"]["datasets"]["1"]
    # A backslash, then "u0000": plain text, which JSON writes as \\u0000 and no NUL at all.
    kept = anonymous.post("/api/v1/checks/batch", json=batch | {"datasets": [dataset | {"label": "a\\u0000"}]})
    assert kept.status_code == 200
    assert kept.get_json()["results"][0]["label"] == "a\\u0000"


# --- never a 500 -----------------------------------------------------------------------------

FIELD_NAMES = [
    "version", "title", "categories", "scope", "excludes_ciio", "items_complete", "attributes",
    "items", "code", "name_zh", "name_en", "category", "description", "level", "mechanism",
    "conditions", "attribute", "op", "value", "name", "type", "label_zh", "decision",
    "document_no", "decided_on", "reason", "authority", "filing_no", "filed_on",
    "effective_from", "revoked_on", "status", "history", "item_count", "_schema",
]  # fmt: skip
DOMAIN_STRINGS = [
    "AUTO", "AUTO.VEH", "AUTO.VEH.TRACK", "FIN", "FIN.PAY", "approved", "rejected", "CAC",
    "NDA", "2024-05-10", "2099-02-29", "0000-00-00", ">=", "==", "important_data",
    "security_assessment", "vehicle_count", "personal_info_subjects", "in-force", ".", "",
    "\x00", "🚗", "车辆行驶轨迹", "9" * 40,
]  # fmt: skip
ENORMOUS = [10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, 5e-324]

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)  # encodable as UTF-8
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(ENORMOUS)
    | st.floats()
    | _text
    | st.sampled_from(DOMAIN_STRINGS)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(FIELD_NAMES) | _text, children, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def mutated(draw, base: Any) -> Any:
    """``base`` with one to three values, anywhere in it, replaced or removed."""
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        node = body
        while isinstance(node, dict | list) and node:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, dict | list) and child and draw(st.booleans()):
                node = child
                continue
            if isinstance(node, dict) and draw(st.integers(0, 4)) == 0:
                del node[key]
            else:
                node[key] = draw(json_values)
            break
    return body


def payloads(base: Any) -> st.SearchStrategy[tuple[str, Any]]:
    return st.one_of(
        json_values.map(lambda value: ("json", value)),
        mutated(base).map(lambda value: ("json", value)),
        st.binary(max_size=300).map(lambda raw: ("bytes", raw)),
    )


# Inputs that crashed the server when these tests were written (always tried, as regressions).
KNOWN_CRASHERS = [
    ("json", tianjin_list(version=VERSION, scope=["FIN", "FIN"])),
    ("json", tianjin_list(version=VERSION, scope=["AUTO"], attributes=[], items=[
        {"code": "A-1", "category": "AUTO", "name_zh": "甲", "level": "important_data",
         "mechanism": "security_assessment",
         "conditions": [{"attribute": "personal_info_subjects", "op": ">=", "value": 10**400}]},
    ])),
]  # fmt: skip

# (endpoint, who sends, method, path, stage the version is brought to, a valid body to mutate)
FUZZED = [
    pytest.param("tianjin_admin", "post", LISTS, None, tianjin_list(version=VERSION),
                 id="create"),
    pytest.param("tianjin_admin", "put", URL, "draft", tianjin_list(version=VERSION),
                 id="replace"),
    pytest.param("tianjin_admin", "post", f"{URL}/submit", "draft", {}, id="submit"),
    pytest.param("tianjin_approver", "post", f"{URL}/approval", "submitted",
                 {**APPROVAL, "decided_on": "2099-01-10", "reason": "符合要求"}, id="approval"),
    pytest.param("cac_filer", "post", f"{URL}/filings", "approved",
                 {**CAC_FILING, "filed_on": "2099-01-20"}, id="filings"),
    pytest.param("tianjin_admin", "post", f"{URL}/publish", "filed", PUBLICATION, id="publish"),
    pytest.param("tianjin_admin", "post", f"{URL}/revoke", "published", REVOCATION, id="revoke"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "method", "path", "stage", "base"), FUZZED)
def test_no_body_ever_makes_the_server_fail(people, who, method, path, stage, base):
    bring_to(people, stage)
    caller = people[who]

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=payloads(base))
    def throw(payload: tuple[str, Any]) -> None:
        kind, value = payload
        data = json.dumps(value, ensure_ascii=False).encode() if kind == "json" else value
        response = getattr(caller, method)(path, data=data, content_type="application/json", headers={"If-Match": "*"})
        assert response.status_code < 500, (payload, response.get_data(as_text=True))
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
        else:  # whatever was accepted can be read back
            assert caller.get(URL).status_code in (200, 404)
            assert caller.get(LISTS).status_code == 200

    for crasher in KNOWN_CRASHERS:
        throw = example(payload=crasher)(throw)
    throw()
