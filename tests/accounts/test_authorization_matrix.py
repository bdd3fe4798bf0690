"""Who may take each step of a list version's lifecycle: the whole matrix, cell by cell.

Eight callers (docs/api.md, "Roles"): Tianjin's zone administrator and its neighbour Beijing's,
the Tianjin and Beijing provincial approvers, the CAC and NDA filers, the system administrator
and an anonymous caller. For every mutating call a Tianjin version is first brought, through the
real API and by the legitimate accounts, to the state the call needs; then each caller tries it.
The allowed caller succeeds; everyone else hears 403 (401 when anonymous), and a refused call
leaves the version exactly as it was: same ETag, same status, same history.

A second matrix covers reading: drafts and versions on their way to publication are invisible
(404) to those who may not see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import tianjin_list

ZONE = "CN-TJ-FTZ"
LISTS = f"/api/v1/zones/{ZONE}/lists"
# A label no seeded list of record will ever use, so the tests own this version outright.
VERSION = "test-2099"
URL = f"{LISTS}/{VERSION}"
PROBLEM_JSON = "application/problem+json"

# name → (role, scope); None is the anonymous caller.
ACCOUNTS: dict[str, tuple[str, dict[str, str]] | None] = {
    "tianjin_admin": ("zone_admin", {"zone": "CN-TJ-FTZ"}),
    "beijing_admin": ("zone_admin", {"zone": "CN-BJ-FTZ"}),
    "tianjin_approver": ("provincial_approver", {"province": "CN-TJ"}),
    "beijing_approver": ("provincial_approver", {"province": "CN-BJ"}),
    "cac_filer": ("national_filer", {"authority": "CAC"}),
    "nda_filer": ("national_filer", {"authority": "NDA"}),
    "admin": ("admin", {}),
    "anonymous": None,
}

APPROVAL = {"decision": "approved", "document_no": "津网信〔2099〕1号", "decided_on": "2025-01-10"}
REJECTION = {"decision": "rejected", "reason": "类别划分需细化。"}
CAC_FILING = {"authority": "CAC", "filing_no": "CAC-2099-001", "filed_on": "2025-01-20"}
NDA_FILING = {"authority": "NDA", "filing_no": "NDA-2099-001", "filed_on": "2025-01-21"}
PUBLICATION = {"effective_from": "2099-02-01"}
REVOCATION = {"revoked_on": "2099-06-30", "reason": "被新版清单取代。"}

# The legitimate road from nothing to revoked: (status reached, who acts, method, path, body).
ROAD: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
    ("draft", "tianjin_admin", "post", LISTS, tianjin_list(version=VERSION)),
    ("submitted", "tianjin_admin", "post", f"{URL}/submit", None),
    ("approved", "tianjin_approver", "post", f"{URL}/approval", APPROVAL),
    ("approved+CAC", "cac_filer", "post", f"{URL}/filings", CAC_FILING),
    ("filed", "nda_filer", "post", f"{URL}/filings", NDA_FILING),
    ("published", "tianjin_admin", "post", f"{URL}/publish", PUBLICATION),
    ("revoked", "tianjin_admin", "post", f"{URL}/revoke", REVOCATION),
]
STAGES = [stage for stage, *_ in ROAD]


@pytest.fixture
def people(as_user, anonymous) -> dict[str, Any]:
    """Every caller of the matrix, each with a fresh token."""
    callers: dict[str, Any] = {}
    for name, account in ACCOUNTS.items():
        if account is None:
            callers[name] = anonymous
        else:
            role, scope = account
            callers[name] = as_user(name, role, **scope)
    return callers


def bring_to(people: dict[str, Any], stage: str | None) -> None:
    """Drive the Tianjin version through the real API, by the legitimate accounts, to ``stage``."""
    if stage is None:
        return
    for reached, who, method, path, body in ROAD:
        response = getattr(people[who], method)(path, json=body)
        assert response.status_code in (200, 201), (reached, response.get_json())
        if reached == stage:
            return
    raise AssertionError(f"unknown stage {stage}")


def snapshot(people: dict[str, Any]) -> dict[str, Any]:
    """What the Tianjin administrator sees of the version (and of the zone's versions)."""
    admin = people["tianjin_admin"]
    response = admin.get(URL)
    listing = admin.get(LISTS).get_json()
    state: dict[str, Any] = {"code": response.status_code, "versions": len(listing)}
    if response.status_code == 200:
        body = response.get_json()
        state.update(
            etag=response.headers["ETag"],
            status=body["status"],
            history=len(body["history"]),
            filings=len(body["filings"]),
        )
    return state


@dataclass(frozen=True)
class Call:
    """One mutating call of the lifecycle."""

    name: str
    needs: str | None  # the stage the version must be in; None: it must not exist yet
    method: str
    path: str
    body: dict[str, Any] | None
    allowed: frozenset[str]
    success: int = 200
    leads_to: str = ""
    if_match: bool = False


CALLS = [
    Call("create a draft", None, "post", LISTS, tianjin_list(version=VERSION),
         frozenset({"tianjin_admin"}), 201, "draft"),
    Call("replace the draft", "draft", "put", URL, tianjin_list(version=VERSION, title="修订稿"),
         frozenset({"tianjin_admin"}), 200, "draft", if_match=True),
    Call("submit", "draft", "post", f"{URL}/submit", None,
         frozenset({"tianjin_admin"}), 200, "submitted"),
    Call("approve", "submitted", "post", f"{URL}/approval", APPROVAL,
         frozenset({"tianjin_approver"}), 200, "approved"),
    Call("reject", "submitted", "post", f"{URL}/approval", REJECTION,
         frozenset({"tianjin_approver"}), 200, "draft"),
    Call("record the CAC filing", "approved", "post", f"{URL}/filings", CAC_FILING,
         frozenset({"cac_filer"}), 200, "approved"),
    Call("record the NDA filing", "approved", "post", f"{URL}/filings", NDA_FILING,
         frozenset({"nda_filer"}), 200, "approved"),
    Call("publish", "filed", "post", f"{URL}/publish", PUBLICATION,
         frozenset({"tianjin_admin"}), 200, "published"),
    Call("revoke", "published", "post", f"{URL}/revoke", REVOCATION,
         frozenset({"tianjin_admin", "tianjin_approver"}), 200, "revoked"),
]  # fmt: skip


def expected_status(call: Call, who: str) -> int:
    if who in call.allowed:
        return call.success
    return 401 if who == "anonymous" else 403


MATRIX = [
    pytest.param(
        call,
        who,
        id=f"{who} {'may' if who in call.allowed else 'may not'} {call.name}".replace(" ", "_"),
    )
    for call in CALLS
    for who in ACCOUNTS
]


@pytest.mark.parametrize(("call", "who"), MATRIX)
def test_lifecycle_call(people, call: Call, who: str):
    bring_to(people, call.needs)
    before = snapshot(people)
    headers = {"If-Match": before["etag"]} if call.if_match else {}

    response = getattr(people[who], call.method)(call.path, json=call.body, headers=headers)

    expected = expected_status(call, who)
    assert response.status_code == expected, response.get_json()
    if expected < 300:
        body = response.get_json()
        assert body["status"] == call.leads_to
        assert len(body["history"]) == before.get("history", 0) + 1
        assert body["history"][-1]["actor"] == who
        assert response.headers["ETag"] == snapshot(people)["etag"]
        assert response.headers["ETag"] != before.get("etag")
        return
    problem = response.get_json()
    assert response.mimetype == PROBLEM_JSON
    assert problem["status"] == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(people) == before, "a refused call changed the version"


def test_the_whole_road_is_walked_by_the_legitimate_accounts(people):
    bring_to(people, "revoked")
    version = people["tianjin_admin"].get(URL).get_json()
    actions = [(entry["action"], entry["actor"]) for entry in version["history"]]
    assert actions == [
        ("created", "tianjin_admin"),
        ("submitted", "tianjin_admin"),
        ("approved", "tianjin_approver"),
        ("filed", "cac_filer"),
        ("filed", "nda_filer"),
        ("published", "tianjin_admin"),
        ("revoked", "tianjin_admin"),
    ]


def test_the_tianjin_approver_may_also_revoke(people):
    bring_to(people, "published")
    response = people["tianjin_approver"].post(f"{URL}/revoke", json=REVOCATION)
    assert response.status_code == 200
    assert response.get_json()["history"][-1]["actor"] == "tianjin_approver"


def test_both_filings_make_the_version_filed_whatever_the_order(people):
    bring_to(people, "approved")
    assert people["nda_filer"].post(f"{URL}/filings", json=NDA_FILING).get_json()["status"] == ("approved")
    response = people["cac_filer"].post(f"{URL}/filings", json=CAC_FILING)
    assert response.status_code == 200
    assert response.get_json()["status"] == "filed"


# --- refusals come before validation ---------------------------------------------------------

GARBAGE = {"nonsense": True}
MUTATING = [
    ("post", LISTS, None),
    ("put", URL, "draft"),
    ("post", f"{URL}/submit", "draft"),
    ("post", f"{URL}/approval", "submitted"),
    ("post", f"{URL}/filings", "approved"),
    ("post", f"{URL}/publish", "filed"),
    ("post", f"{URL}/revoke", "published"),
]
MUTATING_IDS = [f"{method} {path.removeprefix(LISTS) or '/'}" for method, path, _ in MUTATING]


@pytest.mark.parametrize(("method", "path", "stage"), MUTATING, ids=MUTATING_IDS)
def test_an_anonymous_caller_hears_401_before_any_validation(people, method, path, stage):
    bring_to(people, stage)
    before = snapshot(people)
    response = getattr(people["anonymous"], method)(path, json=GARBAGE)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM_JSON
    assert "errors" not in response.get_json()
    assert snapshot(people) == before


@pytest.mark.parametrize(("method", "path", "stage"), MUTATING, ids=MUTATING_IDS)
def test_a_beijing_administrator_hears_403_not_422_for_an_invalid_body(people, method, path, stage):
    bring_to(people, stage)
    before = snapshot(people)
    response = getattr(people["beijing_admin"], method)(path, json=GARBAGE, headers={"If-Match": "*"})
    assert response.status_code == 403
    assert "errors" not in response.get_json()
    assert snapshot(people) == before


def test_an_anonymous_caller_hears_401_even_for_an_unknown_zone(people):
    response = people["anonymous"].post("/api/v1/zones/CN-XX-FTZ/lists", json=GARBAGE)
    assert response.status_code == 401


def test_a_cac_filer_cannot_record_the_nda_filing(people):
    bring_to(people, "approved")
    before = snapshot(people)
    response = people["cac_filer"].post(f"{URL}/filings", json=NDA_FILING)
    assert response.status_code == 403
    assert snapshot(people) == before


def test_a_beijing_administrator_cannot_create_a_draft_for_tianjin_even_via_its_own_body(people):
    response = people["beijing_admin"].post(LISTS, json=tianjin_list(version=VERSION))
    assert response.status_code == 403
    assert people["tianjin_admin"].get(URL).status_code == 404


def test_the_beijing_administrator_still_acts_in_its_own_zone(people):
    response = people["beijing_admin"].post("/api/v1/zones/CN-BJ-FTZ/lists", json=tianjin_list(version=VERSION))
    assert response.status_code == 201
    assert response.get_json()["zone"] == "CN-BJ-FTZ"


# --- who sees what -------------------------------------------------------------------------

EVERYTHING = {"draft", "submitted", "approved", "filed", "published", "revoked"}
FROM_SUBMISSION = EVERYTHING - {"draft"}
PUBLIC = {"published", "revoked"}
SEES: dict[str, set[str]] = {
    "tianjin_admin": EVERYTHING,
    "beijing_admin": PUBLIC,
    "tianjin_approver": FROM_SUBMISSION,
    "beijing_approver": PUBLIC,
    "cac_filer": FROM_SUBMISSION,
    "nda_filer": FROM_SUBMISSION,
    "admin": EVERYTHING,
    "anonymous": PUBLIC,
}
READ_STAGES = ["draft", "submitted", "approved", "filed", "published", "revoked"]
VISIBILITY = [
    pytest.param(
        stage,
        who,
        id=f"{who} {'sees' if stage in SEES[who] else 'does not see'} a {stage} version".replace(" ", "_"),
    )
    for stage in READ_STAGES
    for who in ACCOUNTS
]


@pytest.mark.parametrize(("stage", "who"), VISIBILITY)
def test_visibility(people, stage: str, who: str):
    bring_to(people, stage)
    caller = people[who]

    one = caller.get(URL)
    listed = [v["version"] for v in caller.get(LISTS).get_json()]

    if stage in SEES[who]:
        assert one.status_code == 200
        assert one.get_json()["status"] == stage
        assert VERSION in listed
    else:
        assert one.status_code == 404
        assert one.mimetype == PROBLEM_JSON
        assert VERSION not in listed
        # Not revealed through the diff either.
        assert caller.get(f"{URL}/diff/{VERSION}").status_code == 404


def test_a_rejected_version_disappears_from_the_approver_view_again(people):
    bring_to(people, "submitted")
    people["tianjin_approver"].post(f"{URL}/approval", json=REJECTION)
    assert people["tianjin_approver"].get(URL).status_code == 404
    assert people["tianjin_admin"].get(URL).get_json()["status"] == "draft"
