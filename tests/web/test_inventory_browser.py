"""The inventory in Debian's Chromium, in Chinese and English, at desktop and phone widths.

A company uploads its own sheet (Chinese titles, 是/否, 12万, a mistyped code) while the button is
disabled and a progress indicator moves; reads the flagged row; filters by outcome; opens a row's
determination; downloads the XLSX results (typed numbers, a summary sheet) and the zone's template
(a drop-down of the codes in force). Without a script the same upload lands on the same results.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.factories import TIANJIN_EXAMPLE
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CODES = [c["code"] for c in TIANJIN_EXAMPLE["categories"]]
SHEET = (
    "数据名称,数据类别,个人信息人数,敏感个人信息人数,是否重要数据,豁免情形,车辆数\n"
    "车辆轨迹,AUTO.VEH.TRACK,0,0,否,,2万\n"
    "人脸视频,AUTO.VEH.IMG,12万,0,是,,\n"
    '会员信息,AUTO.VEH.IMG,"120,000",0,N,,\n'
    "贸易单证,AUTOO.VEH.IMG,0,0,否,国际贸易,\n"
)
WORDS = {
    "zh": {"submit": "上传并自查", "uploading": "已用时", "typo": "“AUTOO.VEH.IMG”不是本清单的类别——是否指",
           "security": "安全评估", "xlsx": "Excel（XLSX）", "template": "Excel 模板", "valid": "回执有效",
           "results": "核查结果", "summary": "汇总", "codes": "类别代码", "determination": "结论书"},
    "en": {"submit": "Upload and check", "uploading": "s so far", "typo":
           "“AUTOO.VEH.IMG” is not a category of this list. Did you mean", "security": "Security assessment",
           "xlsx": "Excel (XLSX)", "template": "Excel template", "valid": "The receipt is valid",
           "results": "Results", "summary": "Summary", "codes": "Category codes", "determination": "Determination"},
}  # fmt: skip
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def tianjin_server(app, as_user):
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    with LiveServer(app) as server:
        yield server


def _context(browser, server, lang: str, width: str, **options):
    made = browser.new_context(locale="zh-CN" if lang == "zh" else "en-GB", viewport=VIEWPORTS[width],
                               timezone_id="Asia/Shanghai", accept_downloads=True, **options)  # fmt: skip
    made.set_default_timeout(20_000)
    if lang == "en":
        made.add_cookies([{"name": "registry_lang", "value": "en", "url": server.url}])
    return made


def _fill_the_form(page, server, sheet_path) -> None:
    page.goto(f"{server.url}/check/inventory")
    page.select_option("#f-zone", "CN-TJ-FTZ")
    page.fill("#f-on", "2024-06-01")
    page.check("#f-in_zone")
    page.check("#f-ciio-no")
    page.fill("#f-cumulative_personal_info_subjects", "15万")
    page.fill("#f-cumulative_sensitive_pi_subjects", "0")
    page.set_input_files("#f-file", str(sheet_path))


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_company_checks_its_own_sheet(tianjin_server, browser, watch, tmp_path, lang, width):
    words = WORDS[lang]
    sheet_path = tmp_path / "清单.csv"
    sheet_path.write_text(SHEET, encoding="utf-8")
    context = _context(browser, tianjin_server, lang, width)
    page = context.new_page()
    watch.attach(page)
    try:
        _fill_the_form(page, tianjin_server, sheet_path)
        held = []
        page.route("**/check/inventory", lambda route: held.append(route) if route.request.method == "POST"
                   else route.continue_())  # fmt: skip
        button = page.get_by_role("button", name=words["submit"])
        button.click()
        # While the server works: the button is disabled and the indicator moves (the seconds count up).
        expect(button).to_be_disabled()
        progress = page.locator("#upload-progress")
        expect(progress).to_be_visible()
        expect(progress).to_have_class(re.compile("upload-progress--busy"))
        status = page.locator("#upload-progress-text")
        expect(status).to_contain_text(words["uploading"])
        first = status.inner_text()
        expect(status).not_to_have_text(first, timeout=5_000)
        assert len(held) == 1
        held[0].continue_()
        page.wait_for_url(re.compile(r"/check/inventory/results/[A-Za-z0-9_-]+$"))
        page.unroute("**/check/inventory")

        rows = page.locator("table.table--results tbody tr")
        expect(rows).to_have_count(4)
        outcomes = [rows.nth(n).get_attribute("data-outcome") for n in range(4)]
        assert outcomes[:3] == ["security_assessment", "security_assessment", "standard_contract_or_certification"]
        assert outcomes[3] != "invalid"  # 国际贸易 read as a ground
        expect(rows.nth(3)).to_contain_text(words["typo"])
        expect(rows.nth(3).locator(".unknown-category")).to_be_visible()
        # The wide table scrolls in its own frame; the page itself fits the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[width]["width"]
        screenshot(page, f"inventory-results-{lang}-{width}")

        page.get_by_role("link", name=f"{words['security']} (2)").click()
        expect(rows).to_have_count(2)
        results_url = page.url

        with page.expect_download() as download:
            page.get_by_role("link", name=words["xlsx"]).click()
        saved = tmp_path / "results.xlsx"
        download.value.save_as(str(saved))
        workbook = load_workbook(saved)
        assert workbook.sheetnames == [words["results"], words["summary"]]
        sheet = workbook[words["results"]]
        face = [cell for cell in sheet[3]]
        assert face[3].value == 120000 and face[3].data_type == "n"  # 12万, stored as a number
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        summary = [row for row in workbook[words["summary"]].iter_rows(values_only=True) if row and row[0]]
        assert any(row[0] and "SHA-256" in row[0] and len(row[1]) == 64 for row in summary)
        assert "security_assessment" in {row[1] for row in summary if len(row) > 2}

        page.goto(results_url)
        page.get_by_role("link", name=re.compile(words["determination"])).first.click()
        expect(page.get_by_text(words["valid"]).first).to_be_visible()

        page.goto(f"{tianjin_server.url}/check/inventory?on=2024-06-01")
        page.select_option("#t-zone", "CN-TJ-FTZ")
        with page.expect_download() as download:
            page.get_by_role("button", name=words["template"]).click()
        template = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
        codes = [row[0] for row in template[words["codes"]].iter_rows(min_row=2, values_only=True)]
        assert codes == CODES
        first_sheet = template.worksheets[0]
        drop_down = next(v for v in first_sheet.data_validations.dataValidation if "B2" in str(v.sqref))
        assert drop_down.type == "list" and drop_down.formula1 == f"'{words['codes']}'!$A$2:$A${len(CODES) + 1}"
        watch.assert_clean()
    finally:
        context.close()


def test_without_a_script_the_upload_still_lands_on_the_results(tianjin_server, browser, watch, tmp_path):
    sheet_path = tmp_path / "清单.csv"
    sheet_path.write_text(SHEET, encoding="utf-8")
    context = _context(browser, tianjin_server, "zh", "phone", java_script_enabled=False)
    page = context.new_page()
    watch.attach(page)
    try:
        _fill_the_form(page, tianjin_server, sheet_path)
        page.get_by_role("button", name="上传并自查").click()
        page.wait_for_url(re.compile(r"/check/inventory/results/[A-Za-z0-9_-]+$"))
        expect(page.locator("table.table--results tbody tr")).to_have_count(4)
        expect(page.get_by_text(WORDS["zh"]["typo"])).to_be_visible()
        watch.assert_clean()
    finally:
        context.close()


def test_a_refused_file_is_explained_on_the_form_after_a_scripted_upload(tianjin_server, browser, watch, tmp_path):
    sheet_path = tmp_path / "bad.csv"
    sheet_path.write_text("数据名称,数据类别\n订单,AUTO\n", encoding="utf-8")
    context = _context(browser, tianjin_server, "en", "desktop")
    page = context.new_page()
    watch.attach(page)
    try:
        _fill_the_form(page, tianjin_server, sheet_path)
        page.get_by_role("button", name="Upload and check").click()
        expect(page.locator(".error-summary")).to_contain_text("Required columns are missing")
        expect(page.get_by_role("button", name="Upload and check")).to_be_enabled()
        watch.assert_clean(expected_statuses=(422,))
    finally:
        context.close()
