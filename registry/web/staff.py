"""Staff pages: drafts, the lifecycle steps, the approval and filing queues, the audit trail.

Every step calls the same service as the API, which checks role, scope and state itself; the pages
only hide what the signed-in account may not do (``may``) and say why a step was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlmodel import Session

from registry import clock
from registry.accounts.models import Account
from registry.accounts.permissions import Action, Role, may
from registry.audit.services import verify_chain
from registry.db import get_session
from registry.errors import Conflict, InvalidInput, PreconditionFailed
from registry.lists import services
from registry.lists.lifecycle import Status
from registry.lists.models import ListVersion
from registry.lists.queries import approval_queue, audit_events, filing_queue, standing_rejections, withdrawn_among
from registry.lists.schemas import (
    ATTRIBUTE_TYPES,
    LEVELS,
    MECHANISMS,
    ApprovalDecisionSchema,
    FilingSchema,
    ListVersionCreateSchema,
    ListVersionReplaceSchema,
    PublishSchema,
    RevokeSchema,
)
from registry.lists.uploads import held_upload, hold_upload, release_upload
from registry.web.auth import current_user, sign_in_required, writes
from registry.web.blueprint import bp
from registry.web.formats import AUTHORITY_LABELS, STATUS_LABELS, format_date, label
from registry.web.forms import FieldErrors, blank_row, draft_from_form, draft_rows, flatten_errors
from registry.web.messages import content_field_labels, file_problem_place, file_problem_what, reader_text
from registry.web.versionview import actions_context, version_context
from registry.zones.models import Zone
from registry.zones.services import get_zone, list_zones

PAGE_SIZE = 50
MAX_ADDED_ROWS = 50  # blank rows one "add rows" press may add to the draft editor


def _refused(error: Exception) -> str:
    if isinstance(error, Conflict):
        return _("当前状态不允许此操作：%(detail)s", detail=reader_text(error.detail))
    if isinstance(error, PreconditionFailed):
        return _("该草稿已被他人修改，请重新打开后再编辑。")
    return str(error)


def _render_version_with_errors(zone: str, version: str, action: str, errors: FieldErrors, values: dict[str, Any]):
    context = version_context(zone, version)
    context.update(
        actions_context(context["zone"], context["version"], action_errors={action: errors}, action_values=values)
    )
    return render_template("web/version.html", **context), 422


class Step(NamedTuple):
    """One lifecycle step as the pages take it: its form, its service call and its confirmation page."""

    action: str  # the form's key in the actions panel (``action_errors``)
    schema: Any | None  # the API's schema of the step's request, or None
    call: Callable[..., Any]  # (data, if_match=, dry_run=) -> calls the lists service
    describe: Callable[[dict[str, Any]], Confirmation]
    done: Callable[[dict[str, Any]], str]  # the message once done


class Confirmation(NamedTuple):
    """What a "check your answers" page says before an irreversible step."""

    title: str
    consequences: list[str]  # what will happen, in order; the last says it cannot be undone
    facts: list[tuple[str, str]]  # the answers given, as label and value
    button: str
    danger: bool = False


def _lifecycle_step(zone: str, version: str, step: Step, *, after: Callable[[dict[str, Any]], str] | None = None):
    """Validate the step's form, then confirm, then do it.

    The first POST validates the form with the API's schema and runs the service as a dry run (its
    own checks, nothing written), then answers with a confirmation page carrying the same values,
    the version's ETag and ``confirmed=yes``. The second POST is checked all over again: CSRF by
    Flask-WTF, role, scope, state and values by the service, and the ETag, so a version that changed
    in between is refused rather than acted on unseen.
    """
    values = {
        key: value.strip() for key, value in request.form.items() if key not in ("csrf_token", "confirmed", "etag")
    }
    data: dict[str, Any] = {}
    if step.schema is not None:
        try:
            data = step.schema.load({key: (value or None) for key, value in values.items()})
        except ValidationError as error:
            return _render_version_with_errors(
                zone, version, step.action, FieldErrors(flatten_errors(error.messages)), values
            )
    etag = (request.form.get("etag") or "").strip()
    confirmed = request.form.get("confirmed") == "yes" and bool(etag)
    session = get_session()
    try:
        step.call(data, if_match=etag if confirmed else None, dry_run=not confirmed)
    except InvalidInput as error:
        session.rollback()
        return _render_version_with_errors(
            zone, version, step.action, FieldErrors(flatten_errors(error.errors)), values
        )
    except (Conflict, PreconditionFailed) as error:
        session.rollback()
        flash(_refused(error), "error")
        return redirect(url_for("web.version_page", zone=zone, version=version), code=303)
    if not confirmed:
        found = services.get_version(session, current_user(), zone, version)
        return render_template(
            "web/staff/confirm.html",
            zone=get_zone(session, zone),
            version=found,
            item_count=services.item_counts(session, [found]).get(found.id, 0),
            confirmation=step.describe(data),
            values=values,
            etag=found.etag,
        )
    flash(step.done(data), "success")
    return redirect(after(data) if after else url_for("web.version_page", zone=zone, version=version), code=303)


def _undone() -> str:
    return _("此操作一经确认即不能撤销。")


@bp.post("/staff/zones/<zone>/lists/<version>/submit")
@writes
@sign_in_required
def submit_version(zone: str, version: str):
    """Submit a draft for the provincial commission's approval (after a confirmation page)."""
    step = Step(
        "submit",
        None,
        lambda _data, **kw: services.submit(get_session(), current_user(), zone, version, **kw),
        lambda _data: Confirmation(
            _("确认提交审批"),
            [
                _("版本内容将冻结，不能再修改或撤回草稿，并计算摘要值（SHA-256）。"),
                _("版本将报省级网络安全和信息化委员会审批。"),
                _undone(),
            ],
            [],
            _("确认提交审批"),
        ),
        lambda _data: _("已提交审批。版本内容自此冻结，并已计算摘要值。"),
    )
    return _lifecycle_step(zone, version, step)


