"""The inventory page reads a company's own spreadsheet and answers in the reader's language.

Chinese column titles, 是/否 and Y/N, 12万; year-to-date totals given once on the form; a mistyped
category flagged with suggestions; results filtered by outcome; downloads with words beside codes,
numbers as numbers, a styled, frozen, filterable header, a summary sheet and a link per row to its
determination; a zone's template whose category column is a drop-down of the codes in force.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import Workbook, load_workbook

from registry.checks.receipts import verify_receipt
from tests.factories import TIANJIN_EXAMPLE
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import post_form

FORM = "/check/inventory"
CODES = [c["code"] for c in TIANJIN_EXAMPLE["categories"]]
CHINESE = (
    "数据名称,数据类别,个人信息人数,敏感个人信息人数,是否重要数据,当年累计个人信息人数,"
    "当年累计敏感个人信息人数,豁免情形,车辆数\r\n"
    "车辆轨迹,AUTO.VEH.TRACK,0,0,否,,,,2万\r\n"  # the list's attribute, titled by its label, written 2万
    "人脸视频,AUTO.VEH.IMG,12万,0,N,,,,\r\n"  # 120,000 people; the year's totals come from the form
    "基因,HEALTH.GENE,0,0,是,,,,\r\n"
    "贸易单证,AUTOO.VEH.IMG,0,0,false,,,国际贸易,\r\n"  # a mistyped code; a ground by its name
    "坏行,AUTO,很多,0,否,,,,\r\n"
    '"=HYPERLINK(""http://evil.example"",""x"")",AUTO,0,0,否,,,,\r\n'
)


def text(response) -> str:
    """The page's visible text, tags stripped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", unescape(response.get_data(as_text=True))))


@pytest.fixture
def tianjin(app, as_user):
    """The example Tianjin list, in force from 2024-05-10."""
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    return app


def upload(client, content: bytes, name: str = "清单.csv", **form: str):
    data = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "in_zone": "yes", "ciio": "no",
            "cumulative_personal_info_subjects": "15万", "cumulative_sensitive_pi_subjects": "0"}  # fmt: skip
    data.update(form)
    data = {key: value for key, value in data.items() if value is not None}
    data["file"] = (io.BytesIO(content), name)
    return post_form(client, FORM, data, token_from=FORM, content_type="multipart/form-data")


def results_of(client, response):
    assert response.status_code == 303, text(response)
    location = response.headers["Location"]
    assert re.fullmatch(r"/check/inventory/results/[A-Za-z0-9_-]+", location)
    return location, client.get(location)


def test_chinese_titles_yes_no_and_wan_are_read_as_a_company_writes_them(tianjin):
    client = tianjin.test_client()
    location, page = results_of(client, upload(client, CHINESE.encode("utf-8")))
    assert page.status_code == 200
    rows = re.findall(r'<tr data-outcome="([a-z_]+)">', page.get_data(as_text=True))
    assert rows[:3] == ["security_assessment", "standard_contract_or_certification", "security_assessment"]
    assert rows[3] == "exempt"  # 国际贸易 is read as the ground international_trade
    assert rows[4] == "invalid" and len(rows) == 6
    shown = text(page)
    assert "“AUTOO.VEH.IMG”不是本清单的类别——是否指" in shown and "AUTO.VEH.IMG" in shown
    assert "个人信息人数：" in shown  # the bad row's problem, under the column's own title
    assert "personal_info_subjects" not in shown and "cumulative." not in shown
    assert "本行未填当年累计人数，已采用上传页面填写的当年累计人数。" in shown
    assert "“豁免”与“无需申报”有何不同" in shown


def test_the_same_sheet_as_xlsx_with_typed_cells(tianjin):
    workbook = Workbook()
    sheet = workbook.active
    for record in csv.reader(io.StringIO(CHINESE, newline="")):
        sheet.append(record)
    sheet["C3"] = 120000  # a number cell, as a spreadsheet keeps it
    sheet["E4"] = True  # Excel's TRUE
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = tianjin.test_client()
    _location, page = results_of(client, upload(client, buffer.getvalue(), "清单.xlsx"))
    rows = re.findall(r'<tr data-outcome="([a-z_]+)">', page.get_data(as_text=True))
    assert rows[:3] == ["security_assessment", "standard_contract_or_certification", "security_assessment"]


def test_without_the_forms_totals_a_row_with_personal_information_asks_for_them(tianjin):
    client = tianjin.test_client()
    response = upload(client, CHINESE.encode("utf-8"), cumulative_personal_info_subjects=None,
                      cumulative_sensitive_pi_subjects=None)  # fmt: skip
    _location, page = results_of(client, response)
    rows = re.findall(r'<tr data-outcome="([a-z_]+)">', page.get_data(as_text=True))
    assert rows[1] == "invalid"
    assert "当年累计个人信息人数：" in text(page)


