"""List versions: read, draft, and the lifecycle steps of Article 6.

Each step is one function that checks the role and scope, the version's state, writes the audit
event and commits, or raises a :mod:`registry.errors` error and changes nothing. With ``dry_run``
a step runs every check and then rolls back: the pages ask it before their confirmation page.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, NamedTuple

from marshmallow import ValidationError
from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlmodel import Session, select

from registry import clock
from registry.accounts.models import Account
from registry.accounts.permissions import Action, may, visible_statuses
from registry.audit.models import AuditEvent
from registry.audit.services import Actor, record_event, version_history
from registry.checks.engine import ORDER_IN_FORCE_FROM
from registry.clock import iso_utc, utcnow
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from registry.lists.canonical import content_digest
from registry.lists.lifecycle import EVER_PUBLISHED, Status, next_status
from registry.lists.models import Filing, ListCategory, ListItem, ListVersion
from registry.lists.schemas import ListVersionCreateSchema, is_valid_version_label
from registry.lists.spreadsheet import export_csv, export_xlsx, import_spreadsheet
from registry.messages import Message
from registry.zones.models import Zone
from registry.zones.services import get_zone


def actor_of(account: Account) -> Actor:
    """Return the audit actor for ``account``."""
    return Actor(name=account.name, role=account.role)


def _require(account: Account | None, action: Action, zone: Zone, authority: str | None = None) -> Account:
    if account is None or not may(account, action, zone, authority):
        who = "Anonymous callers" if account is None else f"The {account.role} account {account.name!r}"
        raise Forbidden(f"{who} may not {action.value} list versions of {zone.code}.")
    return account


def authorize(account: Account | None, action: Action, zone: Zone, authority: str | None = None) -> None:
    """Check role and scope only (before the request body is read).

    :raise Forbidden: the account's role or scope does not allow the action.
    """
    _require(account, action, zone, authority)


# --- reading -------------------------------------------------------------------------------


def _find_version(session: Session, zone: Zone, version: str, *, for_update: bool = False) -> ListVersion | None:
    if not is_valid_version_label(version):
        return None
    statement = select(ListVersion).where(ListVersion.zone_code == zone.code, ListVersion.version == version)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def get_version(
    session: Session,
    viewer: Account | None,
    zone_code: str,
    version: str,
    *,
    for_update: bool = False,
) -> ListVersion:
    """Return a version ``viewer`` may see.

    :raise NotFound: unknown zone or version, or a version the viewer may not see (not revealed).
    """
    zone = get_zone(session, zone_code)
    found = _find_version(session, zone, version, for_update=for_update)
    if found is None or found.status not in visible_statuses(viewer, zone):
        raise NotFound(f"No list version {version!r} of {zone.code}.")
    return found


def _version_for_action(session: Session, zone: Zone, version: str, if_match: str | None = None) -> ListVersion:
    # The caller's role and scope are already checked, so the version's existence is no secret:
    # a step the state does not allow is a 409 even on a version the caller may not read.
    found = _find_version(session, zone, version, for_update=True)
    if found is None:
        raise NotFound(f"No list version {version!r} of {zone.code}.")
    check_if_match(found, if_match)  # read under the row lock, so the step acts on the state the caller saw
    return found


def list_versions(session: Session, viewer: Account | None, zone_code: str) -> list[ListVersion]:
    """Return the versions of a zone that ``viewer`` may see, newest first.

    Their items and categories are loaded only if asked for: a listing needs the counts
    (:func:`item_counts`), not every item of every version.
    """
    zone = get_zone(session, zone_code)
    statement = (
        select(ListVersion)
        .options(lazyload(ListVersion.items), lazyload(ListVersion.categories))
        .where(
            ListVersion.zone_code == zone.code,
            ListVersion.status.in_(sorted(visible_statuses(viewer, zone))),
        )
        .order_by(ListVersion.created_at.desc(), ListVersion.id.desc())
    )
    return list(session.exec(statement))


def item_counts(session: Session, versions: list[ListVersion]) -> dict[int, int]:
    """Return the number of items of each version, by id, in one grouped query."""
    ids = [v.id for v in versions]
    if not ids:
        return {}
    counts = dict.fromkeys(ids, 0)
    statement = select(ListItem.list_version_id, func.count()).where(ListItem.list_version_id.in_(ids))
    counts.update(session.exec(statement.group_by(ListItem.list_version_id)).all())
    return counts


# Built once with bound parameters: checks run this on every request, and SQLAlchemy then reuses
# the compiled statement instead of building and hashing a new one each time.
_IN_FORCE = (
    select(ListVersion.id, ListVersion.version, ListVersion.digest, ListVersion.revoked_on)
    .where(
        ListVersion.zone_code == bindparam("zone"),
        ListVersion.status.in_([s.value for s in EVER_PUBLISHED]),
        ListVersion.effective_from <= bindparam("on"),
    )
    .order_by(ListVersion.effective_from.desc(), ListVersion.published_at.desc(), ListVersion.id.desc())
    .limit(1)
)


class InForceRef(NamedTuple):
    """The few columns a check needs of the version in force."""

    id: int
    version: str
    digest: str | None


def in_force_ref(session: Session, zone_code: str, on: date) -> InForceRef | None:
    """Return the id, label and digest of the version in force in a zone on ``on``, or None.

    Among the versions ever published, the one with the latest ``effective_from`` on or before
    ``on`` (the later publication wins a tie) — unless it was revoked on or before ``on``: a
    revocation does not revive the version it superseded.

    :raise NotFound: unknown zone.
    """
    # A Core statement on the session's own connection (same transaction, so it sees what this
    # request wrote): the hot path of every check, which needs no ORM machinery for it.
    latest = session.connection().execute(_IN_FORCE, {"zone": zone_code, "on": on}).first()
    if latest is None:
        get_zone(session, zone_code)  # 404 for an unknown zone; a known one simply has none
        return None
    if latest.revoked_on is not None and latest.revoked_on <= on:
        return None
    return InForceRef(latest.id, latest.version, latest.digest)


def in_force_on(session: Session, zone_code: str, on: date) -> ListVersion | None:
    """Return the whole version in force in a zone on ``on`` (see :func:`in_force_ref`), or None."""
    ref = in_force_ref(session, zone_code, on)
    return session.get(ListVersion, ref.id) if ref else None


# --- representation ------------------------------------------------------------------------


def item_dict(item: ListItem) -> dict[str, Any]:
    """Return an item as the contract shows it."""
    return {
        "code": item.code,
        "category": item.category,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "description": item.description,
        "level": item.level,
        "mechanism": item.mechanism,
        "conditions": list(item.conditions),
    }


def content_of(version: ListVersion) -> dict[str, Any]:
    """Return what a version says: the fields its digest covers."""
    return {
        "title": version.title,
        "categories": [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in version.categories],
        "scope": list(version.scope),
        "scope_complete": version.scope_complete,
        "excludes_ciio": version.excludes_ciio,
        "items_complete": version.items_complete,
        "attributes": list(version.attributes),
        "items": [item_dict(i) for i in version.items],
    }


def _history_entry(event: AuditEvent) -> dict[str, Any]:
    # Every key always present (null when the step has none), so clients can read them uniformly.
    return {
        "action": event.action,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "at": iso_utc(event.at),
        "document_no": event.document_no,
        "authority": event.authority,
        "reason": event.reason,
        "on": event.details.get("on"),
    }


def summary_dict(version: ListVersion, item_count: int | None = None) -> dict[str, Any]:
    """Return a version without its items, categories and history.

    ``item_count`` saves loading the items when the caller has counted them (:func:`item_counts`).
    """
    return {
        "zone": version.zone_code,
        "version": version.version,
        "title": version.title,
        "status": version.status,
        "effective_from": version.effective_from,
        "revoked_on": version.revoked_on,
        "digest": version.digest,
        "scope": list(version.scope),
        "scope_complete": version.scope_complete,
        "excludes_ciio": version.excludes_ciio,
        "items_complete": version.items_complete,
        "item_count": len(version.items) if item_count is None else item_count,
        "approval": (
            {"document_no": version.approval_document_no, "decided_on": version.approved_on}
            if version.approval_document_no
            else None
        ),
        "filings": [
            {"authority": f.authority, "filing_no": f.filing_no, "filed_on": f.filed_on} for f in version.filings
        ],
        "record": dict(version.record),
        "of_record": _of_record(version),
        "created_at": iso_utc(version.created_at),
        "updated_at": iso_utc(version.updated_at),
    }


NOT_STATED = "not stated in the sources"


def _of_record(version: ListVersion) -> dict[str, Any] | None:
    """For a list of record (seeded): whether its sources state its approval and each filing.

    A step no source reports is ``"not stated in the sources"`` (未见公开来源载明), never
    "approved, number not published". None for a version that went through the lifecycle here.
    """
    record = version.record or {}
    if not record.get("seed_file"):
        return None
    reported = {f.get("authority") for f in record.get("filings") or () if f.get("status") == "reported"}
    return {
        "approval": "reported" if (record.get("approval") or {}).get("status") == "reported" else NOT_STATED,
        "filings": {authority: "reported" if authority in reported else NOT_STATED for authority in ("CAC", "NDA")},
    }


def version_dict(session: Session, version: ListVersion) -> dict[str, Any]:
    """Return the whole version as the contract shows it, history included."""
    whole = summary_dict(version)
    content = content_of(version)
    whole.update(
        categories=content["categories"],
        attributes=content["attributes"],
        items=content["items"],
        history=[_history_entry(e) for e in version_history(session, version.id)],
    )
    return whole


# --- drafting ------------------------------------------------------------------------------


def _set_content(session: Session, version: ListVersion, content: dict[str, Any]) -> None:
    if version.id is not None:
        # Delete the old rows first: the unit of work would otherwise insert the new ones before
        # deleting the old, and trip the (version, code) unique constraints.
        version.categories.clear()
        version.items.clear()
        session.flush()
    version.title = content["title"].strip()
    version.scope = list(content.get("scope", []))
    version.scope_complete = content.get("scope_complete", True)
    version.excludes_ciio = content.get("excludes_ciio", True)
    version.items_complete = content.get("items_complete", True)
    version.attributes = [dict(a) for a in content.get("attributes", [])]
    version.categories = [
        ListCategory(position=n, code=c["code"], name_zh=c["name_zh"], name_en=c.get("name_en"))
        for n, c in enumerate(content.get("categories", []))
    ]
    version.items = [
        ListItem(
            position=n,
            code=i["code"],
            category=i["category"],
            name_zh=i["name_zh"],
            name_en=i.get("name_en"),
            description=i.get("description"),
            level=i["level"],
            mechanism=i["mechanism"],
            conditions=[dict(c) for c in i.get("conditions", [])],
        )
        for n, i in enumerate(content.get("items", []))
    ]


def _touch(version: ListVersion) -> None:
    version.etag = uuid.uuid4().hex
    version.updated_at = utcnow()


def create_draft(
    session: Session,
    account: Account | None,
    zone_code: str,
    content: dict[str, Any],
    *,
    record: dict[str, Any] | None = None,
    actor: Actor | None = None,
    commit: bool = True,
) -> ListVersion:
    """Create a draft version of a zone's list from validated ``content`` (with ``version``).

    :raise Forbidden: not the zone's administrator (unless ``actor`` is the system, for seeds).
    :raise Conflict: the zone already has that version.
    """
    zone = get_zone(session, zone_code)
    if actor is None:
        actor = actor_of(_require(account, Action.CREATE, zone))
    if _find_version(session, zone, content["version"]) is not None:
        raise Conflict(f"{zone.code} already has a version {content['version']!r}; versions are never overwritten.")
    now = utcnow()
    version = ListVersion(
        zone_code=zone.code,
        version=content["version"],
        title="",
        status=Status.DRAFT,
        record=record or {},
        etag=uuid.uuid4().hex,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    _set_content(session, version, content)
    session.add(version)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent request created the same version first
        session.rollback()
        raise Conflict(f"{zone.code} already has a version {content['version']!r}.") from error
    record_event(
        session,
        actor,
        "created",
        zone_code=zone.code,
        list_version_id=version.id,
        version=version.version,
    )
    if commit:
        session.commit()
    return version


def check_if_match(version: ListVersion, if_match: str | None) -> None:
    """Compare an ``If-Match`` header with the version's ETag.

    :raise PreconditionFailed: the header names another state of the version.
    """
    if if_match is None:
        return
    # Strong comparison (RFC 9110, 13.1.1): a weak tag never matches. A tag sent without its
    # quotes is still read as the tag it names.
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and version.etag not in [t.strip('"') for t in tags if not t.startswith("W/")]:
        raise PreconditionFailed(
            "The version has changed since you read it (If-Match does not match its ETag); "
            "read it again and reapply your change."
        )


def replace_draft(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    content: dict[str, Any],
    if_match: str,
) -> ListVersion:
    """Replace the content of a draft.

    :raise PreconditionFailed: stale ``if_match``. :raise Conflict: not a draft.
    """
    zone = get_zone(session, zone_code)
    _require(account, Action.EDIT, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    if content.get("version") not in (None, version.version):
        raise InvalidInput(
            {"version": [Message("Must equal the version in the path; versions cannot be renamed.", "version_renamed")]}
        )
    next_status("edit", version.status)
    _set_content(session, version, content)
    _touch(version)
    session.flush()
    record_event(
        session,
        actor_of(account),
        "edited",
        zone_code=zone.code,
        list_version_id=version.id,
        version=version.version,
    )
    session.commit()
    return version


# --- lifecycle -----------------------------------------------------------------------------


def _step(
    session: Session,
    account: Account,
    version: ListVersion,
    action: str,
    *,
    document_no: str | None = None,
    authority: str | None = None,
    reason: str | None = None,
    on: date | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> ListVersion:
    _touch(version)
    session.flush()
    record_event(
        session,
        actor or actor_of(account),
        action,
        zone_code=version.zone_code,
        list_version_id=version.id,
        version=version.version,
        document_no=document_no,
        authority=authority,
        reason=reason,
        details={"on": on.isoformat()} if on else {},
    )
    if dry_run:
        # Every check passed and the change was written: undo it. The pages' confirmation step
        # asks the step itself whether it would succeed, instead of repeating its rules.
        session.rollback()
        return version
    session.commit()
    return version


def submit(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    *,
    if_match: str | None = None,
    dry_run: bool = False,
) -> ListVersion:
    """Submit a draft for approval: freeze it and record its digest.

    :raise Conflict: not a draft. :raise InvalidInput: no scope.
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.SUBMIT, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    new_status = next_status("submit", version.status)
    if not version.scope:
        raise InvalidInput(
            {
                "scope": [
                    Message("Name at least one sector or scenario the list covers before submitting.", "scope_required")
                ]
            }
        )
    version.digest = content_digest(content_of(version))
    version.status = new_status
    return _step(session, account, version, "submitted", on=clock.today(), dry_run=dry_run)


