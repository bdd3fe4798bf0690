"""Spreadsheet bombs: an upload is checked before it is parsed, and rows stop at the cap.

A security review sent a 2.5 MB XLSX whose shared strings unpack to 2.5 GB (a worker grew to
5.47 GB), a 700 KB XLSX of two million rows (105 s before the row cap was checked) and a 1.4 MB list
of empty rows (3 minutes, 951 MB). Each is now refused in well under a second with a clear message.
Where a test bounds the effort, it bounds this process's CPU time (a busy machine stretches wall
time, not CPU time), an order of magnitude under what reading the whole file takes.
"""

from __future__ import annotations

import io
import time

import pytest
from defusedxml import EntitiesForbidden
from openpyxl.reader.strings import read_string_table

from benchmarks.workbook_files import rewrite, workbook
from registry import workbooks
from registry.checks import inventory
from registry.lists.spreadsheet import ITEM_COLUMNS, import_spreadsheet

HEADER = ["dataset", "categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data"]


def _sheet_xml(rows_xml: str, dimension: str | None = None) -> bytes:
    """A sheet as a writer that records no dimensions would save it (openpyxl then streams every row)."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def _header_row(names: list[str] = HEADER) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(names))
    return f'<row r="1">{cells}</row>'


def _inventory_bomb(rows_xml: str, dimension: str | None = None) -> io.BytesIO:
    return io.BytesIO(rewrite(workbook([HEADER]), {"xl/worksheets/sheet1.xml": _sheet_xml(rows_xml, dimension)}))


def test_a_shared_string_bomb_is_refused_before_it_is_unpacked():
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + b"A" * (200 * 1024 * 1024)
        + b"</t></si></sst>"
    )
    bomb = rewrite(workbook([HEADER, ["x", "AUTO", 0, 0, False]]), {"xl/sharedStrings.xml": strings})
    del strings
    assert len(bomb) < 1024 * 1024  # a small upload
    started = time.process_time()
    with pytest.raises(inventory.InventoryError, match="sharedStrings.xml unpacks to 200 MiB"):
        inventory.read_xlsx(io.BytesIO(bomb))
    assert time.process_time() - started < 1


def test_a_highly_compressed_part_is_refused_even_under_the_size_caps():
    sheet = _sheet_xml(_header_row() + "<row/>" * 1_000_000)  # ~6 MB of one repeated tag
    bomb = rewrite(workbook([HEADER]), {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(workbooks.UnsafeWorkbook, match="compressed .* to 1"):
        workbooks.check_archive(bomb)


def test_rows_stop_at_the_cap_and_empty_rows_count_against_it():
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 200_002))  # 200,000 empty rows under the header
    started = time.process_time()
    with pytest.raises(inventory.InventoryError, match="more than 101 rows"):
        inventory.read_xlsx(_inventory_bomb(_header_row() + rows), max_rows=100)
    assert time.process_time() - started < 2


def test_a_gap_to_row_a_million_is_not_filled_in():
    # Two rows, the second numbered 1,000,000: openpyxl fills the gap with empty rows as it streams.
    rows = _header_row() + '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    started = time.process_time()
    with pytest.raises(inventory.InventoryError, match="more than 101 rows"):
        inventory.read_xlsx(_inventory_bomb(rows), max_rows=100)
    assert time.process_time() - started < 2


def test_declared_dimensions_over_the_cap_are_refused_before_reading():
    with pytest.raises(inventory.InventoryError, match="1,048,576 rows; at most 100"):
        inventory.read_xlsx(_inventory_bomb(_header_row(), dimension="A1:E1048576"), max_rows=100)
    with pytest.raises(inventory.InventoryError, match="16,384 columns"):
        inventory.read_xlsx(_inventory_bomb(_header_row(), dimension="A1:XFD2"), max_rows=100)


def test_a_real_inventory_still_reads():
    data = workbook([HEADER, *[[f"row{n}", "AUTO.PARTS", 0, 0, False] for n in range(100)]])
    header, rows = inventory.read_xlsx(io.BytesIO(data), max_rows=100)
    assert header == HEADER and len(rows) == 100
    with pytest.raises(inventory.InventoryError, match="101 rows; at most 99"):
        inventory.read_xlsx(io.BytesIO(data), max_rows=99)


def test_a_csv_inventory_stops_at_the_cap_blank_lines_included():
    text = ",".join(HEADER) + "\n" + "\n" * 500 + "x,AUTO,0,0,false\n"
    with pytest.raises(inventory.InventoryError, match="Too many rows: at most 100"):
        inventory.read_csv_text(text, max_rows=100)
    header, rows = inventory.read_csv_text(",".join(HEADER) + "\n" + "x,AUTO,0,0,false\n" * 100, max_rows=100)
    assert len(rows) == 100


def test_xml_is_parsed_through_defusedxml():
    assert workbooks.xml_is_defused()
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
    )
    with pytest.raises(EntitiesForbidden):
        read_string_table(io.BytesIO(laughs))  # what openpyxl parses a workbook's shared strings with
    bomb = rewrite(workbook([HEADER, ["x", "AUTO", 0, 0, False]]), {"xl/sharedStrings.xml": laughs})
    with pytest.raises(inventory.InventoryError, match="could not read strings"):
        inventory.read_xlsx(io.BytesIO(bomb))


def test_the_list_import_refuses_a_sheet_of_empty_rows_quickly():
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 400_002))
    header = [column.header for column in ITEM_COLUMNS if column.required]
    items = _sheet_xml(_header_row(header) + rows)
    data = rewrite(workbook([header], title="清单 items"), {"xl/worksheets/sheet1.xml": items})
    started = time.process_time()
    result = import_spreadsheet(data, "list.xlsx")
    assert time.process_time() - started < 3
    assert result.content is None
    assert any("more than 21,000 rows" in problem.message for problem in result.problems), result.problems


def test_the_list_import_refuses_a_shared_string_bomb():
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + b"A" * (40 * 1024 * 1024)
        + b"</t></si></sst>"
    )
    data = rewrite(workbook([["code"], ["A"]], title="清单 items"), {"xl/sharedStrings.xml": strings})
    result = import_spreadsheet(data, "list.xlsx")
    assert result.content is None
    assert "unpacks to 40 MiB" in result.problems[0].message


def test_the_import_api_answers_a_bomb_with_a_422_problem_and_stores_nothing(as_user):
    from tests.lifecycle_helpers import Tianjin

    admin = Tianjin(as_user).admin
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + b"A" * (40 * 1024 * 1024)
        + b"</t></si></sst>"
    )
    data = rewrite(workbook([["code"], ["A"]], title="清单 items"), {"xl/sharedStrings.xml": strings})
    response = admin.client.post(
        "/api/v1/zones/CN-TJ-FTZ/lists/import",
        data={"file": (io.BytesIO(data), "bomb.xlsx"), "version": "bomb"},
        headers={"Authorization": f"Bearer {admin.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "unpacks to 40 MiB" in response.get_json()["errors"]["file"][0]
    assert admin.get("/api/v1/zones/CN-TJ-FTZ/lists/bomb").status_code == 404


def test_opening_a_sheet_without_dimensions_does_not_parse_it_whole():
    # openpyxl looked for <dimension> to the end of <sheetData>: a million rows parsed just to open the sheet.
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 1_000_002))
    data = _inventory_bomb(_header_row() + rows).getvalue()
    started = time.process_time()
    opened = workbooks.open_workbook(data)
    sheet = opened.worksheets[0]
    assert (sheet.max_row, sheet.max_column) == (None, None)  # undeclared: the row cap holds while streaming
    assert time.process_time() - started < 1
    opened.close()
