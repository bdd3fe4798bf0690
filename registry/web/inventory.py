"""The inventory pages: upload a company's data inventory, check every row, download the results."""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import time
from collections import Counter
from pathlib import Path

from flask import abort, current_app, g, render_template, request, send_file
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from registry import clock
from registry.checks import inventory
from registry.checks.engine import ORDER_IN_FORCE_FROM
from registry.checks.schemas import ProcessorSchema
from registry.checks.services import run_batch
from registry.db import get_session
from registry.errors import NotFound
from registry.limits import anonymous_check_limit, limiter
from registry.web.blueprint import bp
from registry.web.checking import _parse_day, _staff_exempt
from registry.web.formats import OUTCOME_SHORT, label
from registry.web.forms import FieldErrors, flatten_errors
from registry.web.svg import bar_chart_svg
from registry.zones.services import get_zone, list_zones

RESULT_FOLDER = "web-inventory-results"
RESULT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
RESULT_LIFETIME_SECONDS = 3600
RESULT_MAX_FILES = 400  # two files a result: the newest 200 inventory results are kept
RESULT_MAX_BYTES = 256 * 1024 * 1024
TABLE_ROWS_SHOWN = 1000
OUTCOME_ORDER = ("security_assessment", "standard_contract_or_certification", "undetermined", "not_required",
                 "exempt", "invalid")  # fmt: skip


# --- inventories ---------------------------------------------------------------------------


def inventory_labels() -> dict[str, str]:
    return {
        "zone": _("自贸试验区"),
        "on": _("数据出境日期"),
        "in_zone": _("是否在自贸试验区内"),
        "ciio": _("是否为关键信息基础设施运营者"),
        "file": _("数据清单文件"),
    }


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


def _read_upload(upload) -> tuple[list[str], list[inventory.InventoryRow]]:
    name = (upload.filename or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        return inventory.read_xlsx(io.BytesIO(data), max_rows=_max_rows())  # a file object as well as a path
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):  # spreadsheet programs in China often save GB18030
            try:
                return inventory.read_csv_text(data.decode(encoding), max_rows=_max_rows())
            except UnicodeDecodeError:
                continue
        raise inventory.InventoryError(_("无法识别文件编码，请以 UTF-8 保存 CSV 文件。"))
    raise inventory.InventoryError(_("请上传 .csv 或 .xlsx 文件。"))


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
            max_rows=_max_rows(),
        ),
        status,
    )


def _max_rows() -> int:
    largest = int(current_app.config["MAX_BATCH_DATASETS"])
    return largest if _staff_exempt() else min(largest, int(current_app.config["ANONYMOUS_BATCH_MAX_DATASETS"]))


@bp.get("/check/inventory")
def inventory_form():
    """Upload an inventory (CSV or XLSX) to check every dataset in it."""
    values = MultiDict(request.args)
    values.setdefault("on", clock.today().isoformat())
    return _inventory_page(values, FieldErrors())


