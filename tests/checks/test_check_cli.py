"""`registry check` on a real spreadsheet: progress, a summary table, invalid rows by line number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from registry.db import get_engine
from tests.lifecycle_helpers import Tianjin

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out

ROWS = [
    ["dataset", "categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data",
     "cumulative_personal_info_subjects", "cumulative_sensitive_pi_subjects", "grounds", "vehicle_count"],
    ["车辆轨迹", "AUTO.VEH.TRACK", 50000, 0, False, 150000, 0, None, 20000],
    ["客服录音", "SERVICE.CALLS", 2000, 0, False, 2000, 0, None, None],
    ["坏行", "AUTO", "很多", 0, False, None, None, None, None],
    ["基因样本", "HEALTH.GENE", 0, 0, False, None, None, None, None],
]  # fmt: skip


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    workbook = Workbook()
    for row in ROWS:
        workbook.active.append(row)
    path = tmp_path / "数据清单.xlsx"
    workbook.save(path)
    return path


def _run(app, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATABASE_URL"] = get_engine(app).url.render_as_string(hide_password=False)
    env["REGISTRY_AUDIT_KEY"] = app.config["AUDIT_KEY"]
    env["REGISTRY_SECRET_KEY"] = app.config["SECRET_KEY"]
    return subprocess.run([sys.executable, "-m", "registry.cli", "check", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_checking_an_xlsx_inventory_writes_results_and_names_bad_lines(app, as_user, inventory, tmp_path):
    Tianjin(as_user).bring_to("published", effective_from="2024-05-10")
    output = tmp_path / "结果.xlsx"
    result = _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "--on", "2024-06-01", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "line 4" in result.stderr and "personal_info_subjects" in result.stderr
    assert "4 datasets checked" in result.stderr
    sheet = load_workbook(output).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:9] == ROWS[0] and header[9:15] == [
        "article6_status", "outcome", "basis", "matched_items", "list_version", "receipt",
    ]  # fmt: skip
    outcomes = {row[0]: row[header.index("outcome")] for row in rows[1:]}
    assert outcomes == {
        "车辆轨迹": "security_assessment",
        "客服录音": "exempt",  # not in the list's scope, and under 100,000 people: Art. 5(4)
        "坏行": "invalid",
        "基因样本": "security_assessment",
    }
    statuses = {row[0]: row[header.index("article6_status")] for row in rows[1:]}
    assert statuses["客服录音"] == "not_applicable"


def test_the_summary_counts_each_outcome(app, as_user, inventory, tmp_path):
    Tianjin(as_user).bring_to("published", effective_from="2024-05-10")
    result = _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "--on", "2024-06-01")
    assert result.returncode == 0, result.stderr
    summary = [line for line in result.stderr.splitlines() if "│" in line]
    counts = {cells[0]: int(cells[1]) for cells in (
        [c.strip() for c in line.strip("│").split("│")] for line in summary) if len(cells) == 2}  # fmt: skip
    assert counts == {"security_assessment": 2, "exempt": 1, "invalid": 1}


def test_a_csv_output_and_bad_arguments(app, as_user, inventory, tmp_path):
    output = tmp_path / "out.csv"
    assert _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "-o", str(output)).returncode == 0
    assert output.read_bytes().startswith("\ufeff".encode()), "a BOM, so spreadsheet programs read the Chinese"
    assert "车辆轨迹" in output.read_text(encoding="utf-8-sig")
    assert _run(app, tmp_path, str(inventory), "--zone", "CN-XX-FTZ").returncode != 0
    assert _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "-o", "x.pdf").returncode != 0
    not_a_sheet = tmp_path / "notes.xlsx"
    not_a_sheet.write_text("hello")
    failed = _run(app, tmp_path, str(not_a_sheet), "--zone", "CN-TJ-FTZ")
    assert failed.returncode != 0 and "XLSX" in failed.stderr


def test_v1_1_legal_duty_is_read_national_outcome_written_and_early_dates_refused(app, tmp_path):
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(
        "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,"
        "cumulative_personal_info_subjects,cumulative_sensitive_pi_subjects,grounds\n"
        "税务申报,FIN,200000,0,false,200000,0,legal_duty\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.csv"
    result = _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "--on", "2025-01-01", "-o", str(output))
    assert result.returncode == 0, result.stderr
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    assert row[header.index("outcome")] == "exempt"
    assert row[header.index("basis")] == "reg35.6"
    assert row[header.index("national_outcome")] == "exempt"
    early = _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "--on", "2024-03-21")
    assert early.returncode != 0 and "2024-03-22" in early.stderr
    assert _run(app, tmp_path, str(inventory), "--zone", "CN-TJ-FTZ", "--on", "2024-03-22").returncode == 0