def decide_approval(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    decision: str,
    *,
    document_no: str | None,
    decided_on: date | None,
    reason: str | None,
    if_match: str | None = None,
    dry_run: bool = False,
) -> ListVersion:
    """Record the provincial commission's approval, or its rejection (back to draft).

    :raise Conflict: the version is not submitted.
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.DECIDE_APPROVAL, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    decided_on = decided_on or clock.today()
    next_status("approve" if decision == "approved" else "reject", version.status)  # 409 before 422
    if decided_on > clock.today():
        raise InvalidInput({"decided_on": [_after_today()]})
    if decision == "approved":
        version.status = next_status("approve", version.status)
        version.approval_document_no = document_no
        version.approved_on = decided_on
    else:
        version.status = next_status("reject", version.status)
        # Back to draft: editable again, so the digest is set anew on the next submission.
        version.digest = None
    return _step(
        session, account, version, decision, document_no=document_no, reason=reason, on=decided_on, dry_run=dry_run
    )


def record_filing(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    *,
    authority: str,
    filing_no: str,
    filed_on: date | None,
    if_match: str | None = None,
    dry_run: bool = False,
) -> ListVersion:
    """Record an authority's filing; with both CAC and NDA on file the version is ``filed``.

    :raise Forbidden: the filer acts for another authority. :raise Conflict: not approved, or
        that authority has already filed it.
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.FILE, zone, authority)
    version = _version_for_action(session, zone, version_label, if_match)
    on_file = frozenset(f.authority for f in version.filings)
    if authority in on_file and version.status == Status.APPROVED:
        raise Conflict(
            Message(f"{authority} has already filed version {version.version} of {zone.code}.", "already_filed",
                    authority=authority)
        )  # fmt: skip
    new_status = next_status("file", version.status, authorities_on_file=on_file | {authority})
    filed_on = filed_on or clock.today()
    # v1.1: no filing dated in the future, nor before the approval it files.
    if filed_on > clock.today():
        raise InvalidInput({"filed_on": [_after_today()]})
    if version.approved_on is not None and filed_on < version.approved_on:
        raise InvalidInput(
            {
                "filed_on": [
                    Message(
                        f"Must not precede the approval's decided_on ({version.approved_on.isoformat()}).",
                        "before_approval",
                        date=version.approved_on,
                    )
                ]
            }  # fmt: skip
        )
    version.status = new_status
    version.filings.append(
        Filing(
            authority=authority,
            filing_no=filing_no,
            filed_on=filed_on,
            recorded_by=account.name,
            recorded_at=utcnow(),
        )
    )
    return _step(
        session, account, version, "filed", document_no=filing_no, authority=authority, on=filed_on, dry_run=dry_run
    )


