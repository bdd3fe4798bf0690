"""``/api/v1/zones/{zone}/lists``: list versions and their lifecycle (docs/api.md)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView

from registry import clock
from registry.accounts.permissions import Action
from registry.api import Blueprint, before_body, current_account, document_errors
from registry.db import get_session
from registry.errors import InvalidInput, NotFound, PreconditionRequired
from registry.lists import services
from registry.lists.diff import compare
from registry.lists.schemas import (
    ApprovalDecisionSchema,
    DiffSchema,
    FilingSchema,
    InForceQuerySchema,
    ListVersionCreateSchema,
    ListVersionReplaceSchema,
    ListVersionSchema,
    ListVersionSummarySchema,
    PublishSchema,
    RevokeSchema,
)
from registry.zones.services import get_zone

blp = Blueprint(
    "lists",
    __name__,
    url_prefix="/api/v1/zones/<zone>/lists",
    description="Versions of a zone's negative list, from draft to published",
)

ETAG_HEADER = {"ETag": {"description": "Tag of this state of the version", "schema": {"type": "string"}}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the draft as you last read it"}  # fmt: skip
OPTIONAL_IF_MATCH = {**IF_MATCH, "required": False,
                     "description": "Optional: the ETag of the version as you last read it; if stale, 412"}  # fmt: skip


def _errors(*statuses: int):
    return document_errors(blp, *statuses)


def _authorized(action: Action):
    def check(zone: str, **_kwargs: Any) -> None:
        services.authorize(current_account(), action, get_zone(get_session(), zone))

    return before_body(check)


def _with_etag(version, status: int = 200, **extra_headers: str):
    headers = {"ETag": f'"{version.etag}"', **extra_headers}
    return services.version_dict(get_session(), version), status, headers


@blp.route("")
class Versions(MethodView):
    @blp.response(200, ListVersionSummarySchema(many=True))
    @_errors(401, 404)
    def get(self, zone: str):
        """List a zone's versions, newest first, without items (drafts only for those who may see them)."""
        session = get_session()
        versions = services.list_versions(session, current_account(), zone)
        counts = services.item_counts(session, versions)
        return [services.summary_dict(v, counts[v.id]) for v in versions]

    @_authorized(Action.CREATE)
    @blp.arguments(ListVersionCreateSchema)
    @blp.response(201, ListVersionSchema, headers=ETAG_HEADER)
    @_errors(400, 401, 403, 404, 409, 413, 415, 422)
    def post(self, content: dict[str, Any], zone: str):
        """Create a draft (zone administrator of the zone)."""
        version = services.create_draft(get_session(), current_account(), zone, content)
        location = url_for("lists.OneVersion", zone=zone, version=version.version)
        return _with_etag(version, 201, Location=location)


@blp.route("/in-force")
class InForce(MethodView):
    @blp.arguments(InForceQuerySchema, location="query")
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @_errors(404, 422)
    def get(self, query: dict[str, Any], zone: str):
        """Return the version in force on a date (default today in Asia/Shanghai), or 404."""
        on = query.get("on") or clock.today()
        version = services.in_force_on(get_session(), zone, on)
        if version is None:
            raise NotFound(f"No list version of {zone} is in force on {on.isoformat()}.")
        return _with_etag(version)


@blp.route("/<version>")
class OneVersion(MethodView):
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @_errors(401, 404)
    def get(self, zone: str, version: str):
        """Return a whole version, with its history."""
        found = services.get_version(get_session(), current_account(), zone, version)
        if_none_match = request.headers.get("If-None-Match", "")
        if found.etag and f'"{found.etag}"' in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]:
            not_modified = Response(status=304)
            not_modified.headers["ETag"] = f'"{found.etag}"'
            return not_modified
        return _with_etag(found)

    @_authorized(Action.EDIT)
    @before_body(lambda **_: _require_if_match())
    @blp.arguments(ListVersionReplaceSchema)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[IF_MATCH])
    @_errors(400, 401, 403, 404, 409, 412, 413, 415, 422, 428)
    def put(self, content: dict[str, Any], zone: str, version: str):
        """Replace a draft (zone administrator; needs If-Match; 409 once submitted)."""
        updated = services.replace_draft(
            get_session(), current_account(), zone, version, content, request.headers["If-Match"]
        )
        return _with_etag(updated)

    @_authorized(Action.WITHDRAW)
    @blp.response(204, description="Withdrawn: the draft is gone from every listing; the audit trail keeps the event")
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(401, 403, 404, 409, 412)
    def delete(self, zone: str, version: str):
        """Withdraw a draft (zone administrator); 409 for any other status, which stays on record."""
        services.withdraw_draft(get_session(), current_account(), zone, version, if_match=_if_match())


def _if_match() -> str | None:
    """The optional If-Match of a lifecycle step: when sent, a stale one is refused (412)."""
    return request.headers.get("If-Match")


