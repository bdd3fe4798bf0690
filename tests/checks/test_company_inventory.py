"""Reading a company's own sheet (the inventory page) while the API and the CLI stay exact."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from registry.checks.inventory import (
    COLUMN_TITLES,
    KNOWN_COLUMNS,
    InventoryError,
    SheetReading,
    read_csv_table,
    read_csv_text,
    read_xlsx_table,
    row_to_dataset,
    title_key,
)
from registry.figures import parse_count, parse_yes_no_word

COMPANY = SheetReading(
    titles={"车辆数": "vehicle_count"},
    grounds={"国际贸易": "international_trade"},
    cumulative={"personal_info_subjects": 150_000},
)


def test_every_contract_column_has_chinese_titles_and_no_title_names_two_columns():
    assert set(COLUMN_TITLES) == set(KNOWN_COLUMNS)
    keys = [title_key(title) for titles in COLUMN_TITLES.values() for title in titles]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("title", "column"),
    [("数据类别", "categories"), ("个人信息人数（人）", "personal_info_subjects"), (" Personal Info Subjects ",
     "personal_info_subjects"), ("是否包含重要数据", "important_data"), ("当年累计敏感个人信息人数",
     "cumulative_sensitive_pi_subjects"), ("豁免情形", "grounds"), ("车辆数", "vehicle_count"), ("备注", "备注")],
)  # fmt: skip
def test_a_title_names_its_column(title, column):
    assert COMPANY.column_for(title) == column


def test_chinese_titles_yes_no_and_wan_become_a_dataset():
    text = (
        "数据名称,数据类别,个人信息人数,敏感个人信息人数,是否重要数据,豁免情形,车辆数\r\n"
        '轨迹,AUTO.TRACK、AUTO.IMG,12万,"1,200",是,国际贸易；academic_cooperation,1.2万\r\n'
        "订单,TRADE,0,0,N,,\r\n"
    )
    table = read_csv_table(text, reading=COMPANY)
    assert table.header == ["dataset", "categories", "personal_info_subjects", "sensitive_pi_subjects",
                            "important_data", "grounds", "vehicle_count"]  # fmt: skip
    assert table.written[0] == "数据名称"
    first = row_to_dataset(table.rows[0], COMPANY)
    assert first == {
        "label": "轨迹", "categories": ["AUTO.TRACK", "AUTO.IMG"], "personal_info_subjects": 120_000,
        "sensitive_pi_subjects": 1200, "important_data": True,
        "cumulative": {"personal_info_subjects": 150_000},
        "grounds": ["international_trade", "academic_cooperation"], "attributes": {"vehicle_count": 12_000},
    }  # fmt: skip
    second = row_to_dataset(table.rows[1], COMPANY)
    assert second["important_data"] is False and second["personal_info_subjects"] == 0


def test_a_rows_own_totals_win_over_the_forms():
    text = (
        "categories,personal_info_subjects,sensitive_pi_subjects,important_data,当年累计个人信息人数\r\n"
        "A,1,0,否,20万\r\n"
    )
    dataset = row_to_dataset(read_csv_table(text, reading=COMPANY).rows[0], COMPANY)
    assert dataset["cumulative"] == {"personal_info_subjects": 200_000}


def test_what_cannot_be_read_is_left_as_written_for_the_schema_to_name():
    text = "categories,personal_info_subjects,sensitive_pi_subjects,important_data\r\nA,很多,0,也许\r\n"
    dataset = row_to_dataset(read_csv_table(text, reading=SheetReading()).rows[0], SheetReading())
    assert dataset["personal_info_subjects"] == "很多" and dataset["important_data"] == "也许"


@pytest.mark.parametrize(("text", "value"), [("12万", 120_000), ("1.2万", 12_000), ("120,000", 120_000),
                                             ("120000", 120_000), (" 3 ", 3), ("", None), ("x", "x")])  # fmt: skip
def test_counts_are_read_by_the_forms_one_rule(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(("text", "value"), [("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True),
                                             ("false", False), ("", None), ("maybe", "maybe")])  # fmt: skip
def test_yes_and_no_as_companies_write_them(text, value):
    assert parse_yes_no_word(text) == value


def test_the_api_reading_is_unchanged_chinese_titles_are_refused_and_values_kept_as_written():
    with pytest.raises(InventoryError) as refused:
        read_csv_text("数据类别,个人信息人数,敏感个人信息人数,是否重要数据\r\nA,1,0,否\r\n")
    assert str(refused.value).startswith("Missing columns: categories") and refused.value.code == "missing_columns"
    _header, rows = read_csv_text(
        "categories,personal_info_subjects,sensitive_pi_subjects,important_data\r\nA,12万,0,是\r\n"
    )
    dataset = row_to_dataset(rows[0])
    assert dataset["personal_info_subjects"] == "12万" and dataset["important_data"] == "是"


def test_two_titles_of_one_column_are_refused_by_their_titles():
    with pytest.raises(InventoryError) as refused:
        read_csv_table("数据类别,categories,个人信息人数,敏感个人信息人数,是否重要数据\r\n", reading=SheetReading())
    assert refused.value.code == "duplicate_columns" and refused.value.params["columns"] == ["数据类别", "categories"]


def test_an_xlsx_with_chinese_titles_and_typed_cells():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["数据类别", "个人信息人数", "敏感个人信息人数", "是否重要数据"])
    sheet.append(["A", 120000, 0, True])
    sheet.append(["B", "12万", 0, "否"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_xlsx_table(io.BytesIO(buffer.getvalue()), reading=SheetReading())
    datasets = [row_to_dataset(row, SheetReading()) for row in table.rows]
    assert [(d["personal_info_subjects"], d["important_data"]) for d in datasets] == [(120_000, True), (120_000, False)]


def test_a_sheet_declaring_more_rows_than_allowed_is_too_many_rows():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data"])
    for n in range(12):
        sheet.append(["A", n, 0, "否"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(InventoryError) as refused:
        read_xlsx_table(io.BytesIO(buffer.getvalue()), max_rows=10, reading=SheetReading())
    assert refused.value.code == "too_many_rows" and refused.value.params == {"max_rows": 10}