def publish(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    *,
    effective_from: date,
    if_match: str | None = None,
    dry_run: bool = False,
) -> ListVersion:
    """Publish a filed version, in force from ``effective_from`` (which may lie in the future).

    :raise Conflict: not filed with both authorities. :raise InvalidInput: ``effective_from``
        before 2024-03-22, before the approval or before either filing (v1.1: a list takes effect
        only after it is approved and filed, Art. 6).
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.PUBLISH, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    new_status = next_status("publish", version.status)
    earliest, refusal = _earliest_effective_date(version)
    if effective_from < earliest:
        raise InvalidInput({"effective_from": [refusal]})
    version.status = new_status
    version.effective_from = effective_from
    version.published_at = utcnow()
    return _step(session, account, version, "published", on=effective_from, dry_run=dry_run)


def _earliest_effective_date(version: ListVersion) -> tuple[date, Message]:
    """The first day a version may take effect, and the message refusing an earlier one.

    What sets it: Order No. 16, the version's approval, or a filing, whichever is latest.
    """

    def refusal(what: str, day: date) -> str:
        return f"Must not precede {what} ({day.isoformat()})."

    bounds = [
        (
            ORDER_IN_FORCE_FROM,
            Message(refusal("the day Order No. 16 took effect", ORDER_IN_FORCE_FROM), "before_order_effective"),
        )
    ]
    if version.approved_on is not None:
        day = version.approved_on
        bounds.append((day, Message(refusal("the approval's decided_on", day), "before_approval", date=day)))
    for filing in version.filings:
        if filing.filed_on:
            day, authority = filing.filed_on, filing.authority
            what = f"the {authority} filing's filed_on"
            bounds.append((day, Message(refusal(what, day), "before_filing", authority=authority, date=day)))
    return max(bounds, key=lambda bound: bound[0])


def _after_today() -> Message:
    today = clock.today()
    return Message(f"Must not be later than today ({today.isoformat()}).", "after_today", date=today)


def revoke(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    *,
    revoked_on: date,
    reason: str | None,
    if_match: str | None = None,
    dry_run: bool = False,
) -> ListVersion:
    """Revoke a published version from ``revoked_on``.

    :raise Conflict: not published. :raise InvalidInput: revoked before it took effect.
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.REVOKE, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    new_status = next_status("revoke", version.status)
    if revoked_on < clock.today():
        # v1.1: a revocation never moves which list was in force on a past date.
        raise InvalidInput(
            {
                "revoked_on": [
                    Message(f"Must not be earlier than today ({clock.today().isoformat()}).", "before_today",
                            date=clock.today())
                ]
            }
        )  # fmt: skip
    if version.effective_from and revoked_on < version.effective_from:
        raise InvalidInput(
            {
                "revoked_on": [
                    Message(
                        f"Must not precede the effective date {version.effective_from.isoformat()}.",
                        "before_effective",
                        date=version.effective_from,
                    )
                ]
            }  # fmt: skip
        )
    version.status = new_status
    version.revoked_on = revoked_on
    return _step(session, account, version, "revoked", reason=reason, on=revoked_on, dry_run=dry_run)