def _require_if_match() -> None:
    if not request.headers.get("If-Match"):
        raise PreconditionRequired("Send If-Match with the ETag you last read, so no one's edit is lost.")


@blp.route("/<version>/submit")
class Submit(MethodView):
    @_authorized(Action.SUBMIT)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(401, 403, 404, 409, 412, 422)
    def post(self, zone: str, version: str):
        """Submit a draft for approval: it is frozen and gets its digest."""
        return _with_etag(services.submit(get_session(), current_account(), zone, version, if_match=_if_match()))


@blp.route("/<version>/approval")
class Approval(MethodView):
    @_authorized(Action.DECIDE_APPROVAL)
    @blp.arguments(ApprovalDecisionSchema)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)
    def post(self, decision: dict[str, Any], zone: str, version: str):
        """Record the provincial commission's decision: approved, or rejected back to draft."""
        updated = services.decide_approval(
            get_session(),
            current_account(),
            zone,
            version,
            decision["decision"],
            document_no=decision.get("document_no"),
            decided_on=decision.get("decided_on"),
            reason=decision.get("reason"),
            if_match=_if_match(),
        )
        return _with_etag(updated)


@blp.route("/<version>/filings")
class Filings(MethodView):
    @_authorized(Action.FILE)
    @blp.arguments(FilingSchema)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)
    def post(self, filing: dict[str, Any], zone: str, version: str):
        """Record a national authority's filing (CAC or NDA); with both on file the version is filed."""
        updated = services.record_filing(
            get_session(),
            current_account(),
            zone,
            version,
            authority=filing["authority"],
            filing_no=filing["filing_no"],
            filed_on=filing.get("filed_on"),
            if_match=_if_match(),
        )
        return _with_etag(updated)


@blp.route("/<version>/publish")
class Publish(MethodView):
    @_authorized(Action.PUBLISH)
    @blp.arguments(PublishSchema)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)
    def post(self, body: dict[str, Any], zone: str, version: str):
        """Publish a filed version with its effective date."""
        updated = services.publish(
            get_session(), current_account(), zone, version, effective_from=body["effective_from"], if_match=_if_match()
        )
        return _with_etag(updated)


@blp.route("/<version>/revoke")
class Revoke(MethodView):
    @_authorized(Action.REVOKE)
    @blp.arguments(RevokeSchema)
    @blp.response(200, ListVersionSchema, headers=ETAG_HEADER)
    @blp.doc(parameters=[OPTIONAL_IF_MATCH])
    @_errors(400, 401, 403, 404, 409, 412, 413, 415, 422)
    def post(self, body: dict[str, Any], zone: str, version: str):
        """Revoke a published version from a date (zone administrator or provincial approver)."""
        updated = services.revoke(
            get_session(),
            current_account(),
            zone,
            version,
            revoked_on=body["revoked_on"],
            reason=body.get("reason"),
            if_match=_if_match(),
        )
        return _with_etag(updated)


@blp.route("/<version>/diff/<other>")
class Diff(MethodView):
    @blp.response(200, DiffSchema)
    @_errors(401, 404)
    def get(self, zone: str, version: str, other: str):
        """Compare two versions of a zone by item code: added, removed, changed."""
        return compare(get_session(), current_account(), zone, version, other).codes()


class ExportQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(tuple(services.SPREADSHEET_TYPES)))


@blp.route("/<version>/export")
class Export(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  description="The version in the layout zones publish (XLSX, or CSV with format=csv)")  # fmt: skip
    @_errors(401, 404, 422)
    def get(self, query: dict[str, Any], zone: str, version: str):
        """Download a version as XLSX or CSV, in the layout zones publish; re-importing it keeps the digest."""
        fmt = query["format"]
        data = services.export_version(get_session(), current_account(), zone, version, fmt)
        response = Response(data, mimetype=services.SPREADSHEET_TYPES[fmt].split(";")[0])
        response.headers["Content-Disposition"] = f'attachment; filename="{zone}-{version}.{fmt}"'
        return response


IMPORT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "XLSX or CSV, published layout"},
                    "version": {"type": "string", "description": "Version label; default: the file's own"},
                },
            }
        }
    },
}


@blp.route("/import")
class Import(MethodView):
    @_authorized(Action.CREATE)
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(201, ListVersionSchema, headers=ETAG_HEADER)
    @_errors(401, 403, 404, 409, 413, 422)
    def post(self, zone: str):
        """Create a draft from an uploaded XLSX or CSV list (multipart field `file`); every problem is named by row."""
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput({"file": ["Upload the list as the multipart field 'file' (XLSX or CSV)."]})
        version = services.import_draft(
            get_session(), current_account(), zone, upload.read(), upload.filename or "",
            version=request.form.get("version") or None,
        )  # fmt: skip
        location = url_for("lists.OneVersion", zone=zone, version=version.version)
        return _with_etag(version, 201, Location=location)