@bp.post("/staff/zones/<zone>/lists/<version>/approval")
@writes
@sign_in_required
def decide_version(zone: str, version: str):
    """Approve (with the document number) or reject (with a reason) a submitted version."""

    def call(data, **kw):
        services.decide_approval(
            get_session(), current_user(), zone, version, data["decision"],
            document_no=data.get("document_no"), decided_on=data.get("decided_on"), reason=data.get("reason"), **kw,
        )  # fmt: skip

    def describe(data) -> Confirmation:
        on = format_date(data.get("decided_on") or clock.today())
        if data["decision"] == "approved":
            return Confirmation(
                _("确认批准"),
                [
                    _("将记录省级网信委批准此版本。"),
                    _("批准后，版本交国家网信部门和国家数据管理部门备案。"),
                    _undone(),
                ],
                [(_("决定"), _("批准")), (_("批准文号"), data.get("document_no") or ""), (_("决定日期"), on)],
                _("确认批准"),
            )
        return Confirmation(
            _("确认退回修改"),
            [
                _("将记录省级网信委退回此版本；版本回到草稿状态，由自贸试验区管理机构修改后重新提交。"),
                _("自贸试验区管理机构将看到退回理由。"),
                _undone(),
            ],
            [(_("决定"), _("退回修改")), (_("理由"), data.get("reason") or ""), (_("决定日期"), on)],
            _("确认退回修改"),
            danger=True,
        )

    def done(data) -> str:
        if data["decision"] == "approved":
            return _("已批准（文号：%(no)s）。", no=data.get("document_no"))
        return _("已退回修改。")

    def after(data) -> str:
        # A returned version is a draft again, which only its zone may read: back to the queue.
        if data["decision"] == "rejected":
            return url_for("web.approvals")
        return url_for("web.version_page", zone=zone, version=version)

    step = Step("approval", ApprovalDecisionSchema(), call, describe, done)
    return _lifecycle_step(zone, version, step, after=after)