@bp.get("/check/inventory/template.csv")
def inventory_template():
    """An empty inventory with the contract's columns and two example rows."""
    text = (
        ",".join(inventory.KNOWN_COLUMNS)
        + "\r\n"
        + "客户订单,TRADE;TRADE.ORDER,0,0,false,0,0,international_trade\r\n"
        + "车辆轨迹,AUTO.VEH.TRACK,50000,0,false,120000,0,\r\n"
    )
    return send_file(
        io.BytesIO(("\ufeff" + text).encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name="inventory-template.csv",
    )


def _inventory_cost() -> int:
    """An anonymous upload costs one check per row against the rate limit, as an API batch does.

    The rows are read here, before the view, and kept for it (``g.inventory_upload``); a file
    that cannot be read costs one check and is refused by the view as usual.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return 1
    try:
        g.inventory_upload = _read_upload(upload)
    except inventory.InventoryError as error:
        g.inventory_upload = error
        return 1
    return max(1, len(g.inventory_upload[1]))


@bp.post("/check/inventory")
@limiter.limit(anonymous_check_limit, exempt_when=_staff_exempt, cost=_inventory_cost)
def inventory_submit():
    """Check the uploaded inventory; show the outcomes as a chart and a table, with downloads."""
    session = get_session()
    values = MultiDict(request.form)
    values.pop("csrf_token", None)
    flat: dict[str, list[str]] = {}
    zone_code = (values.get("zone") or "").strip()
    if not zone_code:
        flat["zone"] = [_("请选择自贸试验区。")]
    else:
        try:
            get_zone(session, zone_code)
        except NotFound:
            flat["zone"] = [_("未找到该自贸试验区。")]
    on_text = (values.get("on") or "").strip()
    on = _parse_day(on_text) if on_text else clock.today()
    if on is None:
        flat["on"] = [_("请填写有效日期，格式为“年-月-日”，例如 2024-05-09。")]
    elif on < ORDER_IN_FORCE_FROM:
        flat["on"] = [
            _("《促进和规范数据跨境流动规定》自2024年3月22日起施行（第十四条），本系统不对此前的数据出境作出判断。")
        ]  # noqa: E501
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
    upload = request.files.get("file")
    header: list[str] = []
    rows: list[inventory.InventoryRow] = []
    if upload is None or not upload.filename:
        flat["file"] = [_("请选择要上传的数据清单文件。")]
    else:
        try:
            parsed = g.pop("inventory_upload", None) or _read_upload(upload)
            if isinstance(parsed, inventory.InventoryError):
                raise parsed
            header, rows = parsed
        except inventory.InventoryError as error:
            flat["file"] = [str(error)]
        else:
            if not rows:
                flat["file"] = [_("文件中没有数据行。")]
            elif len(rows) > _max_rows():
                flat["file"] = [_("一次最多核查%(count)s行。", count=_max_rows())]
    if flat:
        return _inventory_page(values, FieldErrors(flat), 422)
    results = []
    for start in range(0, len(rows), 200):
        chunk = rows[start : start + 200]
        results += run_batch(
            session, zone_code, on, processor, [inventory.row_to_dataset(r) for r in chunk],
            current_app.config["SECRET_KEY"],
        )  # fmt: skip
    folder = _result_folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    for suffix in (".csv", ".xlsx"):
        inventory.write_inventory(folder / f"{token}{suffix}", header, rows, results)
    counts = Counter(r["outcome"] for r in results)
    chart_rows = [(key, label(OUTCOME_SHORT, key), counts.get(key, 0)) for key in OUTCOME_ORDER if counts.get(key)]
    chart = bar_chart_svg(chart_rows, _("核查结论分布")) if chart_rows else None
    table = [
        {"row": row, "result": result, "cells": inventory.result_cells(result)}
        for row, result in list(zip(rows, results, strict=True))[:TABLE_ROWS_SHOWN]
    ]
    return render_template(
        "web/inventory_results.html",
        zone=get_zone(session, zone_code),
        on=on,
        processor=processor,
        filename=upload.filename,
        total=len(rows),
        counts=counts,
        chart=chart,
        chart_rows=chart_rows,
        table=table,
        shown=min(len(rows), TABLE_ROWS_SHOWN),
        token=token,
        error_text=lambda errors: "; ".join(
            f"{path}: {' '.join(messages)}" for path, messages in flatten_errors(errors).items()
        ),
    )


@bp.get("/check/inventory/results/<token>.<fmt>")
def inventory_download(token: str, fmt: str):
    """The results of an inventory check, kept for an hour under an unguessable name."""
    if fmt not in ("csv", "xlsx") or not RESULT_TOKEN.match(token):
        abort(404)
    path = _result_folder() / f"{token}.{fmt}"
    if not path.exists():
        abort(404)
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=f"inventory-results.{fmt}")
