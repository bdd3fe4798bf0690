"""Who may do what, in one place, for the API and the pages alike (docs/api.md, "Roles")."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, select

from registry.accounts.models import Account
from registry.audit.models import AuditEvent
from registry.lists.lifecycle import EVER_PUBLISHED, Status
from registry.lists.models import ListVersion
from registry.zones.models import Zone


class Role(StrEnum):
    ZONE_ADMIN = "zone_admin"
    PROVINCIAL_APPROVER = "provincial_approver"
    NATIONAL_FILER = "national_filer"
    ADMIN = "admin"


class Authority(StrEnum):
    """The two national bodies a list is filed with (Art. 6)."""

    CAC = "CAC"  # 国家网信部门
    NDA = "NDA"  # 国家数据管理部门


class Action(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    DECIDE_APPROVAL = "approval"
    FILE = "file"
    PUBLISH = "publish"
    REVOKE = "revoke"
    WITHDRAW = "withdraw"


def is_zone_admin_of(account: Account | None, zone: Zone) -> bool:
    return account is not None and account.role == Role.ZONE_ADMIN and account.zone_code == zone.code


def is_approver_of(account: Account | None, zone: Zone) -> bool:
    return account is not None and account.role == Role.PROVINCIAL_APPROVER and account.province == zone.province


def may(account: Account | None, action: Action, zone: Zone, authority: str | None = None) -> bool:
    """Return whether ``account`` may take ``action`` on a list version of ``zone``.

    ``authority`` is the filing's authority for :attr:`Action.FILE`; None means "any", which is
    how the API checks the role before it has read the request body.
    """
    if account is None or not account.active:
        return False
    match action:
        case Action.CREATE | Action.EDIT | Action.SUBMIT | Action.PUBLISH | Action.WITHDRAW:
            return is_zone_admin_of(account, zone)
        case Action.DECIDE_APPROVAL:
            return is_approver_of(account, zone)
        case Action.FILE:
            return account.role == Role.NATIONAL_FILER and (authority is None or account.authority == authority)
        case Action.REVOKE:
            return is_zone_admin_of(account, zone) or is_approver_of(account, zone)
    return False


def may_manage_accounts(account: Account | None) -> bool:
    """Whether ``account`` may list the accounts and revoke their tokens (administrators only)."""
    return account is not None and account.active and account.role == Role.ADMIN


# Everyone may read the published record; the staff also what lies between submission and it.
PUBLIC_STATUSES = frozenset(EVER_PUBLISHED)
# A withdrawn draft is gone from every listing and page; only the audit trail keeps it.
_AFTER_SUBMISSION = frozenset(Status) - PUBLIC_STATUSES - {Status.DRAFT, Status.WITHDRAWN}


def visible_statuses(account: Account | None, zone: Zone) -> frozenset[Status]:
    """Return the version statuses ``account`` may read in ``zone``.

    Drafts are the zone's own work; the approver sees what was submitted to it, the national
    filers what reaches them; everyone sees what has been published.
    """
    if account is None or not account.active:
        return PUBLIC_STATUSES
    if account.role == Role.ADMIN or is_zone_admin_of(account, zone):
        return PUBLIC_STATUSES | _AFTER_SUBMISSION | {Status.DRAFT}
    if is_approver_of(account, zone) or account.role == Role.NATIONAL_FILER:
        return PUBLIC_STATUSES | _AFTER_SUBMISSION
    return PUBLIC_STATUSES


def readable_events(session: Session, account: Account) -> ColumnElement[bool] | None:
    """Return a filter of the audit events ``account`` may read (None: all of them).

    Administrators read everything. Others read the events of the list versions they may read
    now (:func:`visible_statuses`), zone administrators also those of the drafts they withdrew,
    and zone administrators and approvers also the events about
    their own zones that concern no version; account events are for administrators only.
    """
    if account.role == Role.ADMIN:
        return None
    clauses = []
    for zone in session.exec(select(Zone)):
        statuses = set(visible_statuses(account, zone))
        if is_zone_admin_of(account, zone):
            statuses.add(Status.WITHDRAWN)  # its own drafts, withdrawn: the trail keeps them for the zone
        statuses = sorted(statuses)
        clauses.append(
            (AuditEvent.zone_code == zone.code)
            & AuditEvent.list_version_id.in_(
                select(ListVersion.id).where(ListVersion.zone_code == zone.code, ListVersion.status.in_(statuses))
            )
        )
        if is_zone_admin_of(account, zone) or is_approver_of(account, zone):
            clauses.append(
                (AuditEvent.zone_code == zone.code)
                & AuditEvent.list_version_id.is_(None)
                & (AuditEvent.action != "account_created")
            )
    return or_(*clauses)
