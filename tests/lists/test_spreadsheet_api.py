"""A zone administrator uploads the list as published (XLSX or CSV) and gets a draft; any version
downloads in the same layout, and the download re-imports to the same digest."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import openpyxl
import pytest

from registry.db import get_engine
from tests.factories import tianjin_list
from tests.lifecycle_helpers import Tianjin

LISTS = "/api/v1/zones/CN-TJ-FTZ/lists"


def _upload(caller, data: bytes, filename: str, **form):
    return caller.client.post(
        f"{LISTS}/import",
        data={"file": (io.BytesIO(data), filename), **form},
        headers={"Authorization": f"Bearer {caller.token}"} if caller.token else {},
        content_type="multipart/form-data",
    )


def test_the_xlsx_round_trip_keeps_the_digest(as_user):
    tj = Tianjin(as_user)
    submitted = tj.bring_to("submitted", version="2024")
    download = tj.admin.get(f"{LISTS}/2024/export?format=xlsx")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="CN-TJ-FTZ-2024.xlsx"' in download.headers["Content-Disposition"]
    uploaded = _upload(tj.admin, download.data, "天津清单.xlsx", version="2024-copy")
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["status"] == "draft"
    resubmitted = tj.submit("2024-copy")
    assert resubmitted["digest"] == submitted["digest"]


def test_the_csv_round_trip_keeps_the_digest(as_user):
    tj = Tianjin(as_user)
    submitted = tj.bring_to("submitted", version="2024")
    download = tj.admin.get(f"{LISTS}/2024/export?format=csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.data.startswith("\ufeff".encode())
    uploaded = _upload(tj.admin, download.data, "list.csv", version="from-csv")
    assert uploaded.status_code == 201, uploaded.get_json()
    assert tj.submit("from-csv")["digest"] == submitted["digest"]


def test_a_spreadsheet_with_errors_is_refused_row_by_row_and_nothing_is_stored(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("submitted", version="2024")
    workbook = openpyxl.load_workbook(io.BytesIO(tj.admin.get(f"{LISTS}/2024/export").data))
    items = next(sheet for sheet in workbook.worksheets if "items" in sheet.title)
    header = [cell.value for cell in items[1]]
    code_column = next(i for i, name in enumerate(header, start=1) if name and "code" in name and "类别" not in name)
    level_column = next(i for i, name in enumerate(header, start=1) if name and "level" in name)
    items.cell(row=3, column=code_column).value = items.cell(row=2, column=code_column).value  # duplicate code
    items.cell(row=4, column=level_column).value = "非常重要"  # no such level
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = tj.admin.get(LISTS).get_json()
    response = _upload(tj.admin, buffer.getvalue(), "broken.xlsx", version="broken")
    assert response.status_code == 422
    messages = response.get_json()["errors"]["file"]
    assert any("row 3" in m for m in messages) and any("row 4" in m for m in messages)
    assert tj.admin.get(LISTS).get_json() == before, "nothing stored"


def test_only_the_zone_admin_imports(as_user):
    tj = Tianjin(as_user)
    beijing = as_user("beijing-admin", "zone_admin", zone="CN-BJ-FTZ")
    response = _upload(beijing, b"whatever", "x.xlsx", version="v")
    assert response.status_code == 403
    assert _upload(tj.admin, b"not a workbook", "x.xlsx", version="v").status_code == 422
    assert tj.admin.get(f"{LISTS}/nope/export").status_code == 404
    assert tj.admin.get(f"{LISTS}/2024/export?format=pdf").status_code in (404, 422)


@pytest.mark.slow  # starts processes
def test_the_command_line_imports_and_exports(app, as_user, tmp_path):
    tj = Tianjin(as_user)
    tj.admin.post(LISTS, json=tianjin_list(version="2024"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATABASE_URL"] = get_engine(app).url.render_as_string(hide_password=False)
    env["REGISTRY_AUDIT_KEY"] = app.config["AUDIT_KEY"]

    def registry(*args):
        return subprocess.run([sys.executable, "-m", "registry.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    exported = registry("lists", "export", "CN-TJ-FTZ", "2024", str(tmp_path / "tj.xlsx"))
    assert exported.returncode == 0, exported.stderr
    imported = registry("lists", "import", "CN-TJ-FTZ", str(tmp_path / "tj.xlsx"), "--version", "2024-b")
    assert imported.returncode == 0, imported.stderr
    assert "created draft CN-TJ-FTZ 2024-b with 3 items" in imported.stdout
    history = tj.admin.get(f"{LISTS}/2024-b").get_json()["history"]
    assert history[0]["action"] == "created" and history[0]["actor"].startswith("cli:")
    (tmp_path / "bad.csv").write_text("# title: x\nnot,a,list\n", encoding="utf-8")
    failed = registry("lists", "import", "CN-TJ-FTZ", str(tmp_path / "bad.csv"), "--version", "bad")
    assert failed.returncode != 0 and "bad.csv" in failed.stderr
