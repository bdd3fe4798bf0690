"""Public pages: home, zones, list versions (with downloads and diffs), search."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext

from registry import clock
from registry.db import get_session
from registry.fields import parse_iso_date
from registry.lists import services
from registry.lists.diff import diff
from registry.lists.lifecycle import EVER_PUBLISHED, Status
from registry.lists.models import ListVersion
from registry.lists.queries import in_force_among, zone_overviews
from registry.lists.schemas import ListVersionSchema
from registry.lists.search import SearchResults
from registry.lists.search import search as search_lists
from registry.web.auth import current_user
from registry.web.blueprint import bp
from registry.web.formats import AUTHORITY_LABELS, STATUS_LABELS, label
from registry.web.svg import TimelineEvent, TimelineLane, timeline_svg
from registry.web.versionview import actions_context, version_context
from registry.zones.services import get_zone, list_zones

# --- home ----------------------------------------------------------------------------------


@bp.get("/")
def home():
    """What the registry is, the zones at a glance, and the way to check a dataset."""
    session, today = get_session(), clock.today()
    overviews = zone_overviews(session, today)
    with_list = sorted((o for o in overviews if o.in_force), key=lambda o: o.in_force.effective_from)
    without = [o for o in overviews if not o.in_force]
    return render_template(
        "web/home.html",
        with_list=with_list,
        without=without,
        zone_count=len(overviews),
        today=today,
    )


@bp.get("/favicon.ico")
def favicon():
    """The emblem, for browsers that ask for /favicon.ico."""
    return bp.send_static_file("favicon.svg")


# --- zones ---------------------------------------------------------------------------------


def version_url(version: ListVersion | dict[str, Any]) -> str:
    """The page of a version."""
    if isinstance(version, dict):
        return url_for("web.version_page", zone=version["zone"], version=version["version"])
    return url_for("web.version_page", zone=version.zone_code, version=version.version)


def timeline_lanes(versions: list[ListVersion]) -> list[TimelineLane]:
    """Lanes of the versions ever published, oldest first, with the periods each was in force.

    The periods come from the lists' rule of which version is in force (:func:`in_force_among`, held
    to :func:`services.in_force_ref`'s answer), asked at every date on which something took effect
    or was revoked: the pages never decide it themselves.
    """
    published = [v for v in versions if v.status in EVER_PUBLISHED and v.effective_from]
    published.sort(key=lambda v: (v.effective_from, v.published_at or v.created_at, v.id))
    boundaries = sorted({v.effective_from for v in published} | {v.revoked_on for v in published if v.revoked_on})
    holder: list[tuple[date, int | None]] = []
    for boundary in boundaries:
        holder_version = in_force_among(published, boundary)
        holder.append((boundary, holder_version.id if holder_version else None))
    lanes = []
    for version in published:
        lane = TimelineLane(
            label=version.version,
            status=label(STATUS_LABELS, version.status),
            url=version_url(version),
            revoked=version.status == Status.REVOKED,
        )
        for index, (start, holder_id) in enumerate(holder):
            if holder_id != version.id:
                continue
            end = holder[index + 1][0] if index + 1 < len(holder) else None
            if lane.periods and lane.periods[-1][1] == start:
                lane.periods[-1] = (lane.periods[-1][0], end)
            else:
                lane.periods.append((start, end))
        if lane.periods and lane.periods[-1][1] is not None:
            successor = next((h for b, h in holder if b == lane.periods[-1][1] and h not in (None, version.id)), None)
            if successor:
                lane.superseded_by = next(v.version for v in published if v.id == successor)
        if version.approved_on:
            lane.events.append(
                TimelineEvent(
                    version.approved_on, "approval", _("省级网信委批准 %(no)s", no=version.approval_document_no or "")
                )
            )
        for filing in version.filings:
            if filing.filed_on:
                lane.events.append(
                    TimelineEvent(
                        filing.filed_on,
                        "filing",
                        _("%(authority)s备案 %(no)s", authority=label(AUTHORITY_LABELS, filing.authority),
                          no=filing.filing_no or ""),
                    )
                )  # fmt: skip
        lane.events.append(TimelineEvent(version.effective_from, "effective", _("生效")))
        if version.revoked_on:
            lane.events.append(TimelineEvent(version.revoked_on, "revoked", pgettext("history", "废止")))
        lanes.append(lane)
    return lanes


@bp.get("/zones/<zone>")
def zone_page(zone: str):
    """A zone's facts, the timeline of its list versions and the version in force today (or on ``?on=``)."""
    session, today, viewer = get_session(), clock.today(), current_user()
    found = get_zone(session, zone)
    on, date_error = day_asked()
    versions = services.list_versions(session, viewer, found.code)
    in_force = services.in_force_on(session, found.code, on)
    lanes = timeline_lanes(versions)
    chart = timeline_svg(lanes, today, _("%(zone)s负面清单版本时间线", zone=found.name_zh)) if lanes else None
    return render_template(
        "web/zone.html",
        zone=found,
        versions=versions,
        item_counts=services.item_counts(session, versions),
        in_force=in_force,
        on=on,
        date_error=date_error,
        lanes=lanes,
        chart=chart,
        today=today,
    )


@bp.get("/zones/<zone>/in-force")
def zone_in_force(zone: str):
    """Go to the version in force today."""
    version = services.in_force_on(get_session(), zone, clock.today())
    if version is None:
        return redirect(url_for("web.zone_page", zone=zone), code=303)
    return redirect(version_url(version), code=303)


