"""Two Tianjin editors, one draft: ETags keep one from silently overwriting the other."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import tianjin_list

ZONE = "CN-TJ-FTZ"
LISTS = f"/api/v1/zones/{ZONE}/lists"
VERSION = "test-2099"
URL = f"{LISTS}/{VERSION}"
PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def tianjin(as_user):
    return as_user("tianjin-admin", "zone_admin", zone=ZONE)


@pytest.fixture
def colleague(as_user):
    """A second administrator of the same zone."""
    return as_user("tianjin-colleague", "zone_admin", zone=ZONE)


@pytest.fixture
def draft(tianjin) -> str:
    """Create the Tianjin draft and return the ETag it was created with."""
    response = tianjin.post(LISTS, json=tianjin_list(version=VERSION))
    assert response.status_code == 201
    return response.headers["ETag"]


def revised(title: str) -> dict:
    return tianjin_list(version=VERSION, title=title)


def state(caller) -> tuple[str, str, int]:
    response = caller.get(URL)
    body = response.get_json()
    return response.headers["ETag"], body["title"], len(body["history"])


def test_a_draft_is_read_with_a_quoted_etag(tianjin, draft):
    response = tianjin.get(URL)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    assert not etag.startswith("W/")
    assert etag == draft, "creation answers with the ETag a read then gives"


def test_reading_twice_gives_the_same_etag(tianjin, draft):
    assert tianjin.get(URL).headers["ETag"] == tianjin.get(URL).headers["ETag"]


def test_a_replacement_with_the_current_etag_succeeds_and_changes_it(tianjin, draft):
    response = tianjin.put(URL, json=revised("第二稿"), headers={"If-Match": draft})

    assert response.status_code == 200
    new_etag = response.headers["ETag"]
    assert new_etag != draft
    assert state(tianjin) == (new_etag, "第二稿", 2)


def test_a_replacement_with_a_stale_etag_is_412_and_changes_nothing(tianjin, colleague, draft):
    first = colleague.put(URL, json=revised("同事的修改"), headers={"If-Match": draft})
    assert first.status_code == 200
    before = state(tianjin)

    response = tianjin.put(URL, json=revised("我的修改"), headers={"If-Match": draft})

    assert response.status_code == 412
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json()["status"] == 412
    assert state(tianjin) == before
    assert before[1] == "同事的修改"


def test_a_made_up_etag_is_412(tianjin, draft):
    before = state(tianjin)
    response = tianjin.put(URL, json=revised("我的修改"), headers={"If-Match": '"not-a-tag"'})
    assert response.status_code == 412
    assert state(tianjin) == before


def test_a_replacement_without_if_match_is_428_and_changes_nothing(tianjin, draft):
    before = state(tianjin)
    response = tianjin.put(URL, json=revised("我的修改"))
    assert response.status_code == 428
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json()["status"] == 428
    assert state(tianjin) == before


def test_an_empty_if_match_is_428(tianjin, draft):
    before = state(tianjin)
    response = tianjin.put(URL, json=revised("我的修改"), headers={"If-Match": ""})
    assert response.status_code == 428
    assert state(tianjin) == before


def test_if_match_star_replaces_whatever_is_there(tianjin, colleague, draft):
    colleague.put(URL, json=revised("同事的修改"), headers={"If-Match": draft})
    response = tianjin.put(URL, json=revised("覆盖"), headers={"If-Match": "*"})
    assert response.status_code == 200
    assert state(tianjin)[1] == "覆盖"


def test_if_match_may_list_several_tags(tianjin, draft):
    response = tianjin.put(URL, json=revised("第二稿"), headers={"If-Match": f'"older", {draft}'})
    assert response.status_code == 200


def test_a_replacement_after_submission_is_409_even_with_the_current_etag(tianjin, draft):
    submitted = tianjin.post(f"{URL}/submit")
    assert submitted.status_code == 200
    current = submitted.headers["ETag"]
    assert current != draft

    response = tianjin.put(URL, json=revised("提交后修改"), headers={"If-Match": current})

    assert response.status_code == 409
    assert response.mimetype == PROBLEM_JSON
    assert state(tianjin)[0] == current
    assert tianjin.get(URL).get_json()["status"] == "submitted"


def test_a_replacement_after_submission_with_the_old_etag_is_412(tianjin, draft):
    tianjin.post(f"{URL}/submit")
    before = state(tianjin)
    response = tianjin.put(URL, json=revised("提交后修改"), headers={"If-Match": draft})
    assert response.status_code == 412
    assert state(tianjin) == before


def test_a_replacement_with_if_match_star_after_submission_is_409(tianjin, draft):
    tianjin.post(f"{URL}/submit")
    response = tianjin.put(URL, json=revised("提交后修改"), headers={"If-Match": "*"})
    assert response.status_code == 409


def lifecycle_steps(tianjin, as_user) -> list[tuple[Any, str, dict | None]]:
    """Each lifecycle step after the draft: (who takes it, its path, its body)."""
    approver = as_user("tianjin-approver", "provincial_approver", province="CN-TJ")
    cac = as_user("cac", "national_filer", authority="CAC")
    nda = as_user("nda", "national_filer", authority="NDA")
    return [
        (tianjin, "submit", None),
        (approver, "approval", {"decision": "approved", "document_no": "津网信〔2099〕1号"}),
        (cac, "filings", {"authority": "CAC", "filing_no": "CAC-1"}),
        (nda, "filings", {"authority": "NDA", "filing_no": "NDA-1"}),
        (tianjin, "publish", {"effective_from": "2099-02-01"}),
        (approver, "revoke", {"revoked_on": "2099-03-01"}),
    ]


def test_every_lifecycle_step_answers_with_the_new_etag(tianjin, as_user, draft):
    steps = lifecycle_steps(tianjin, as_user)
    seen = {draft}
    for caller, step, body in steps:
        response = caller.post(f"{URL}/{step}", json=body)
        assert response.status_code == 200, (step, response.get_json())
        etag = response.headers["ETag"]
        assert etag not in seen, f"{step} kept an old ETag"
        assert tianjin.get(URL).headers["ETag"] == etag
        seen.add(etag)


def test_every_lifecycle_step_honours_if_match_when_it_is_sent(tianjin, as_user, draft):
    # Optional on the steps, but a stale one is refused: the caller decided on a state that is gone.
    steps = lifecycle_steps(tianjin, as_user)
    stale = '"0123456789abcdef0123456789abcdef"'
    for caller, step, body in steps:
        before = state(tianjin)
        for refused in (stale, f"W/{before[0]}"):  # a weak tag never matches (strong comparison)
            response = caller.post(f"{URL}/{step}", json=body, headers={"If-Match": refused})
            assert response.status_code == 412, (step, refused, response.get_json())
            assert response.mimetype == PROBLEM_JSON
            assert state(tianjin) == before, f"a refused {step} changed the version"
        response = caller.post(f"{URL}/{step}", json=body, headers={"If-Match": before[0]})
        assert response.status_code == 200, (step, response.get_json())


def test_a_weak_tag_never_matches_a_replacement(tianjin, draft):
    response = tianjin.put(URL, json=revised("第二稿"), headers={"If-Match": f"W/{draft}"})
    assert response.status_code == 412
    assert state(tianjin)[1] != "第二稿"


def test_if_none_match_with_another_etag_gives_the_version(tianjin, draft):
    response = tianjin.get(URL, headers={"If-None-Match": '"older"'})
    assert response.status_code == 200
    assert response.get_json()["version"] == VERSION


def test_if_none_match_with_the_current_etag_is_304(tianjin, draft):
    response = tianjin.get(URL, headers={"If-None-Match": draft})
    assert response.status_code == 304, response.get_data(as_text=True)
    assert response.headers["ETag"] == draft
    assert response.get_data() == b""


def test_if_none_match_does_not_reveal_a_draft_to_outsiders(anonymous, as_user, draft):
    beijing = as_user("beijing-admin", "zone_admin", zone="CN-BJ-FTZ")
    for outsider in (anonymous, beijing):
        response = outsider.get(URL, headers={"If-None-Match": draft})
        assert response.status_code == 404
        assert "ETag" not in response.headers