# --- spreadsheets --------------------------------------------------------------------------

SPREADSHEET_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_version(session: Session, viewer: Account | None, zone_code: str, version: str, fmt: str) -> bytes:
    """Return a version as an XLSX workbook or a CSV file in the layout zones publish.

    :raise NotFound: unknown or invisible version.
    """
    whole = version_dict(session, get_version(session, viewer, zone_code, version))
    if fmt == "xlsx":
        return export_xlsx(whole)
    return export_csv(whole).encode("utf-8")  # it begins with a BOM, for spreadsheet programs


def import_draft(
    session: Session,
    account: Account | None,
    zone_code: str,
    data: bytes,
    filename: str,
    *,
    version: str | None = None,
    actor: Actor | None = None,
) -> ListVersion:
    """Create a draft from an uploaded XLSX or CSV list; nothing is stored if any row is wrong.

    :raise InvalidInput: every problem of the file, by sheet, row and column (``errors["file"]``).
    :raise InvalidInput: a missing or invalid version label (``errors["version"]``).
    """
    zone = get_zone(session, zone_code)
    if actor is None:
        _require(account, Action.CREATE, zone)
    result = import_spreadsheet(data, filename)
    if result.content is None:
        raise InvalidInput(
            {"file": [problem.as_message() for problem in result.problems]},
            detail=f"The file has {len(result.problems)} problem(s); nothing was stored.",
        )
    content = dict(result.content)
    content["version"] = version or content.get("version")
    if not content["version"]:
        raise InvalidInput(
            {"version": [Message("Name the version (in the file's 说明 list sheet or as a field).", "version_missing")]}
        )
    try:
        validated = ListVersionCreateSchema().load(content)
    except ValidationError as error:  # the label given beside the file, checked like any other
        raise InvalidInput(error.normalized_messages()) from None
    return create_draft(session, account, zone_code, validated, actor=actor)