def test_a_malformed_total_on_the_form_is_named_next_to_its_field(tianjin):
    client = tianjin.test_client()
    response = upload(client, CHINESE.encode("utf-8"), cumulative_personal_info_subjects="很多")
    assert response.status_code == 422
    assert 'id="f-cumulative_personal_info_subjects-error"' in response.get_data(as_text=True)
    assert "请填写人数" in text(response)


@pytest.mark.parametrize(
    ("language", "day", "message"),
    [
        ("zh", "2024-03-21", "自2024年3月22日起施行"),
        ("en", "2024-03-21", "applies from 22 March 2024"),
        ("zh", "2024-13-01", "请填写有效日期"),
    ],
)
def test_the_date_of_the_check_is_held_to_the_apis_rule_in_the_readers_language(tianjin, language, day, message):
    client = tianjin.test_client()
    client.set_cookie("registry_lang", language)
    response = upload(client, CHINESE.encode("utf-8"), on=day)
    assert response.status_code == 422
    assert 'id="f-on-error"' in response.get_data(as_text=True)
    assert message in text(response)


def test_the_results_filter_by_outcome(tianjin):
    client = tianjin.test_client()
    location, _page = results_of(client, upload(client, CHINESE.encode("utf-8")))
    only = client.get(f"{location}?outcome=security_assessment").get_data(as_text=True)
    assert re.findall(r'<tr data-outcome="([a-z_]+)">', only) == ["security_assessment"] * 2
    assert 'aria-current="page">安全评估 (2)' in only
    assert client.get(f"{location}?outcome=nonsense").status_code == 200  # an unknown filter shows all
    assert client.get("/check/inventory/results/" + "x" * 32).status_code == 404


def test_each_row_links_to_its_own_determination(tianjin):
    client = tianjin.test_client()
    location, page = results_of(client, upload(client, CHINESE.encode("utf-8")))
    links = re.findall(r'href="(/check/inventory/results/[^"/]+/rows/(\d+))"', page.get_data(as_text=True))
    assert [line for _link, line in links] == ["2", "3", "4", "5", "7"]  # the invalid row 6 has none
    answer = client.get(links[0][0])
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/verify?receipt=")
    receipt = answer.headers["Location"].split("receipt=", 1)[1]
    signed = verify_receipt(tianjin.config["SECRET_KEY"], receipt, [])
    assert signed["request"]["dataset"]["categories"] == ["AUTO.VEH.TRACK"]
    assert client.get(f"{location}/rows/6").status_code == 404


def test_the_xlsx_results_have_words_numbers_a_framed_header_a_summary_and_links(tianjin):
    client = tianjin.test_client()
    location, _page = results_of(client, upload(client, CHINESE.encode("utf-8")))
    answer = client.get(f"{location}.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(answer.data))
    assert workbook.sheetnames == ["核查结果", "汇总"]
    sheet = workbook["核查结果"]
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["行号", "数据名称", "数据类别"]
    at = {title: n for n, title in enumerate(header)}
    assert header[at["结论代码"] + 1] == "结论" and header[at["第六条状态代码"] + 1] == "第六条（负面清单）"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}7"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("1F4E79")
    face = [cell for cell in sheet[3]]
    assert face[at["个人信息人数"]].value == 120000 and face[at["个人信息人数"]].data_type == "n"
    assert face[0].value == 3 and face[0].data_type == "n"
    assert face[at["结论代码"]].value == "standard_contract_or_certification"
    assert face[at["结论"]].value == "标准合同或认证"
    assert face[at["第六条（负面清单）"]].value == "属于负面清单"
    link = face[at["结论书"]].hyperlink
    assert link is not None and link.target.startswith("http://localhost/verify?receipt=")
    hostile = [cell for cell in sheet[7]]
    assert hostile[1].value == '=HYPERLINK("http://evil.example","x")' and hostile[1].data_type == "s"
    typo = [cell.value for cell in sheet[5]]
    assert "“AUTOO.VEH.IMG”不是本清单的类别" in typo[at["问题与提示"]]
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["自贸试验区"] == "中国（天津）自由贸易试验区" and summary["版本"] == "2024"
    assert len(summary["摘要（SHA-256）"]) == 64 and summary["数据项数"] == 6
    assert summary["数据出境日期"].date().isoformat() == "2024-06-01"
    assert "核查时间（北京时间）" in summary and summary["文件"] == "清单.csv"
    counts = {row[1]: row[2] for row in workbook["汇总"].iter_rows(values_only=True) if row and len(row) > 2}
    assert counts["security_assessment"] == 2 and counts["invalid"] == 1 and counts["exempt"] is not None


def test_the_csv_results_escape_formulas_and_keep_numbers(tianjin):
    client = tianjin.test_client()
    location, _page = results_of(client, upload(client, CHINESE.encode("utf-8")))
    records = list(csv.reader(io.StringIO(client.get(f"{location}.csv").data.decode("utf-8-sig"), newline="")))
    assert records[0][:2] == ["行号", "数据名称"]
    assert records[2][3] == "120000"
    assert records[6][1] == "'" + '=HYPERLINK("http://evil.example","x")'


