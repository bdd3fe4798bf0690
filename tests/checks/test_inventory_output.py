"""The inventory's results as CSV and XLSX: numbers as numbers, text never a live formula."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from registry.checks.inventory import InventoryRow, write_inventory

HEADER = ["dataset", "categories", "personal_info_subjects"]
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "'=1"]


def _results(count: int) -> list[dict]:
    return [
        {
            "outcome": "exempt",
            "basis": ["art6"],
            "article6": {"status": "inside", "matched_items": ["AUTO-001"], "list": {"version": "2024"}},
            "receipt": "receipt",
        }
    ] * count


def _rows() -> list[InventoryRow]:
    return [
        InventoryRow(n + 2, {"dataset": label, "categories": "AUTO", "personal_info_subjects": "120000"})
        for n, label in enumerate(HOSTILE)
    ]


def test_the_csv_escapes_formulas_as_the_list_exports_do(tmp_path):
    path = tmp_path / "out.csv"
    write_inventory(path, HEADER, _rows(), _results(len(HOSTILE)))
    records = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    labels = [record[0] for record in records[1:]]
    assert labels == ["'" + label for label in HOSTILE]
    assert all(record[2] == "120000" for record in records[1:])  # a number is not a formula


def test_the_xlsx_is_written_directly_with_numbers_as_numbers_and_text_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    write_inventory(path, HEADER, _rows(), _results(len(HOSTILE)))
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    # A CR comes back as written or as XML's LF, depending on whether openpyxl writes through lxml.
    assert [row[0].value.replace("\r", "\n") for row in rows] == [label.replace("\r", "\n") for label in HOSTILE]
    assert all(row[0].data_type == "s" for row in rows)  # text, never a formula ("f")
    assert all(row[2].value == 120000 and row[2].data_type == "n" for row in rows)


@pytest.mark.parametrize("figure", ["1234567890123456789", "007"])
def test_a_figure_a_spreadsheet_would_change_stays_text(tmp_path, figure):
    path = tmp_path / "out.xlsx"
    rows = [InventoryRow(2, {"dataset": figure, "categories": "AUTO", "personal_info_subjects": "1"})]
    write_inventory(path, HEADER, rows, _results(1))
    value = load_workbook(path).worksheets[0].cell(2, 1).value
    assert value == figure
