"""The pages in Debian's Chromium, driven by Playwright against the app served on 127.0.0.1.

Scenarios: four officials take a Tianjin list from draft to published; a company checks a dataset
from an empty form to a printed determination and a verified receipt; a company uploads its
inventory; a reader switches to English and stays there; every page reachable from the home page
loads cleanly; forged and unauthorised requests are refused. Screenshots of the main pages are saved
under test-artifacts/screenshots (home, check and version also under docs/screenshots when
REGISTRY_UPDATE_SCREENSHOTS=1 is set).
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from registry import clock
from tests.web.conftest import PASSWORD, TIANJIN, add_people, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page, base: str, name: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/staff")


def new_page(context, watch):
    opened = context.new_page()
    watch.attach(opened)
    return opened


def test_four_officials_take_a_list_from_draft_to_published(app, live_server, browser, watch):
    add_people(app, "tianjin-admin", "tianjin-commission", "cac-filer", "nda-filer")
    base, today = live_server.url, clock.today().isoformat()
    contexts = {}

    def as_person(name: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts[name] = context
        page = new_page(context, watch)
        sign_in(page, base, name)
        return page

    try:
        # The Tianjin administrator drafts the list by form and submits it.
        admin = as_person("tianjin-admin")
        admin.get_by_role("link", name="新建草稿").first.click()
        admin.fill("#f-version", "2026")
        admin.fill("#f-title", "中国（天津）自由贸易试验区数据出境管理清单（负面清单）（2026版）")
        admin.fill("#f-scope", "AUTO; HEALTH")
        for index, (code, name_zh) in enumerate([("AUTO", "汽车"), ("AUTO.TRACK", "车辆行驶轨迹"), ("HEALTH", "医药")]):
            admin.fill(f"#f-categories-{index}-code", code)
            admin.fill(f"#f-categories-{index}-name_zh", name_zh)
        admin.fill("#f-items-0-code", "AUTO-001")
        admin.fill("#f-items-0-category", "AUTO.TRACK")
        admin.fill("#f-items-0-name_zh", "车辆行驶轨迹数据")
        admin.fill("#f-items-0-conditions", "personal_info_subjects >= 100000")
        admin.select_option("#f-items-0-mechanism", "standard_contract_or_certification")
        admin.select_option("#f-items-0-level", "personal_information")
        admin.get_by_role("button", name="增加一个条目").click()  # the script adds a row in place
        admin.fill("#f-items-2-code", "HEALTH-001")
        admin.fill("#f-items-2-category", "HEALTH")
        admin.fill("#f-items-2-name_zh", "人类遗传资源信息")
        admin.get_by_role("button", name="保存草稿").click()
        admin.wait_for_url(f"{base}/zones/{TIANJIN}/lists/2026")
        expect(admin.get_by_text("草稿已保存")).to_be_visible()
        admin.get_by_role("button", name="提交审批").click()
        admin.get_by_role("button", name="确认提交审批").click()  # the confirmation page
        expect(admin.get_by_text("已提交审批").first).to_be_visible()

        # The Tianjin commission finds it in its queue and approves it with a document number.
        commission = as_person("tianjin-commission")
        commission.goto(f"{base}/staff/approvals")
        screenshot(commission, "staff-queue")
        commission.get_by_role("link", name="审批").last.click()
        commission.get_by_label("批准", exact=True).check()  # no decision is preselected
        commission.get_by_label("批准文号").fill("津网信委〔2026〕7号")
        commission.get_by_role("button", name="提交决定").click()
        commission.get_by_role("button", name="确认批准").click()
        expect(commission.get_by_text("已批准（文号：津网信委〔2026〕7号）")).to_be_visible()

        # CAC and NDA each record their filing.
        for name, number in (("cac-filer", "网信备〔2026〕12号"), ("nda-filer", "数据备〔2026〕3号")):
            filer = as_person(name)
            filer.goto(f"{base}/staff/filings")
            filer.get_by_role("link", name="备案").last.click()
            filer.get_by_label("备案号").fill(number)
            filer.get_by_role("button", name="记录备案").click()
            filer.get_by_role("button", name="确认记录备案").click()
            expect(filer.get_by_text(f"已记录备案（备案号：{number}）")).to_be_visible()

        # The administrator publishes it, in force from today.
        admin.reload()
        admin.get_by_label("施行日期").fill(today)
        admin.get_by_role("button", name="发布").click()
        admin.get_by_role("button", name="确认发布").click()
        expect(admin.get_by_text("已发布，自")).to_be_visible()

        # And the public sees it in force, with its approval and filings.
        public = new_page(browser.new_context(locale="zh-CN"), watch)
        public.goto(base)
        card = public.locator(".zone-card", has_text="中国（天津）自由贸易试验区")
        expect(card.get_by_role("link", name="2026")).to_be_visible()
        card.get_by_role("link", name="2026").click()
        for fact in ("津网信委〔2026〕7号", "网信备〔2026〕12号", "数据备〔2026〕3号", "今日施行"):
            expect(public.get_by_text(fact).first, fact).to_be_visible()
        public.context.close()
    finally:
        for context in contexts.values():
            context.close()
    watch.assert_clean()


def test_a_company_checks_a_dataset_prints_the_determination_and_verifies_the_receipt(
    seeded_server, page, watch, tmp_path
):
    base = seeded_server.url
    page.goto(base)
    screenshot(page, "home", publish=True)
    page.get_by_role("link", name="检查一项数据能否出境").click()
    page.wait_for_url(f"{base}/check")
    # The last day of Beijing's 2024 list, whose items are on record (its 2025 list's are not).
    page.fill("#f-on", "2026-05-10")
    page.select_option("#f-zone", "CN-BJ-FTZ")  # the script loads Beijing's categories
    page.locator("#f-tree-filter").wait_for(state="visible")
    page.fill("#f-tree-filter", "车辆流量")
    box = page.locator("input[value='AUTO.IMPORTANT.D2']")
    expect(box).to_be_visible()
    expect(page.locator("input[value='AI']")).not_to_be_visible()
    box.check()
    page.check("#f-processor-in_zone")
    page.check("#f-processor-ciio-no")
    page.fill("#f-dataset-personal_info_subjects", "0")
    page.fill("#f-dataset-sensitive_pi_subjects", "0")
    page.check("#f-dataset-important_data-no")
    screenshot(page, "check", publish=True)
    page.get_by_role("button", name="查看结论").click()

    outcome = page.locator(".outcome__title")
    assert outcome.inner_text() == "须申报数据出境安全评估"
    expect(page.get_by_text("AUTO-ID-02").first).to_be_visible()
    expect(page.get_by_text("第六条").first).to_be_visible()
    screenshot(page, "determination")

    # Printed: the print stylesheet drops navigation and forms, and Chromium makes a PDF of it.
    page.emulate_media(media="print")
    expect(page.locator(".mainnav")).not_to_be_visible()
    expect(page.locator(".outcome__title")).to_be_visible()
    screenshot(page, "determination-print")
    pdf = tmp_path / "determination.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    page.emulate_media(media="screen")

    receipt = page.locator("#receipt-text").input_value()
    page.goto(f"{base}/verify")
    page.get_by_label("回执").fill(receipt)
    page.get_by_role("button", name="核验", exact=True).click()
    assert page.locator("#verify-result").inner_text().startswith("回执有效")
    assert page.locator(".outcome__title").inner_text() == "须申报数据出境安全评估"

    page.locator("#f-receipt").fill(receipt[:-4] + "abcd")
    page.get_by_role("button", name="核验", exact=True).click()
    assert page.locator("#verify-result").inner_text().startswith("回执无效")
    watch.assert_clean()


def test_an_empty_form_is_answered_with_messages_next_to_each_field(seeded_server, page, watch):
    page.goto(f"{seeded_server.url}/check")
    page.get_by_role("button", name="查看结论").click()
    summary = page.locator(".error-summary")
    # The script that moves the focus runs after the page is parsed: wait for it rather than race it.
    expect(summary).to_be_focused()
    expect(page.locator("#f-dataset-personal_info_subjects-error")).to_be_visible()
    summary.get_by_role("link", name="个人信息涉及人数", exact=True).click()  # the summary leads to the field
    expect(page.locator("#f-dataset-personal_info_subjects")).to_be_focused()
    watch.assert_clean(expected_statuses=(422,))  # the form's answer to invalid input


def test_a_company_uploads_its_inventory(seeded_server, page, watch, tmp_path):
    inventory = tmp_path / "清单.csv"
    inventory.write_text(
        "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,"
        "cumulative_personal_info_subjects,cumulative_sensitive_pi_subjects,grounds\n"
        "车流数据,AUTO.IMPORTANT.D2,0,0,false,0,0,\n"
        "会员信息,RETAIL,50000,0,false,150000,0,\n"
        "贸易单证,OTHER,0,0,false,0,0,international_trade\n"
        "坏数据,AUTO,很多,0,false,,,\n",
        encoding="utf-8",
    )
    page.goto(seeded_server.url)
    page.get_by_role("link", name="数据清单批量自查").first.click()
    page.select_option("#f-zone", "CN-BJ-FTZ")
    page.fill("#f-on", "2026-05-10")  # Beijing's 2024 list, whose items are on record
    page.check("#f-in_zone")
    page.check("#f-ciio-no")
    page.set_input_files("#f-file", str(inventory))
    page.get_by_role("button", name="上传并自查").click()
    expect(page.locator("svg.bars")).to_be_visible()
    expect(page.locator("table.table--results tbody tr")).to_have_count(4)
    screenshot(page, "inventory-results")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "results.csv"
    download.value.save_as(str(saved))
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 5 and "security_assessment" in lines[1] and "invalid" in lines[4]
    watch.assert_clean()


def test_the_language_switch_is_remembered_across_pages(seeded_server, page, watch):
    base = seeded_server.url
    page.goto(base)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base}/")
    page.get_by_role("link", name="Check a dataset").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Check a dataset", level=1)).to_be_visible()
    page.goto(f"{base}/zones/CN-TJ-FTZ/lists/2024")
    expect(page.get_by_text("Only part of this list is in the registry")).to_be_visible()
    expect(page.get_by_text("9 May 2024").first).to_be_visible()
    screenshot(page, "version-en")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_text("2024年5月9日").first).to_be_visible()
    watch.assert_clean()


SKIPPED_PREFIXES = ("/api/", "/language/", "/sign-out")
DOWNLOAD_SUFFIXES = (".json", ".csv", ".xlsx")


def crawl(page, base: str, start: str, limit: int = 120) -> list[str]:
    """Visit same-origin pages breadth-first from ``start``; return the paths visited."""
    origin = urlsplit(base).netloc
    queue, seen, visited = deque([start]), {start}, []
    while queue and len(visited) < limit:
        path = queue.popleft()
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        visited.append(path)
        for href in page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(base + path, href))
            if target.netloc != origin:
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link.startswith(SKIPPED_PREFIXES) or target.path.endswith(DOWNLOAD_SUFFIXES) or link in seen:
                continue
            seen.add(link)
            queue.append(link)
    return visited


def test_every_page_reachable_from_home_loads_without_errors(seeded_server, page, watch):
    visited = crawl(page, seeded_server.url, "/")
    assert len(visited) > 30  # home, 23 zones, the versions, the services
    assert "/zones/CN-TJ-FTZ/lists/2024" in visited and "/check" in visited
    watch.assert_clean()
    page.goto(f"{seeded_server.url}/zones/CN-TJ-FTZ")
    screenshot(page, "zone")
    page.goto(f"{seeded_server.url}/zones/CN-BJ-FTZ/lists/2024")
    screenshot(page, "version", publish=True)


def test_signed_in_pages_load_without_errors(app, seeded_server, page, watch):
    add_people(app, "tianjin-admin", "registry-admin")
    for name in ("tianjin-admin", "registry-admin"):
        page.context.clear_cookies()
        sign_in(page, seeded_server.url, name)
        visited = crawl(page, seeded_server.url, "/staff", limit=60)
        assert "/staff/audit" in visited
    watch.assert_clean()


def test_the_home_page_fits_a_phone(seeded_server, browser, watch):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = new_page(context, watch)
    page.goto(seeded_server.url)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "home-phone")
    page.goto(f"{seeded_server.url}/check?zone=CN-BJ-FTZ")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    context.close()
    watch.assert_clean()


def test_forged_posts_and_unauthorised_visits_are_refused(app, seeded_server, page):
    add_people(app, "beijing-admin")
    base = seeded_server.url
    forged = page.request.post(f"{base}/check", form={"zone": "CN-TJ-FTZ"})
    assert forged.status == 400
    assert "表单已过期或来源无法验证" in forged.text()
    page.goto(f"{base}/staff/approvals")
    assert urlsplit(page.url).path == "/sign-in"  # anonymous: sent to sign in
    sign_in(page, base, "beijing-admin")
    response = page.goto(f"{base}/staff/zones/{TIANJIN}/drafts/new")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    # A signed-in session without the form's token is still refused.
    assert page.request.post(f"{base}/staff/zones/CN-BJ-FTZ/drafts/new", form={"version": "x"}).status == 400