# --- withdrawing a draft (v1.1) ------------------------------------------------------------


def withdraw_draft(
    session: Session,
    account: Account | None,
    zone_code: str,
    version_label: str,
    *,
    if_match: str | None = None,
    dry_run: bool = False,
) -> None:
    """Withdraw a draft: its content is deleted and it leaves every listing and lookup.

    The version row stays, renamed out of the label space (``withdrawn~ID``), because the audit
    trail is append-only and its events point at it; the label is free for a new draft. The
    ``withdrawn`` event records the label the draft had.

    :raise Forbidden: not the zone's administrator. :raise NotFound: unknown zone or version.
    :raise Conflict: not a draft (a submitted version is part of the record).
    :raise PreconditionFailed: stale ``if_match``.
    """
    zone = get_zone(session, zone_code)
    account = _require(account, Action.WITHDRAW, zone)
    version = _version_for_action(session, zone, version_label, if_match)
    new_status = next_status("withdraw", version.status)
    # Delete the content while the version is still a draft: the database refuses any change to
    # the items and categories of a version that is not (list_content_frozen triggers).
    version.items.clear()
    version.categories.clear()
    session.flush()
    version.status = new_status
    version.version = f"withdrawn~{version.id}"  # '~' is never in a label, so lookups skip it
    _touch(version)
    session.flush()
    record_event(
        session,
        actor_of(account),
        "withdrawn",
        zone_code=zone.code,
        list_version_id=version.id,
        version=version_label,
    )
    if dry_run:
        session.rollback()
        return
    session.commit()
