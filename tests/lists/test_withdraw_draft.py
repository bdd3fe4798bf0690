"""A zone administrator withdraws a draft (contract v1.1): it is gone, the audit trail keeps it."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.db import get_session
from registry.lists.models import ListCategory, ListItem, ListVersion
from tests.lifecycle_helpers import Tianjin


@pytest.fixture
def tianjin(as_user) -> Tianjin:
    return Tianjin(as_user)


def _rows(app, model, version_id: int) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(model).where(model.list_version_id == version_id)
        return get_session().exec(statement).one()


def _version_id(app, zone: str, label: str) -> int:
    with app.app_context():
        statement = select(ListVersion.id).where(ListVersion.zone_code == zone, ListVersion.version == label)
        return get_session().exec(statement).one()


def test_the_tianjin_admin_withdraws_a_draft_and_it_is_gone(app, tianjin):
    draft = tianjin.draft("2026")
    assert draft["items"] and draft["categories"], "a draft with content, so the triggers are exercised"
    version_id = _version_id(app, "CN-TJ-FTZ", "2026")
    tianjin.draft("2027")

    response = tianjin.admin.delete(tianjin.url("2026"))
    assert response.status_code == 204 and response.data == b""

    assert tianjin.admin.get(tianjin.url("2026")).status_code == 404
    assert [v["version"] for v in tianjin.admin.get(tianjin.url()).get_json()] == ["2027"]
    assert tianjin.admin.delete(tianjin.url("2026")).status_code == 404, "withdrawn once"
    # Its content is deleted (the frozen-content triggers let a draft's rows go) ...
    assert _rows(app, ListItem, version_id) == 0 and _rows(app, ListCategory, version_id) == 0
    # ... and the label is free for a new draft, which starts with a history of its own.
    again = tianjin.draft("2026")
    assert [h["action"] for h in again["history"]] == ["created"]


def test_the_audit_trail_keeps_the_withdrawal_in_its_hash_chain(app, tianjin):
    tianjin.draft("2026")
    version_id = _version_id(app, "CN-TJ-FTZ", "2026")
    assert tianjin.admin.delete(tianjin.url("2026")).status_code == 204
    with app.app_context():
        session = get_session()
        events = list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))
        last = events[-1]
        assert (last.action, last.actor, last.zone_code, last.version) == (
            "withdrawn", "tianjin-admin", "CN-TJ-FTZ", "2026",
        )  # fmt: skip
        assert last.list_version_id == version_id and last.prev_hash == events[-2].hash
        assert [e.action for e in events if e.list_version_id == version_id] == ["created", "withdrawn"]
        assert verify_chain(session) == (True, None)
        assert session.get(ListVersion, version_id).status == "withdrawn"


@pytest.mark.parametrize("status", ["submitted", "approved", "filed", "published", "revoked"])
def test_only_a_draft_can_be_withdrawn(app, tianjin, status):
    before = tianjin.bring_to(status, "2024")
    response = tianjin.admin.delete(tianjin.url("2024"))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "Only a draft can be withdrawn" in response.get_json()["detail"]
    after = tianjin.admin.get(tianjin.url("2024")).get_json()
    assert after["status"] == status and after["items"] == before["items"]
    assert after["history"][-1]["action"] == before["history"][-1]["action"]


def test_who_may_withdraw(tianjin, as_user, anonymous, client):
    tianjin.draft("2026")
    url = tianjin.url("2026")
    assert anonymous.delete(url).status_code == 401
    assert client.delete(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    others = [
        as_user("beijing-admin", "zone_admin", zone="CN-BJ-FTZ"),
        tianjin.commission,
        tianjin.cac,
        as_user("root", "admin"),
    ]
    for other in others:
        assert other.delete(url).status_code == 403
    assert tianjin.admin.get(url).status_code == 200, "still there"


def test_unknown_zone_or_version_and_a_stale_etag(tianjin, as_user):
    tianjin.draft("2026")
    assert tianjin.admin.delete(tianjin.url("2099")).status_code == 404
    assert tianjin.admin.delete("/api/v1/zones/CN-XX-FTZ/lists/2026").status_code == 404
    stale = tianjin.admin.delete(tianjin.url("2026"), headers={"If-Match": '"not-the-etag"'})
    assert stale.status_code == 412
    etag = tianjin.admin.get(tianjin.url("2026")).headers["ETag"]
    assert tianjin.admin.delete(tianjin.url("2026"), headers={"If-Match": etag}).status_code == 204