def test_in_english_the_page_and_the_files_speak_english(tianjin):
    client = tianjin.test_client()
    client.set_cookie("registry_lang", "en")
    english = CHINESE.replace(CHINESE.split("\r\n")[0], "dataset,categories,personal_info_subjects,"
                              "sensitive_pi_subjects,important_data,cumulative_personal_info_subjects,"
                              "cumulative_sensitive_pi_subjects,grounds,vehicle_count")  # fmt: skip
    location, page = results_of(client, upload(client, english.encode("utf-8")))
    shown = text(page)
    assert "“AUTOO.VEH.IMG” is not a category of this list. Did you mean" in shown
    assert "Personal information subjects:" in shown and "personal_info_subjects:" not in shown
    assert "“Exempt” and “Nothing needed”: the difference" in shown
    workbook = load_workbook(io.BytesIO(client.get(f"{location}.xlsx").data))
    assert workbook.sheetnames == ["Results", "Summary"]
    assert [c.value for c in workbook["Results"][1]][:2] == ["Row", "dataset"]
    refused = upload(client, b"dataset,categories\r\nx,AUTO\r\n")
    assert refused.status_code == 422
    assert ("Required columns are missing: Personal information subjects, Sensitive personal information "
            "subjects, Important data") in text(refused)  # fmt: skip


def test_a_file_that_is_not_an_inventory_is_refused_in_the_readers_language(tianjin):
    client = tianjin.test_client()
    refused = upload(client, b"\x00\x01", "inventory.pdf")
    assert refused.status_code == 422 and "请上传 .csv 或 .xlsx 文件。" in text(refused)
    refused = upload(client, b"PK\x03\x04 not really", "inventory.xlsx")
    assert refused.status_code == 422 and "未予读取" in text(refused)
    refused = upload(client, "数据类别,个人信息人数,敏感个人信息人数,是否重要数据,categories\r\n".encode(), "a.csv")
    assert refused.status_code == 422 and "列名重复：数据类别、categories" in text(refused)


def test_the_xlsx_template_offers_the_zones_codes_as_a_drop_down(tianjin):
    client = tianjin.test_client()
    answer = client.get("/check/inventory/template.xlsx?zone=CN-TJ-FTZ&on=2024-06-01")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(answer.data))
    assert workbook.sheetnames[:3] == ["数据清单", "类别代码", "豁免情形代码"]
    sheet = workbook["数据清单"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["数据名称", "数据类别", "个人信息人数", "敏感个人信息人数", "是否重要数据",
                      "当年累计个人信息人数", "当年累计敏感个人信息人数", "豁免情形", "车辆数"]  # fmt: skip
    codes = [row[0] for row in workbook["类别代码"].iter_rows(min_row=2, values_only=True)]
    assert codes == CODES
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    category = next(v for v in lists if "B2" in str(v.sqref))
    assert category.formula1 == f"'类别代码'!$A$2:$A${len(CODES) + 1}"
    examples = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(examples) == 2 and all(row[1] in CODES for row in examples)
    # The template, filled in as it is, checks cleanly.
    client_upload = upload(client, answer.data, "template.xlsx")
    _location, page = results_of(client, client_upload)
    assert "invalid" not in re.findall(r'<tr data-outcome="([a-z_]+)">', page.get_data(as_text=True))


def test_the_csv_template_uses_codes_of_the_list_in_force(seeded_app):
    client = seeded_app.test_client()
    for zone in ("CN-BJ-FTZ", "CN-SH-FTZ", "CN-HI-FTP"):
        answer = client.get(f"/check/inventory/template.csv?zone={zone}")
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
        records = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"), newline="")))
        assert records[0][:2] == ["数据名称", "数据类别"]
        xlsx = load_workbook(io.BytesIO(client.get(f"/check/inventory/template.xlsx?zone={zone}").data))
        codes = {row[0] for row in xlsx["类别代码"].iter_rows(min_row=2, values_only=True)}
        assert codes and all(record[1] in codes for record in records[1:]), zone
    assert client.get("/check/inventory/template.pdf?zone=CN-BJ-FTZ").status_code == 404


def test_a_link_too_long_for_excel_stays_as_text_beside_its_receipt(tianjin):
    client = tianjin.test_client()
    label = "数" * 190  # the longest label is 200 characters; a receipt carries it
    sheet = "数据名称,数据类别,个人信息人数,敏感个人信息人数,是否重要数据\r\n" + label + ",AUTO.VEH.TRACK,0,0,否\r\n"
    location, _page = results_of(client, upload(client, sheet.encode("utf-8")))
    workbook = load_workbook(io.BytesIO(client.get(f"{location}.xlsx").data))
    header = [cell.value for cell in workbook["核查结果"][1]]
    row = workbook["核查结果"][2]
    link = row[header.index("结论书")]
    assert len(link.value) > 2079 and link.hyperlink is None and link.value.startswith("http://localhost/verify?")
    assert link.value.endswith(row[header.index("回执")].value)
