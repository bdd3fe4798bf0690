"""A Tianjin administrator takes a version from draft to published, as Article 6 requires:
the Tianjin commission approves, CAC and NDA file, and the public can then find it in force."""

from __future__ import annotations

import re

from sqlalchemy import inspect
from sqlmodel import Session, select

from registry.accounts.models import Account
from registry.db import get_engine
from registry.lists import services
from tests.factories import tianjin_list
from tests.lifecycle_helpers import Tianjin


def test_tianjin_list_from_draft_to_published(as_user, anonymous):
    tj = Tianjin(as_user)

    created = tj.admin.post(tj.url(), json=tianjin_list())
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/v1/zones/CN-TJ-FTZ/lists/2024")
    assert created.headers["ETag"]
    draft = created.get_json()
    assert draft["status"] == "draft" and draft["digest"] is None
    assert [item["code"] for item in draft["items"]] == ["AUTO-001", "AUTO-002", "HEALTH-001"]
    # The public cannot see a draft at all.
    assert anonymous.get(tj.url("2024")).status_code == 404
    assert anonymous.get(tj.url()).get_json() == []

    submitted = tj.submit("2024")
    assert submitted["status"] == "submitted"
    assert re.fullmatch(r"[0-9a-f]{64}", submitted["digest"])

    approved = tj.approve("2024", document_no="津网信委〔2024〕3号")
    assert approved["status"] == "approved"
    assert approved["approval"] == {
        "document_no": "津网信委〔2024〕3号",
        "decided_on": "2024-05-06",
    }

    after_cac = tj.file("2024", "CAC")
    assert after_cac["status"] == "approved", "filed only once both national bodies have it"
    filed = tj.file("2024", "NDA")
    assert filed["status"] == "filed"
    assert {f["authority"] for f in filed["filings"]} == {"CAC", "NDA"}

    published = tj.publish("2024", "2024-05-10")
    assert published["status"] == "published"
    assert published["effective_from"] == "2024-05-10"
    assert published["digest"] == submitted["digest"], "the digest is fixed at submission"

    history = published["history"]
    assert [h["action"] for h in history] == [
        "created",
        "submitted",
        "approved",
        "filed",
        "filed",
        "published",
    ]
    assert [h["actor"] for h in history] == [
        "tianjin-admin", "tianjin-admin", "tianjin-commission", "cac-filer", "nda-filer", "tianjin-admin",
    ]  # fmt: skip
    assert history[2]["document_no"] == "津网信委〔2024〕3号"
    assert [(h.get("authority"), h.get("document_no")) for h in history[3:5]] == [
        ("CAC", "CAC-2024-0017"),
        ("NDA", "NDA-2024-0017"),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", h["at"]) for h in history)
    keys = {"action", "actor", "actor_role", "at", "document_no", "authority", "reason", "on"}
    assert all(set(h) == keys for h in history), "every key in every entry, null where it has none"

    # Now anyone can read it, and it is the version in force.
    public = anonymous.get(tj.url("2024"))
    assert public.status_code == 200 and public.get_json()["items"] == published["items"]
    in_force = anonymous.get(tj.url("in-force") + "?on=2024-06-01")
    assert in_force.status_code == 200 and in_force.get_json()["version"] == "2024"
    listing = anonymous.get(tj.url()).get_json()
    assert [(v["version"], v["status"], v["item_count"]) for v in listing] == [("2024", "published", 3)]
    assert "items" not in listing[0]


def test_a_rejection_sends_the_version_back_to_draft_with_its_reason(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("submitted")
    rejected = tj.commission.post(
        tj.url("2024", "approval"),
        json={
            "decision": "rejected",
            "reason": "范围过宽，请补充场景说明",
            "document_no": "津网信委函〔2024〕9号",
        },
    )
    assert rejected.status_code == 200
    body = rejected.get_json()
    assert body["status"] == "draft" and body["digest"] is None
    assert body["history"][-1]["action"] == "rejected"
    assert body["history"][-1]["reason"] == "范围过宽，请补充场景说明"

    # The administrator fixes the draft and submits again; the approval then goes through.
    etag = tj.admin.get(tj.url("2024")).headers["ETag"]
    fixed = tj.admin.put(tj.url("2024"), json=tianjin_list(scope=["AUTO"]), headers={"If-Match": etag})
    assert fixed.status_code == 200 and fixed.get_json()["scope"] == ["AUTO"]
    assert tj.submit("2024")["status"] == "submitted"
    assert tj.approve("2024")["status"] == "approved"
    actions = [h["action"] for h in tj.admin.get(tj.url("2024")).get_json()["history"]]
    assert actions == ["created", "submitted", "rejected", "edited", "submitted", "approved"]


def test_each_step_out_of_order_is_a_conflict(as_user):
    tj = Tianjin(as_user)
    tj.draft("2024")
    assert (
        tj.commission.post(tj.url("2024", "approval"), json={"decision": "approved", "document_no": "X"}).status_code
        == 409
    )
    assert tj.cac.post(tj.url("2024", "filings"), json={"authority": "CAC", "filing_no": "1"}).status_code == 409
    assert tj.admin.post(tj.url("2024", "publish"), json={"effective_from": "2024-05-10"}).status_code == 409
    assert tj.admin.post(tj.url("2024", "revoke"), json={"revoked_on": "2024-05-10"}).status_code == 409
    tj.submit("2024")
    assert tj.admin.post(tj.url("2024", "submit")).status_code == 409
    tj.approve("2024")
    tj.file("2024", "CAC")
    # CAC cannot file twice, and an approved-but-half-filed version cannot be published.
    again = tj.cac.post(tj.url("2024", "filings"), json={"authority": "CAC", "filing_no": "2"})
    assert again.status_code == 409
    assert tj.admin.post(tj.url("2024", "publish"), json={"effective_from": "2024-05-10"}).status_code == 409
    tj.file("2024", "NDA")
    assert tj.nda.post(tj.url("2024", "filings"), json={"authority": "NDA", "filing_no": "3"}).status_code == 409
    tj.publish("2024", "2024-05-10")
    assert tj.admin.post(tj.url("2024", "publish"), json={"effective_from": "2024-06-10"}).status_code == 409
    tj.revoke("2024", "2099-01-01")
    assert tj.admin.post(tj.url("2024", "revoke"), json={"revoked_on": "2099-02-01"}).status_code == 409


def test_the_commission_may_revoke_and_the_reason_is_kept(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published")
    response = tj.commission.post(tj.url("2024", "revoke"), json={"revoked_on": "2099-03-01", "reason": "依法撤销"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "revoked" and body["revoked_on"] == "2099-03-01"
    assert body["history"][-1] | {"at": None} == {
        "action": "revoked", "actor": "tianjin-commission", "actor_role": "provincial_approver",
        "at": None, "reason": "依法撤销", "on": "2099-03-01", "document_no": None, "authority": None,
    }  # fmt: skip


def test_a_revocation_cannot_precede_the_effective_date(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published", effective_from="2024-05-10")
    response = tj.admin.post(tj.url("2024", "revoke"), json={"revoked_on": "2024-05-09"})
    assert response.status_code == 422
    assert "revoked_on" in response.get_json()["errors"]
    assert tj.admin.get(tj.url("2024")).get_json()["status"] == "published"


def test_a_submitted_version_is_frozen_even_in_the_database(app, as_user):
    """The triggers refuse edits to a frozen version's items, whatever code tries."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from registry.db import get_engine

    tj = Tianjin(as_user)
    tj.bring_to("submitted")
    engine = get_engine(app)
    with pytest.raises(DatabaseError, match="frozen"), engine.begin() as connection:
        connection.execute(text("UPDATE list_item SET mechanism = 'standard_contract_or_certification'"))
    with pytest.raises(DatabaseError, match="frozen"), engine.begin() as connection:
        connection.execute(text("DELETE FROM list_item"))


def test_a_listing_counts_each_versions_items_without_loading_them(app, as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published")
    tj.draft("2025", items=[])
    tj.draft("2026")
    listing = tj.admin.get(tj.url()).get_json()
    assert [(v["version"], v["item_count"]) for v in listing] == [("2026", 3), ("2025", 0), ("2024", 3)]

    with app.app_context(), Session(get_engine(app)) as session:
        admin = session.exec(select(Account).where(Account.name == "tianjin-admin")).one()
        versions = services.list_versions(session, admin, tj.zone)
        assert all({"items", "categories"} <= inspect(v).unloaded for v in versions)
        assert services.item_counts(session, versions) == {v.id: len(v.items) for v in versions}