@bp.post("/staff/zones/<zone>/lists/<version>/filing")
@writes
@sign_in_required
def file_version(zone: str, version: str):
    """Record this authority's filing of an approved version."""

    def call(data, **kw):
        services.record_filing(
            get_session(), current_user(), zone, version,
            authority=data["authority"], filing_no=data["filing_no"], filed_on=data.get("filed_on"), **kw,
        )  # fmt: skip

    def describe(data) -> Confirmation:
        return Confirmation(
            _("确认记录备案"),
            [
                _("将记录%(authority)s已备案此版本。", authority=label(AUTHORITY_LABELS, data["authority"])),
                _("国家网信部门和国家数据管理部门均备案后，自贸试验区方可发布。"),
                _undone(),
            ],
            [
                (_("备案机关"), label(AUTHORITY_LABELS, data["authority"])),
                (_("备案号"), data["filing_no"]),
                (_("备案日期"), format_date(data.get("filed_on") or clock.today())),
            ],
            _("确认记录备案"),
        )

    step = Step(
        "filing", FilingSchema(), call, describe, lambda data: _("已记录备案（备案号：%(no)s）。", no=data["filing_no"])
    )
    return _lifecycle_step(zone, version, step)


@bp.post("/staff/zones/<zone>/lists/<version>/publish")
@writes
@sign_in_required
def publish_version(zone: str, version: str):
    """Publish a filed version with its effective date."""
    step = Step(
        "publish",
        PublishSchema(),
        lambda data, **kw: services.publish(
            get_session(), current_user(), zone, version, effective_from=data["effective_from"], **kw
        ),
        lambda data: Confirmation(
            _("确认发布"),
            [
                _(
                    "版本将向公众公布，自%(date)s起施行，并取代届时施行的版本。",
                    date=format_date(data["effective_from"]),
                ),
                _("发布后不能撤回，只能废止。"),
                _undone(),
            ],
            [(_("施行日期"), format_date(data["effective_from"]))],
            _("确认发布"),
        ),
        lambda data: _("已发布，自%(date)s起施行。", date=format_date(data["effective_from"])),
    )
    return _lifecycle_step(zone, version, step)


@bp.post("/staff/zones/<zone>/lists/<version>/revoke")
@writes
@sign_in_required
def revoke_version(zone: str, version: str):
    """Revoke a published version from a date."""
    step = Step(
        "revoke",
        RevokeSchema(),
        lambda data, **kw: services.revoke(
            get_session(), current_user(), zone, version, revoked_on=data["revoked_on"], reason=data.get("reason"), **kw
        ),
        lambda data: Confirmation(
            _("确认废止"),
            [
                _("版本自%(date)s起不再施行。", date=format_date(data["revoked_on"])),
                _("废止不会恢复此前被取代的版本。"),
                _undone(),
            ],
            [(_("废止日期"), format_date(data["revoked_on"])), (_("理由"), data.get("reason") or "—")],
            _("确认废止此版本"),
            danger=True,
        ),
        lambda data: _("已废止，自%(date)s起不再施行。", date=format_date(data["revoked_on"])),
    )
    return _lifecycle_step(zone, version, step)


@bp.post("/staff/zones/<zone>/lists/<version>/withdraw")
@writes
@sign_in_required
def withdraw_version(zone: str, version: str):
    """Withdraw a draft (v1.1): its content is deleted; the audit trail keeps that it existed."""
    step = Step(
        "withdraw",
        None,
        lambda _data, **kw: services.withdraw_draft(get_session(), current_user(), zone, version, **kw),
        lambda _data: Confirmation(
            _("确认撤回草稿"),
            [
                _("草稿的内容将被删除，不再出现在任何列表中；此版本号可用于新的草稿。"),
                _("办理记录（审计日志）保留草稿的创建、修改和撤回记录。"),
                _undone(),
            ],
            [],
            _("确认撤回草稿"),
            danger=True,
        ),
        lambda _data: _("草稿%(version)s已撤回。", version=version),
    )
    return _lifecycle_step(zone, version, step, after=lambda _data: url_for("web.staff_home"))


