"""The inventory pages: upload a company's data inventory, check every row, read and download the results.

A company's own sheet is read as companies keep it (Chinese titles, 是/否, 12万; see
:class:`registry.checks.inventory.SheetReading`). The upload is checked, its results kept for an
hour under an unguessable token (a JSON file; the folder is bounded by age, count and size), and
the browser is sent to the results page, which filters by outcome; the downloads are written from
the kept results in the reader's language (:mod:`registry.web.inventory_sheets`).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import secrets
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from registry import clock
from registry.checks import inventory
from registry.checks.schemas import CsvBatchQuerySchema, ProcessorSchema
from registry.checks.services import run_batch
from registry.db import get_session
from registry.errors import NotFound
from registry.figures import parse_count
from registry.limits import anonymous_check_limit, limiter
from registry.lists import services
from registry.web import inventory_sheets as sheets
from registry.web.auth import staff_exempt
from registry.web.blueprint import bp
from registry.web.checking import _parse_day, list_for
from registry.web.formats import OUTCOME_SHORT, format_datetime, label
from registry.web.forms import FieldErrors, flatten_errors
from registry.web.i18n import current_language
from registry.web.svg import bar_chart_svg
from registry.zones.services import get_zone, list_zones

RESULT_FOLDER = "web-inventory-results"
RESULT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
RESULT_LIFETIME_SECONDS = 3600
RESULT_MAX_FILES = 400  # one file a result: the newest 400 inventory results are kept
RESULT_MAX_BYTES = 256 * 1024 * 1024
TABLE_ROWS_SHOWN = 1000
CHUNK = 500  # datasets per call of the batch service
OUTCOME_ORDER = ("security_assessment", "standard_contract_or_certification", "undetermined", "not_required",
                 "exempt", "invalid")  # fmt: skip
CUMULATIVE_FIELDS = ("cumulative_personal_info_subjects", "cumulative_sensitive_pi_subjects")

# Why a file cannot be read, by the reader's stable code (registry.checks.inventory.InventoryError.code).
FILE_MESSAGES = {
    "no_header": _l("文件第一行应为列名，但第一行是空的。"),
    "missing_columns": _l("缺少必填的列：%(columns)s。列名可用中文（如“数据类别”）或英文（如 categories）。"),
    "duplicate_columns": _l("列名重复：%(columns)s。每一列只能出现一次。"),
    "empty": _l("文件是空的。"),
    "not_csv": _l("第%(line)s行不是有效的 CSV 格式（例如引号不成对）。"),
    "too_many_rows": _l("行数过多：一次最多核查%(max_rows)s行（空行也计算在内）。"),
    "no_sheet": _l("工作簿中没有工作表。"),
    "unsafe_workbook": _l("该工作簿过大或结构异常，未予读取。请拆分文件，或另存为 CSV 后上传。"),
    "unreadable": _l("无法读取该工作表，文件可能已损坏。请另存为 CSV 后上传。"),
    "not_inventory_file": _l("请上传 .csv 或 .xlsx 文件。"),
    "encoding": _l("无法识别文件编码，请以 UTF-8 保存 CSV 文件。"),
}
# Notes on a row, stored by code and written in the reader's language when shown.
NOTE_MESSAGES = {
    "cumulative_from_form": _l("本行未填当年累计人数，已采用上传页面填写的当年累计人数。"),
}


def inventory_labels() -> dict[str, str]:
    """The upload form's fields, in the order the form asks them (for the error summary)."""
    return {
        "zone": _("自贸试验区"),
        "on": _("数据出境日期"),
        "in_zone": _("是否在自贸试验区内"),
        "ciio": _("是否为关键信息基础设施运营者"),
        "cumulative_personal_info_subjects": _("当年累计个人信息人数"),
        "cumulative_sensitive_pi_subjects": _("当年累计敏感个人信息人数"),
        "file": _("数据清单文件"),
    }


def file_message(error: inventory.InventoryError) -> str:
    """Why the file cannot be read, in the reader's language."""
    params = dict(error.params)
    if error.code == "missing_columns":
        params["columns"] = _("、").join(sheets.column_label(c) for c in params["columns"])
    elif "columns" in params:  # as titled in the file
        params["columns"] = _("、").join(params["columns"])
    if "max_rows" in params:
        params["max_rows"] = f"{params['max_rows']:,}"
    message = FILE_MESSAGES.get(error.code)
    return str(message) % params if message is not None else str(FILE_MESSAGES["unreadable"])