# --- versions ------------------------------------------------------------------------------


@bp.get("/zones/<zone>/lists/<version>")
def version_page(zone: str, version: str):
    """A version: items by category, scope and clauses, approval and filings, digest, diff."""
    context = version_context(zone, version)
    context.update(actions_context(context["zone"], context["version"]))
    return render_template("web/version.html", **context)


@bp.get("/zones/<zone>/lists/<version>/diff/<other>")
def diff_page(zone: str, version: str, other: str):
    """A version against any other the reader may see."""
    session, viewer = get_session(), current_user()
    found = services.get_version(session, viewer, zone, version)
    against = services.get_version(session, viewer, zone, other)
    whole = services.version_dict(session, found)
    return render_template(
        "web/diff.html",
        zone=get_zone(session, zone),
        version=found,
        other=against,
        diff=diff(found, against),
        categories={c["code"]: c for c in whole["categories"]},
        attributes=whole["attributes"],
    )


@bp.get("/zones/<zone>/lists/<version>/diff")
def diff_choose(zone: str, version: str):
    """The version picker's target: go to the comparison with the chosen version."""
    other = request.args.get("other") or ""
    if not other:
        return redirect(url_for("web.version_page", zone=zone, version=version), code=303)
    return redirect(url_for("web.diff_page", zone=zone, version=version, other=other), code=303)


@bp.get("/zones/<zone>/lists/<version>/download.<fmt>")
def download(zone: str, version: str, fmt: str):
    """The version as JSON (the API's representation), CSV or XLSX."""
    if fmt not in ("json", "csv", "xlsx"):
        abort(404)
    session = get_session()
    found = services.get_version(session, current_user(), zone, version)
    whole = services.version_dict(session, found)
    filename = f"{found.zone_code}-{found.version}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "json":
        response = jsonify(ListVersionSchema().dump(whole))
        response.headers.update(disposition)
        response.headers["ETag"] = f'"{found.etag}"'
        return response
    data = services.export_version(session, current_user(), zone, version, fmt)
    mimetype = services.SPREADSHEET_TYPES[fmt].split(";")[0]
    return Response(data, mimetype=mimetype, headers=disposition)


# --- search --------------------------------------------------------------------------------


SEARCH_PAGE_SIZE = 20
SEARCH_MAX_PAGE = 10_000


def day_asked(argument: str = "on") -> tuple[date, str | None]:
    """The date a page was asked about (``?on=YYYY-MM-DD``), else today; with a message if it was unreadable."""
    today, text = clock.today(), (request.args.get(argument) or "").strip()
    if not text:
        return today, None
    day = parse_iso_date(text)
    if day is None:
        return today, _("“%(text)s”不是有效日期（格式为“年-月-日”，例如 2024-05-09），已按今天显示。", text=text[:40])
    return day, None


@bp.get("/search")
def search():
    """Search the lists in force on a date: the sectors and categories they cover, and their items, by page."""
    session, today = get_session(), clock.today()
    query = (request.args.get("q") or "").strip()[:100]
    zone_code = request.args.get("zone") or None
    on, date_error = day_asked()
    page = min(max(request.args.get("page", default=1, type=int) or 1, 1), SEARCH_MAX_PAGE)
    zones = list_zones(session)
    error = None
    if zone_code and zone_code not in {z.code for z in zones}:
        zone_code, error = None, _("未找到该自贸试验区，已在全部自贸试验区中检索。")

    def page_of(number: int) -> SearchResults:
        offset = (number - 1) * SEARCH_PAGE_SIZE
        return search_lists(session, query, on, zone_code, offset=offset, limit=SEARCH_PAGE_SIZE)

    found = page_of(page) if query else SearchResults()
    if found.total and page > math.ceil(found.total / SEARCH_PAGE_SIZE):
        page = math.ceil(found.total / SEARCH_PAGE_SIZE)  # past the last page (an old link): show the last
        found = page_of(page)
    names = {z.code: z for z in zones}
    groups: dict[str, list[dict[str, Any]]] = {}
    declared: dict[tuple[str, str], dict[str, Any]] = {}
    for hit in found.items:
        key = (hit["zone"], hit["version"])
        if key not in declared:
            version = services.get_version(session, None, *key)
            declared[key] = {c.code: c for c in version.categories}
        parts = hit["item"]["category"].split(".")
        hit["path"] = [
            declared[key][code]
            for code in (".".join(parts[:n]) for n in range(1, len(parts) + 1))
            if code in declared[key]
        ]
        groups.setdefault(hit["zone"], []).append(hit)
    pages = max(1, math.ceil(found.total / SEARCH_PAGE_SIZE))
    return render_template(
        "web/search.html",
        query=query,
        zone_code=zone_code,
        zones=zones,
        zone_names=names,
        groups=groups,
        hit_count=found.total,
        sectors=found.sectors,
        sector_count=found.sector_total,
        page=page,
        pages=pages,
        first=(page - 1) * SEARCH_PAGE_SIZE + 1,
        last=min(page * SEARCH_PAGE_SIZE, found.total),
        page_url=lambda number: url_for("web.search", q=query, zone=zone_code or None, on=on.isoformat(), page=number),
        check_url=lambda zone, code: url_for(
            "web.check_form", zone=zone, on=on.isoformat(), **{"dataset.categories": code}
        ),  # fmt: skip
        error=error,
        date_error=date_error,
        on=on,
        today=today,
    )