# --- drafts --------------------------------------------------------------------------------


def _editor(zone: Zone, rows: dict[str, Any], errors: FieldErrors, *, version: ListVersion | None, status: int = 200):
    for kind, minimum in (("categories", 3), ("attributes", 1), ("items", 2)):
        rows.setdefault(kind, [])
        extra = _rows_to_add(kind) if request.method == "POST" else 0
        want = max(minimum, len(rows[kind]) + 1) + extra
        rows[kind] = rows[kind] + [blank_row(kind) for _ in range(want - len(rows[kind]))]
    in_force = services.in_force_on(get_session(), zone.code, clock.today())
    body = render_template(
        "web/staff/draft_form.html",
        zone=zone,
        rows=rows,
        errors=errors,
        version=version,
        in_force=in_force,
        levels=LEVELS,
        mechanisms=MECHANISMS,
        attribute_types=ATTRIBUTE_TYPES,
        labels=content_field_labels(),
        blank={kind: blank_row(kind) for kind in ("categories", "attributes", "items")},
    )
    return body, status


def _rows_to_add(kind: str) -> int:
    """The form's ``add_<kind>``: how many blank rows to add (at most :data:`MAX_ADDED_ROWS`)."""
    text = (request.form.get(f"add_{kind}") or "0").strip()
    if not (text.isascii() and text.isdigit()):
        flash(_("要添加的行数无效，请填写1至%(max)s之间的整数。", max=MAX_ADDED_ROWS), "error")
        return 0
    return min(int(text), MAX_ADDED_ROWS)


def _adding_rows() -> bool:
    return any(request.form.get(f"add_{kind}") for kind in ("categories", "attributes", "items"))


@bp.route("/staff/zones/<zone>/drafts/new", methods=["GET", "POST"])
@writes
@sign_in_required
def new_draft(zone: str):
    """Create a draft by form (optionally starting from an existing version's content)."""
    session, user = get_session(), current_user()
    found = get_zone(session, zone)
    services.authorize(user, Action.CREATE, found)
    if request.method == "GET":
        rows: dict[str, Any] = {"excludes_ciio": True, "items_complete": True, "scope_complete": True}
        source = request.args.get("from")
        if source:
            whole = services.version_dict(session, services.get_version(session, user, zone, source))
            # Drafted here, it is the zone's whole list, even when it starts from a partial record.
            rows = draft_rows({**whole, "version": "", "items_complete": True})
        return _editor(found, rows, FieldErrors(), version=None)
    content, shown, parse_errors = draft_from_form(request.form)
    if _adding_rows():
        return _editor(found, shown, FieldErrors(), version=None)
    errors = FieldErrors(parse_errors)
    try:
        loaded = ListVersionCreateSchema().load(content)
    except ValidationError as error:
        return _editor(found, shown, errors.merge(flatten_errors(error.messages)), version=None, status=422)
    if errors:
        return _editor(found, shown, errors, version=None, status=422)
    try:
        created = services.create_draft(session, user, zone, loaded)
    except Conflict:
        session.rollback()
        errors.merge({"version": [_("该自贸试验区已有此版本号；版本一经创建不得覆盖，请另取版本号。")]})
        return _editor(found, shown, errors, version=None, status=422)
    flash(_("草稿已保存。"), "success")
    return redirect(url_for("web.version_page", zone=zone, version=created.version), code=303)