# --- the results folder --------------------------------------------------------------------


def _result_folder() -> Path:
    folder = Path(current_app.instance_path) / RESULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    """Delete results past their lifetime, then the oldest until the folder is within its count and size."""
    cutoff = time.time() - RESULT_LIFETIME_SECONDS
    kept = []
    for path in folder.iterdir():
        try:
            stat = path.stat()
            if stat.st_mtime < cutoff:
                path.unlink()
            else:
                kept.append((stat.st_mtime, stat.st_size, path))
        except OSError:
            continue
    kept.sort(key=lambda entry: entry[0])
    total = sum(size for _mtime, size, _path in kept)
    while kept and (len(kept) > RESULT_MAX_FILES or total > RESULT_MAX_BYTES):
        _mtime, size, path = kept.pop(0)
        total -= size
        with contextlib.suppress(OSError):
            path.unlink()


def _keep(stored: dict[str, Any]) -> str:
    """Keep the results under a new token; return the token."""
    folder = _result_folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}.json"
    partial = folder / f".{token}.partial"
    partial.write_text(json.dumps(stored, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    partial.replace(path)  # readers never see half a file
    return token


def _kept(token: str) -> dict[str, Any]:
    """The results kept under ``token``; 404 when the token is malformed, unknown or expired."""
    if not RESULT_TOKEN.match(token):
        abort(404)
    path = _result_folder() / f"{token}.json"
    try:
        if path.stat().st_mtime < time.time() - RESULT_LIFETIME_SECONDS:
            abort(404)
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)


# --- reading the upload --------------------------------------------------------------------


def _titles(zone_code: str | None, on: date | None) -> dict[str, str]:
    """The list's attribute labels as column titles (a company may title a column 车辆数量)."""
    _zone, version = list_for(get_session(), zone_code, on or clock.today())
    if version is None:
        return {}
    titles = {}
    for attribute in version.attributes or ():
        for key in ("label_zh", "label_en"):
            if attribute.get(key):
                titles[attribute[key]] = attribute["name"]
    return titles


def _read_upload(upload, reading: inventory.SheetReading) -> inventory.Table:
    name = (upload.filename or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        return inventory.read_xlsx_table(io.BytesIO(data), _max_rows(), reading)
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # spreadsheet programs in China often save GB18030
            try:
                return inventory.read_csv_table(data.decode(encoding), _max_rows(), reading)
            except UnicodeDecodeError:
                continue
        raise inventory.InventoryError("Unknown encoding.", "encoding")
    raise inventory.InventoryError("An inventory is a .csv or .xlsx file.", "not_inventory_file")


def _inventory_page(values: MultiDict, errors: FieldErrors, status: int = 200):
    session = get_session()
    return (
        render_template(
            "web/inventory.html",
            zones=list_zones(session),
            values=values,
            errors=errors,
            labels=inventory_labels(),
            columns=inventory.KNOWN_COLUMNS,
            titles=inventory.COLUMN_TITLES,
            max_rows=_max_rows(),
        ),
        status,
    )


def _max_rows() -> int:
    largest = int(current_app.config["MAX_BATCH_DATASETS"])
    return largest if staff_exempt() else min(largest, int(current_app.config["ANONYMOUS_BATCH_MAX_DATASETS"]))


@bp.get("/check/inventory")
def inventory_form():
    """Upload an inventory (CSV or XLSX) to check every dataset in it."""
    values = MultiDict(request.args)
    values.setdefault("on", clock.today().isoformat())
    return _inventory_page(values, FieldErrors())


# --- templates -----------------------------------------------------------------------------


@bp.get("/check/inventory/template.<fmt>")
def inventory_template(fmt: str):
    """A zone's inventory template (``?zone=``, ``?on=``): its in-force categories, two example rows."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    session = get_session()
    on = _parse_day(request.args.get("on")) or clock.today()
    zone, version = list_for(session, request.args.get("zone"), on)
    whole = services.version_dict(session, version) if version else None
    listed = sheets.TemplateList(
        zone_name=((zone.name_en or zone.name_zh) if current_language() == "en" else zone.name_zh) if zone else "",
        title=version.title if version else None,
        version=version.version if version else None,
        digest=version.digest if version else None,
        categories=whole["categories"] if whole else [],
        attributes=whole["attributes"] if whole else [],
    )
    data = sheets.template_xlsx(listed) if fmt == "xlsx" else sheets.template_csv(listed)
    name = f"inventory-template-{zone.code}.{fmt}" if zone else f"inventory-template.{fmt}"
    mimetype = sheets.XLSX_MIMETYPE if fmt == "xlsx" else "text/csv"
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


# --- checking ------------------------------------------------------------------------------


def _inventory_cost() -> int:
    """An anonymous upload costs one check per row against the rate limit, as an API batch does.

    The rows are read here, before the view, and kept for it (``g.inventory_upload``); a file
    that cannot be read costs one check and is refused by the view as usual.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return 1
    zone_code = (request.form.get("zone") or "").strip()
    reading = inventory.SheetReading(titles=_titles(zone_code, _parse_day(request.form.get("on"))))
    try:
        g.inventory_upload = _read_upload(upload, reading)
    except inventory.InventoryError as error:
        g.inventory_upload = error
        return 1
    return max(1, len(g.inventory_upload.rows))


def _year_totals(values: MultiDict, flat: dict[str, list[str]]) -> dict[str, int]:
    """The year-to-date totals given once on the form; a malformed one is named under its field."""
    totals = {}
    for name in CUMULATIVE_FIELDS:
        value = parse_count(values.get(name))
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            totals[name.removeprefix("cumulative_")] = value
        else:
            flat[name] = [_("请填写人数：不小于0的整数，例如 120000、120,000 或 12万。")]
    return totals


def _plain(errors: Any) -> Any:
    """Validation messages as JSON can keep them (a message may be a lazy string)."""
    if isinstance(errors, dict):
        return {str(key): _plain(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [_plain(value) for value in errors]
    return str(errors)


def _stored_row(row: inventory.InventoryRow, dataset: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """What the results page and the downloads need of one row (not the long explanation)."""
    if result["outcome"] == "invalid":
        kept: dict[str, Any] = {"outcome": "invalid", "errors": _plain(result["errors"])}
    else:
        article6 = result["article6"]
        kept = {
            "outcome": result["outcome"],
            "national_outcome": result.get("national_outcome"),
            "article6": article6["status"],
            "basis": result["basis"],
            "matched": article6.get("matched_items") or [],
            "unknown": article6.get("unknown_categories") or [],
            "suggestions": article6.get("suggestions") or {},
            "receipt": result.get("receipt"),
        }
    notes = []
    holds_personal_information = any(
        isinstance(dataset.get(name), int | float) and dataset[name] > 0
        for name in ("personal_info_subjects", "sensitive_pi_subjects")
    )
    own_totals = any(row.cells.get(name) for name in CUMULATIVE_FIELDS)
    if holds_personal_information and dataset.get("cumulative") and not own_totals:
        notes.append("cumulative_from_form")  # where the form's totals decided something
    return {"line": row.line, "cells": row.cells, **kept, "notes": notes}


@bp.post("/check/inventory")
@limiter.limit(anonymous_check_limit, exempt_when=staff_exempt, cost=_inventory_cost)
def inventory_submit():
    """Check the uploaded inventory, keep the results and send the browser to them.

    A script that sends the form itself (``X-Requested-With: fetch``) is answered with the results'
    address as JSON instead of a redirect, so that it can show the upload's progress.
    """
    session = get_session()
    values = MultiDict(request.form)
    values.pop("csrf_token", None)
    flat: dict[str, list[str]] = {}
    zone_code = (values.get("zone") or "").strip()
    zone = None
    if not zone_code:
        flat["zone"] = [_("请选择自贸试验区。")]
    else:
        try:
            zone = get_zone(session, zone_code)
        except NotFound:
            flat["zone"] = [_("未找到该自贸试验区。")]
    on_text = (values.get("on") or "").strip()
    on: date | None = clock.today()
    if on_text:
        try:  # the batch API's own rule for a check's date: YYYY-MM-DD, not before Order No. 16
            on = CsvBatchQuerySchema(only=("on",)).load({"on": on_text})["on"]
        except ValidationError as error:
            flat.update(flatten_errors(error.messages))
            on = None
    processor_raw = {}
    for name in ("in_zone", "ciio"):
        answer = {"yes": True, "no": False}.get(values.get(name, ""))
        if answer is not None:
            processor_raw[name] = answer
    try:
        processor = ProcessorSchema().load(processor_raw)
    except ValidationError as error:
        flat.update(flatten_errors(error.messages))
        processor = None
    totals = _year_totals(values, flat)
    upload = request.files.get("file")
    table = None
    if upload is None or not upload.filename:
        flat["file"] = [_("请选择要上传的数据清单文件。")]
    else:
        try:
            parsed = g.pop("inventory_upload", None)
            if parsed is None:
                parsed = _read_upload(upload, inventory.SheetReading(titles=_titles(zone_code, on)))
            if isinstance(parsed, inventory.InventoryError):
                raise parsed
            table = parsed
        except inventory.InventoryError as error:
            flat["file"] = [file_message(error)]
        else:
            if not table.rows:
                flat["file"] = [_("文件中没有数据行。")]
            elif len(table.rows) > _max_rows():
                flat["file"] = [_("一次最多核查%(count)s行。", count=f"{_max_rows():,}")]
    if flat or table is None or zone is None or on is None:
        return _inventory_page(values, FieldErrors(flat), 422)
    reading = inventory.SheetReading(grounds=sheets.ground_names(), cumulative=totals)
    datasets = [inventory.row_to_dataset(row, reading) for row in table.rows]
    results: list[dict[str, Any]] = []
    for start in range(0, len(datasets), CHUNK):
        results += run_batch(
            session, zone_code, on, processor, datasets[start : start + CHUNK], current_app.config["SECRET_KEY"]
        )
    token = _keep(_stored(session, zone, on, processor, upload.filename, table, datasets, results, totals))
    target = url_for("web.inventory_results", token=token)
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify({"location": target})
    return redirect(target, code=303)


def _stored(session, zone, on, processor, filename, table, datasets, results, totals) -> dict[str, Any]:
    """The results as kept: the facts of the check, the list it used, and each row."""
    ref = next(((r.get("article6") or {}).get("list") for r in results if (r.get("article6") or {}).get("list")), None)
    listed = None
    if ref:
        with contextlib.suppress(NotFound):
            version = services.get_version(session, None, ref["zone"], ref["version"])
            listed = {
                "title": version.title,
                "version": version.version,
                "digest": version.digest,
                "full_text_url": ref.get("full_text_url") or (version.record or {}).get("full_text_url"),
            }
    checked_at = datetime.now(UTC).isoformat(timespec="seconds")
    written = {column: title for column, title in zip(table.header, table.written, strict=True) if column}
    return {
        "zone": {"code": zone.code, "name_zh": zone.name_zh, "name_en": zone.name_en},
        "on": on.isoformat(),
        "processor": processor,
        "totals": totals,
        "filename": filename,
        "checked_at": checked_at,
        "list": listed,
        "columns": list(written),
        "titles": written,
        "total": len(results),
        "counts": dict(Counter(r["outcome"] for r in results)),
        "rows": [
            _stored_row(row, dataset, result)
            for row, dataset, result in zip(table.rows, datasets, results, strict=True)
        ],
    }


# --- the results ---------------------------------------------------------------------------


def _error_column(path: str) -> str:
    """The column a validation error is about: ``cumulative.personal_info_subjects`` → its column."""
    head, _sep, rest = path.partition(".")
    if head == "cumulative":  # the totals as a whole are named by the first of them
        return "cumulative_" + (rest.split(".")[0] if rest else "personal_info_subjects")
    if head == "attributes" and rest:
        return rest.split(".")[0]
    if head == "label":
        return "dataset"
    return head


def _column_title(titles: dict[str, str], column: str) -> str:
    """A column as the reader knows it: its own title in the file, the page's name for a contract name."""
    title = titles.get(column)
    return title if title and title != column else sheets.column_label(column)


def row_messages(stored: dict[str, Any]):
    """A function giving a row's problems and notes as ``(kind, text)`` in the reader's language.

    ``kind`` is ``error`` (the row was not checked), ``unknown`` (a category code the list does not
    know) or ``note``; a column is named by its title in the file, never by a field path.
    """
    titles = stored["titles"]
    notes = {code: str(text) for code, text in NOTE_MESSAGES.items()}  # translated once, not once a row
    unknown_texts: dict[tuple[str, tuple[str, ...]], str] = {}

    def unknown_text(code: str, near: tuple[str, ...]) -> str:
        if (code, near) not in unknown_texts:
            unknown_texts[code, near] = (
                _("“%(code)s”不是本清单的类别——是否指 %(near)s？", code=code, near=_("、").join(near))
                if near
                else _("“%(code)s”不是本清单的类别。", code=code)
            )
        return unknown_texts[code, near]

    def messages(row: dict[str, Any]) -> list[tuple[str, str]]:
        found = []
        for path, texts in flatten_errors(row.get("errors") or {}).items():
            if path == "_schema":
                found += [("error", text) for text in texts]
                continue
            column = _error_column(path)
            title = _column_title(titles, column)
            found.append(("error", _("%(column)s：%(messages)s", column=title, messages=" ".join(texts))))
        for code in row.get("unknown") or ():
            found.append(("unknown", unknown_text(code, tuple((row.get("suggestions") or {}).get(code) or ()))))
        found += [("note", notes[code]) for code in row.get("notes") or () if code in notes]
        return found

    return messages


def _determination_urls():
    """A function giving a receipt's determination address (a receipt is URL-safe: base64url and a dot)."""
    base = url_for("web.verify", _external=True)
    return lambda receipt: f"{base}?receipt={receipt}"


def _download_context(stored: dict[str, Any]) -> dict[str, Any]:
    stored["written_titles"] = [stored["titles"][c] for c in stored["columns"]]
    stored["checked_at_local"] = format_datetime(stored["checked_at"])
    return stored


@bp.get("/check/inventory/results/<token>")
def inventory_results(token: str):
    """The kept results: counts per outcome as a chart and a table, the rows (``?outcome=`` filters)."""
    stored = _kept(token)
    counts = Counter(stored["counts"])
    chosen = request.args.get("outcome")
    if chosen not in OUTCOME_ORDER:
        chosen = None
    rows = [row for row in stored["rows"] if chosen is None or row["outcome"] == chosen]
    chart_rows = [(key, label(OUTCOME_SHORT, key), counts.get(key, 0)) for key in OUTCOME_ORDER if counts.get(key)]
    chart = bar_chart_svg(chart_rows, _("核查结论分布")) if chart_rows else None
    return render_template(
        "web/inventory_results.html",
        stored=stored,
        zone=stored["zone"],
        on=date.fromisoformat(stored["on"]),
        filename=stored["filename"],
        total=stored["total"],
        counts=counts,
        chart=chart,
        chart_rows=chart_rows,
        chosen=chosen,
        rows=rows[:TABLE_ROWS_SHOWN],
        matching=len(rows),
        shown=min(len(rows), TABLE_ROWS_SHOWN),
        token=token,
        messages=row_messages(stored),
    )


@bp.get("/check/inventory/results/<token>/rows/<int:line>")
def inventory_row_determination(token: str, line: int):
    """One row's determination: its receipt on the verification page."""
    stored = _kept(token)
    row = next((r for r in stored["rows"] if r["line"] == line and r.get("receipt")), None)
    if row is None:
        abort(404)
    return redirect(url_for("web.verify", receipt=row["receipt"]), code=303)


@bp.get("/check/inventory/results/<token>.<fmt>")
def inventory_download(token: str, fmt: str):
    """The results as CSV or XLSX, in the reader's language, while they are kept (an hour)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    stored = _download_context(_kept(token))
    messages = row_messages(stored)
    if fmt == "csv":
        data, mimetype = sheets.results_csv(stored, messages, _determination_urls()), "text/csv"
    else:
        data = sheets.results_xlsx(stored, messages, _determination_urls(), OUTCOME_ORDER)
        mimetype = sheets.XLSX_MIMETYPE
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=f"inventory-results.{fmt}")
