"""The company's check of one dataset: the form, and the determination it answers with (see determination.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, render_template, request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlmodel import Session
from werkzeug.datastructures import MultiDict

from registry import clock
from registry.checks.engine import ART3_GROUNDS, ART4_GROUND, ART5_GROUNDS, LEGAL_DUTY_GROUND
from registry.checks.schemas import CheckRequestSchema
from registry.checks.services import run_check
from registry.db import get_session
from registry.errors import NotFound
from registry.fields import is_iso_date_text
from registry.limits import anonymous_check_limit, limiter
from registry.lists import services
from registry.lists.models import ListVersion
from registry.web.auth import staff_exempt
from registry.web.blueprint import bp
from registry.web.determination import OTHER_CATEGORY, determination_context
from registry.web.forms import FieldErrors, check_request_from_form, flatten_errors
from registry.web.versionview import category_tree
from registry.zones.models import Zone
from registry.zones.services import get_zone, list_zones

_check_schema = CheckRequestSchema()


check_limit = limiter.limit(anonymous_check_limit, exempt_when=staff_exempt, methods=["POST"])


# --- the check form ------------------------------------------------------------------------


def check_labels() -> dict[str, str]:
    """The check form's fields, in the order the form asks them (for the error summary)."""
    return {
        "zone": _("自贸试验区"),
        "on": _("数据出境日期"),
        "processor.in_zone": _("是否在自贸试验区内"),
        "processor.ciio": _("是否为关键信息基础设施运营者"),
        "processor.name": _("数据处理者名称"),
        "dataset.label": _("数据名称"),
        "dataset.categories": _("数据类别"),
        "dataset.personal_info_subjects": _("个人信息涉及人数"),
        "dataset.sensitive_pi_subjects": _("敏感个人信息涉及人数"),
        "dataset.important_data": _("是否包含重要数据"),
        "dataset.attributes": _("清单规定的其他数据指标"),
        "cumulative": _("本年度累计人数"),
        "cumulative.personal_info_subjects": _("本年度累计个人信息人数"),
        "cumulative.sensitive_pi_subjects": _("本年度累计敏感个人信息人数"),
        "grounds": _("第三条至第五条所列情形"),
    }


def ground_groups() -> list[tuple[str, list[str]]]:
    """The grounds of Articles 3–5, grouped by article."""
    return [
        ("art3", list(ART3_GROUNDS)),
        ("art4", [ART4_GROUND]),
        ("art5", list(ART5_GROUNDS.values())),
        ("reg35.6", [LEGAL_DUTY_GROUND]),
    ]


def _parse_day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not is_iso_date_text(text):  # the same form the API takes
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def list_for(session: Session, zone_code: str | None, on: date) -> tuple[Zone | None, ListVersion | None]:
    """The zone chosen on the form and its version in force on ``on`` (either may be None)."""
    if not zone_code:
        return None, None
    try:
        zone = get_zone(session, zone_code)
    except NotFound:
        return None, None
    return zone, services.in_force_on(session, zone.code, on)


def form_context(values: MultiDict, errors: FieldErrors | None = None) -> dict[str, Any]:
    """What the check form shows for ``values`` (the zone's tree depends on the zone and the date)."""
    session, today = get_session(), clock.today()
    on = _parse_day(values.get("on")) or today
    zone, version = list_for(session, values.get("zone"), on)
    whole = services.version_dict(session, version) if version else None
    selected = set(values.getlist("dataset.categories"))
    return {
        "zones": list_zones(session),
        "zone": zone,
        "version": version,
        "whole": whole,
        "tree": category_tree(whole) if whole else [],
        "attributes": whole["attributes"] if whole else [],
        "values": values,
        "selected": selected,
        "other_category": OTHER_CATEGORY,
        "errors": errors or FieldErrors(),
        "labels": check_labels(),
        "grounds": ground_groups(),
        "on": on,
        "today": today,
    }


@bp.get("/check")
def check_form():
    """The check form; ``?zone=`` (and ``?on=``) preselect the zone and the list in force."""
    values = MultiDict(request.args)
    values.setdefault("on", clock.today().isoformat())
    return render_template("web/check_form.html", **form_context(values))


@bp.get("/check/categories")
def check_categories():
    """The form's category and attribute fields for a zone and date (fetched by the page's script)."""
    values = MultiDict(request.args)
    return render_template("web/_check_categories.html", **form_context(values))


@bp.post("/check")
@check_limit
def check_submit():
    """Validate the form with the API's schema, run the check and show the determination."""
    values = MultiDict(request.form)
    values.pop("csrf_token", None)
    if values.get("action") == "reload":  # no script: reload the zone's categories, check nothing
        values.pop("action", None)
        return render_template("web/check_form.html", **form_context(values))
    session = get_session()
    on = _parse_day(values.get("on")) or clock.today()
    _zone, version = list_for(session, values.get("zone"), on)
    attributes = services.version_dict(session, version)["attributes"] if version else []
    body = check_request_from_form(values, attributes)
    _add_labels(body, values)
    try:
        checked = _check_schema.load(body)
    except ValidationError as error:
        errors = FieldErrors(flatten_errors(error.messages))
        return render_template("web/check_form.html", **form_context(values, errors)), 422
    try:
        done = run_check(session, checked, current_app.config["SECRET_KEY"])
    except NotFound:
        errors = FieldErrors({"zone": [_("未找到该自贸试验区。")]})
        return render_template("web/check_form.html", **form_context(values, errors)), 422
    context = determination_context(session, done.request, done.result, done.checked_at)
    return render_template("web/determination.html", **context, form_values=values)


def _add_labels(body: dict[str, Any], values: MultiDict) -> None:
    """v1.1 labels: what the dataset is called and whose it is, so the determination names both (optional)."""
    for path, key in (("dataset.label", "label"), ("processor.name", "name")):
        text = (values.get(path) or "").strip()
        if text:
            body.setdefault(path.split(".")[0], {})[key] = text