@bp.route("/staff/zones/<zone>/lists/<version>/edit", methods=["GET", "POST"])
@writes
@sign_in_required
def edit_draft(zone: str, version: str):
    """Edit a draft's content; a stale form (someone saved in between) is refused, not merged."""
    session, user = get_session(), current_user()
    found_zone = get_zone(session, zone)
    services.authorize(user, Action.EDIT, found_zone)
    found = services.get_version(session, user, zone, version)
    if found.status != Status.DRAFT:
        flash(_("只有草稿可以修改；此版本已提交，内容已冻结。"), "error")
        return redirect(url_for("web.version_page", zone=zone, version=version), code=303)
    if request.method == "GET":
        rows = draft_rows(services.version_dict(session, found))
        rows["etag"] = found.etag
        return _editor(found_zone, rows, FieldErrors(), version=found)
    content, shown, parse_errors = draft_from_form(request.form)
    shown["etag"] = request.form.get("etag", "")
    content.pop("version", None)
    if _adding_rows():
        return _editor(found_zone, shown, FieldErrors(), version=found)
    errors = FieldErrors(parse_errors)
    try:
        loaded = ListVersionReplaceSchema().load(content)
    except ValidationError as error:
        return _editor(found_zone, shown, errors.merge(flatten_errors(error.messages)), version=found, status=422)
    if errors:
        return _editor(found_zone, shown, errors, version=found, status=422)
    try:
        services.replace_draft(session, user, zone, version, loaded, request.form.get("etag") or "")
    except PreconditionFailed:
        session.rollback()
        errors.merge({"_schema": [_("您打开此草稿后，已有他人保存了修改。您的修改未保存；请重新打开草稿后再修改。")]})
        return _editor(found_zone, shown, errors, version=found, status=412)
    except InvalidInput as error:
        session.rollback()
        return _editor(found_zone, shown, errors.merge(flatten_errors(error.errors)), version=found, status=422)
    flash(_("草稿已保存。"), "success")
    return redirect(url_for("web.version_page", zone=zone, version=version), code=303)


@bp.route("/staff/zones/<zone>/drafts/import", methods=["GET", "POST"])
@writes
@sign_in_required
def import_draft(zone: str):
    """Create a draft from an uploaded spreadsheet (the format of the version downloads).

    The lists service reads and stores it, as for the API's import; the page shows its problems
    row by row in the page's language. A file that failed is held (:mod:`registry.lists.uploads`)
    so that sending the form again, with a corrected version label, needs no new upload.
    """
    session, user = get_session(), current_user()
    found = get_zone(session, zone)
    services.authorize(user, Action.CREATE, found)
    context: dict[str, Any] = {"zone": found, "problems": [], "version_label": "", "held": None, "held_token": ""}
    if request.method == "GET":
        return render_template("web/staff/import.html", **context)
    upload = request.files.get("file")
    context["version_label"] = (request.form.get("version") or "").strip()
    held_token = (request.form.get("held") or "").strip()
    held = held_upload(session, user, held_token)
    if upload is not None and upload.filename:
        data, filename = upload.read(), upload.filename
    elif held is not None:
        data, filename = held.data, held.filename
    else:
        context["problems"] = [ImportProblem(None, _("请选择要上传的电子表格文件（.xlsx 或 .csv）。"))]
        return render_template("web/staff/import.html", **context), 422
    try:
        created = services.import_draft(session, user, zone, data, filename, version=context["version_label"] or None)
    except InvalidInput as error:
        session.rollback()
        # The file's problems say where they are themselves; others (the version label) are named by their field.
        others = FieldErrors(flatten_errors({key: value for key, value in error.errors.items() if key != "file"}))
        context["problems"] = [import_problem(problem) for problem in error.errors.get("file", [])]
        for _anchor, field, messages in others.summary(content_field_labels()):
            context["problems"].append(ImportProblem(field, " ".join(messages)))
    except Conflict:
        session.rollback()
        taken = _("该自贸试验区已有此版本号；版本一经创建不得覆盖，请另取版本号。")
        context["problems"] = [ImportProblem(_("版本号"), taken)]
    else:
        if held is not None:
            release_upload(session, held)
            session.commit()
        flash(_("已根据电子表格创建草稿，请核对后提交审批。"), "success")
        return redirect(url_for("web.version_page", zone=zone, version=created.version), code=303)
    # Keep the file: the one just chosen replaces the one held before.
    held = held_upload(session, user, held_token)
    if held is None or (upload is not None and upload.filename):
        if held is not None:
            release_upload(session, held)
        held_token = hold_upload(session, user, filename, data)
        session.commit()
        held = held_upload(session, user, held_token)
    context.update(held=held, held_token=held_token)
    return render_template("web/staff/import.html", **context), 422


