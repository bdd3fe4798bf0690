"""The lifecycle rules on their own: the state machine and who may take each step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.accounts.models import Account
from registry.accounts.permissions import Action, may, visible_statuses
from registry.errors import Conflict
from registry.lists.lifecycle import TRANSITIONS, Status, next_status
from registry.zones.models import Zone

ALL = [s.value for s in Status]
EXPECTED = {
    ("submit", "draft"): "submitted",
    ("approve", "submitted"): "approved",
    ("reject", "submitted"): "draft",
    ("publish", "filed"): "published",
    ("revoke", "published"): "revoked",
    ("edit", "draft"): "draft",
    ("withdraw", "draft"): "withdrawn",
}


@pytest.mark.parametrize("action", sorted(set(TRANSITIONS) - {"file"}))
@pytest.mark.parametrize("status", ALL)
def test_each_action_is_allowed_from_exactly_one_status(action, status):
    if (action, status) in EXPECTED:
        assert next_status(action, status) == EXPECTED[(action, status)]
    else:
        with pytest.raises(Conflict):
            next_status(action, status)


@pytest.mark.parametrize(
    ("on_file", "expected"),
    [({"CAC"}, "approved"), ({"NDA"}, "approved"), ({"CAC", "NDA"}, "filed")],
)
def test_a_version_is_filed_only_once_both_authorities_have_it(on_file, expected):
    assert next_status("file", "approved", authorities_on_file=frozenset(on_file)) == expected


@pytest.mark.parametrize("status", [s for s in ALL if s != "approved"])
def test_filing_needs_an_approved_version(status):
    with pytest.raises(Conflict):
        next_status("file", status, authorities_on_file=frozenset({"CAC", "NDA"}))


def test_only_a_draft_is_editable():
    assert [s for s in ALL if s in TRANSITIONS["edit"][0]] == ["draft"]


TIANJIN = Zone(code="CN-TJ-FTZ", name_zh="天津", name_en="Tianjin", province="CN-TJ", kind="pilot_ftz")


def _account(role: str, **scope) -> Account:
    return Account(name=role, role=role, created_at=datetime.now(UTC), **scope)


ACCOUNTS = {
    "tianjin admin": _account("zone_admin", zone_code="CN-TJ-FTZ"),
    "beijing admin": _account("zone_admin", zone_code="CN-BJ-FTZ"),
    "tianjin approver": _account("provincial_approver", province="CN-TJ"),
    "beijing approver": _account("provincial_approver", province="CN-BJ"),
    "CAC filer": _account("national_filer", authority="CAC"),
    "NDA filer": _account("national_filer", authority="NDA"),
    "admin": _account("admin"),
    "anonymous": None,
}
ALLOWED = {
    Action.CREATE: {"tianjin admin"},
    Action.EDIT: {"tianjin admin"},
    Action.SUBMIT: {"tianjin admin"},
    Action.PUBLISH: {"tianjin admin"},
    Action.DECIDE_APPROVAL: {"tianjin approver"},
    Action.REVOKE: {"tianjin admin", "tianjin approver"},
    Action.WITHDRAW: {"tianjin admin"},
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("who", list(ACCOUNTS))
def test_who_may_act_on_tianjin_lists(action, who):
    assert may(ACCOUNTS[who], action, TIANJIN) == (who in ALLOWED[action])


@pytest.mark.parametrize("who", list(ACCOUNTS))
@pytest.mark.parametrize("authority", ["CAC", "NDA"])
def test_a_filer_files_only_for_its_own_authority(who, authority):
    assert may(ACCOUNTS[who], Action.FILE, TIANJIN, authority) == (who == f"{authority} filer")


def test_an_inactive_account_may_do_nothing():
    account = _account("zone_admin", zone_code="CN-TJ-FTZ")
    account.active = False
    assert not any(may(account, action, TIANJIN) for action in Action)


def test_who_sees_what():
    assert visible_statuses(None, TIANJIN) == {"published", "revoked"}
    assert "draft" in visible_statuses(ACCOUNTS["tianjin admin"], TIANJIN)
    assert "draft" not in visible_statuses(ACCOUNTS["beijing admin"], TIANJIN)
    assert visible_statuses(ACCOUNTS["tianjin approver"], TIANJIN) == set(ALL) - {"draft", "withdrawn"}
    assert visible_statuses(ACCOUNTS["beijing approver"], TIANJIN) == {"published", "revoked"}
    assert visible_statuses(ACCOUNTS["CAC filer"], TIANJIN) == set(ALL) - {"draft", "withdrawn"}
    # A withdrawn draft is nobody's to read, not even its zone's or the administrator's.
    assert not any("withdrawn" in visible_statuses(account, TIANJIN) for account in ACCOUNTS.values())