class ImportProblem(NamedTuple):
    """One problem of a failed import as the page lists it: where (None: the whole file) and what."""

    where: str | None
    message: str


def import_problem(problem: str) -> ImportProblem:
    """One of a file's problems in the page's language: its sheet, row and column, and what is wrong."""
    if getattr(problem, "code", None) != "file_problem":
        return ImportProblem(None, reader_text(problem))
    return ImportProblem(file_problem_place(problem) or None, file_problem_what(problem))


# --- the staff home and the queues ---------------------------------------------------------


def own_zone_versions(session: Session, user: Account) -> tuple[Zone | None, list[ListVersion]]:
    """A zone administrator's zone and all its versions."""
    if user.role != Role.ZONE_ADMIN or not user.zone_code:
        return None, []
    zone = get_zone(session, user.zone_code)
    return zone, services.list_versions(session, user, zone.code)


@bp.get("/staff")
@sign_in_required
def staff_home():
    """What the signed-in account has to do."""
    session, user = get_session(), current_user()
    zone, versions = own_zone_versions(session, user)
    return render_template(
        "web/staff/home.html",
        user=user,
        zone=zone,
        versions=versions,
        approvals=approval_queue(session, user) if user.role in (Role.PROVINCIAL_APPROVER, Role.ADMIN) else [],
        filings=filing_queue(session, user) if user.role == Role.NATIONAL_FILER else [],
        can_create=zone is not None and may(user, Action.CREATE, zone),
        in_force=services.in_force_on(session, zone.code, clock.today()) if zone else None,
        rejections=standing_rejections(session, versions),
    )


@bp.get("/staff/approvals")
@sign_in_required
def approvals():
    """The provincial commission's queue: submitted versions of its province's zones."""
    session, user = get_session(), current_user()
    return render_template(
        "web/staff/queue.html",
        kind="approval",
        title=_("待审批的清单版本"),
        entries=approval_queue(session, user),
        allowed=user.role == Role.PROVINCIAL_APPROVER,
    )


@bp.get("/staff/filings")
@sign_in_required
def filings():
    """A national authority's queue: approved versions it has not filed yet."""
    session, user = get_session(), current_user()
    return render_template(
        "web/staff/queue.html",
        kind="filing",
        title=_("待备案的清单版本"),
        entries=filing_queue(session, user),
        allowed=user.role == Role.NATIONAL_FILER,
    )


# --- the audit trail -----------------------------------------------------------------------


def _page_number() -> int | None:
    """The ``page`` query argument: 1 when absent, None when it is not a page number."""
    text = request.args.get("page", "1").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return max(int(text), 1)


@bp.get("/staff/audit")
@sign_in_required
def audit():
    """The audit history this account may see, newest first (verifying the chain is its own action)."""
    session, user = get_session(), current_user()
    page = _page_number()
    if page is None:
        flash(_("页码无效，已显示第1页。"), "error")
        page = 1
    zone_code = request.args.get("zone") or None
    found = audit_events(session, user, zone_code=zone_code, page=page, size=PAGE_SIZE)
    return render_template(
        "web/staff/audit.html",
        events=found.events,
        withdrawn=withdrawn_among(session, found.events),
        total=found.total,
        page=found.page,
        pages=found.pages,
        zone_code=zone_code,
        zones=list_zones(session),
        status_label=lambda status: label(STATUS_LABELS, status),
    )


@bp.post("/staff/audit/verify")
@sign_in_required
def verify_audit_chain():
    """Recompute the whole hash chain once, on request, and say whether it is intact."""
    intact, broken_at = verify_chain(get_session())
    if intact:
        flash(_("审计链完整性：已验证，未发现改动。"), "success")
    elif current_user().role == Role.ADMIN:
        flash(_("审计链完整性：发现记录被改动或删除！") + f" #{broken_at}", "error")
    else:
        flash(_("审计链完整性：发现记录被改动或删除！"), "error")
    return redirect(url_for("web.audit"), code=303)
