"""The officials' desk in Chromium, at a desktop's and a phone's width: confirmation before every
irreversible step, the approver's reason beside a returned draft, withdrawing a draft, the page
round trip export → import → same digest, a failed import that keeps its file, and one's account
(API token, two-factor sign-in)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from registry.accounts.services import account_named
from registry.db import get_session, writing
from registry.lists import services
from registry.lists.schemas import ListVersionCreateSchema
from tests.factories import tianjin_list
from tests.web.conftest import PASSWORD, TIANJIN, add_people, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


def open_as(browser, watch, base: str, name: str, width: str, code: str | None = None):
    """A fresh browser profile at ``width``, signed in as ``name`` through the form."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **WIDTHS[width])
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch.attach(page)
    page.goto(f"{base}/sign-in")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    if code:
        page.get_by_label("两步验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/staff")
    return page


def fits(page) -> None:
    """Nothing wider than the screen (no sideways scrolling)."""
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_returning_and_withdrawing_a_draft_are_confirmed_and_explained(app, live_server, browser, watch, width):
    add_people(app, "tianjin-admin", "tianjin-commission")
    with app.app_context(), writing():
        session = get_session()
        services.create_draft(session, account_named(session, "tianjin-admin"), TIANJIN,
                              ListVersionCreateSchema().load(tianjin_list(version="2026")))  # fmt: skip
    base = live_server.url
    admin = open_as(browser, watch, base, "tianjin-admin", width)
    commission = open_as(browser, watch, base, "tianjin-commission", width)
    try:
        admin.goto(f"{base}/zones/{TIANJIN}/lists/2026")
        admin.get_by_role("button", name="提交审批").click()
        expect(admin.get_by_role("heading", name="确认提交审批", level=1)).to_be_visible()
        expect(admin.get_by_text("此操作一经确认即不能撤销")).to_be_visible()
        fits(admin)
        screenshot(admin, f"confirm-submit-{width}")
        admin.get_by_role("button", name="确认提交审批").click()
        expect(admin.get_by_text("已提交审批").first).to_be_visible()

        commission.goto(f"{base}/zones/{TIANJIN}/lists/2026")
        radios = commission.locator("input[name=decision]")
        expect(radios).to_have_count(2)
        for index in range(2):
            expect(radios.nth(index)).not_to_be_checked()  # no decision preselected
        commission.get_by_label("退回修改").check()
        commission.get_by_label("理由").fill("请补充医药类条目。")
        commission.get_by_role("button", name="提交决定").click()
        expect(commission.get_by_role("heading", name="确认退回修改", level=1)).to_be_visible()
        expect(commission.locator("#confirm-facts")).to_contain_text("请补充医药类条目。")
        fits(commission)
        commission.get_by_role("button", name="确认退回修改").click()
        expect(commission.get_by_text("已退回修改。")).to_be_visible()

        # The zone administrator reads why, on its desk and on the draft's page.
        admin.goto(f"{base}/staff")
        expect(admin.get_by_text("请补充医药类条目。")).to_be_visible()
        admin.get_by_role("link", name="2026").first.click()
        expect(admin.locator("#rejection")).to_contain_text("请补充医药类条目。")
        fits(admin)
        screenshot(admin, f"returned-draft-{width}")

        # Withdrawn after a confirmation; gone from the desk, kept in the audit trail.
        admin.get_by_role("button", name="撤回草稿").click()
        expect(admin.get_by_role("heading", name="确认撤回草稿", level=1)).to_be_visible()
        admin.get_by_role("button", name="确认撤回草稿").click()
        admin.wait_for_url(f"{base}/staff")
        expect(admin.get_by_text("草稿2026已撤回。")).to_be_visible()
        admin.goto(f"{base}/staff/audit")
        expect(admin.get_by_text("撤回草稿").first).to_be_visible()
    finally:
        admin.context.close()
        commission.context.close()
    watch.assert_clean()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_downloaded_version_uploads_again_to_the_same_digest(app, seeded_server, browser, watch, tmp_path, fmt):
    add_people(app, "tianjin-admin")
    base = seeded_server.url
    admin = open_as(browser, watch, base, "tianjin-admin", "desktop")
    try:
        admin.goto(f"{base}/zones/{TIANJIN}/lists/2024")
        digest = admin.locator("#digest").inner_text()
        with admin.expect_download() as download:
            admin.get_by_role("link", name=fmt.upper(), exact=True).click()
        saved = tmp_path / f"tianjin.{fmt}"
        download.value.save_as(str(saved))
        if fmt == "csv":
            assert saved.read_bytes().startswith(b"\xef\xbb\xbf#") and saved.read_bytes().count(b"\xef\xbb\xbf") == 1

        admin.goto(f"{base}/staff")
        admin.get_by_role("link", name="上传电子表格新建草稿").click()
        admin.get_by_label("版本号").fill(f"copy-{fmt}")
        admin.set_input_files("#f-file", str(saved))
        admin.get_by_role("button", name="上传并创建草稿").click()
        admin.wait_for_url(f"{base}/zones/{TIANJIN}/lists/copy-{fmt}")
        admin.get_by_role("button", name="提交审批").click()
        admin.get_by_role("button", name="确认提交审批").click()
        expect(admin.locator("#digest")).to_have_text(digest)
    finally:
        admin.context.close()
    watch.assert_clean()


def test_a_failed_import_shows_each_rows_problems_and_keeps_the_file(app, live_server, browser, watch, tmp_path, width):
    add_people(app, "tianjin-admin")
    sheet = tmp_path / "手填清单.csv"
    sheet.write_text(
        "\r\n".join(["# title: 测试清单", "# scope: AUTO", "# category: AUTO | 汽车",
                     "类别代码,编号,数据项,级别,管理要求,触发条件",
                     "AUTO,A-1,车辆数据,Important data,Security assessment,",
                     "AUTO,A-2,车辆数据2,一般数据,数据出境安全评估,"]),
        encoding="utf-8",
    )  # fmt: skip
    base = live_server.url
    admin = open_as(browser, watch, base, "tianjin-admin", width)
    try:
        admin.goto(f"{base}/staff/zones/{TIANJIN}/drafts/import")
        admin.set_input_files("#f-file", str(sheet))
        admin.get_by_role("button", name="上传并创建草稿").click()
        problems = admin.locator("#import-problems")
        expect(problems).to_contain_text("第6行")
        expect(problems).to_contain_text("“一般数据”不是可以接受的级别")
        expect(problems).to_contain_text("重要数据（important_data）".replace("（", " (").replace("）", ")"))
        expect(admin.locator("#held-file")).to_contain_text("手填清单.csv")
        fits(admin)
        screenshot(admin, f"import-problems-{width}")

        # Corrected the file and chose it again: now only the version label is missing.
        sheet.write_text(sheet.read_text(encoding="utf-8").replace("一般数据", "重要数据"), encoding="utf-8")
        admin.set_input_files("#f-file", str(sheet))
        admin.get_by_role("button", name="上传并创建草稿").click()
        expect(admin.locator("#import-problems")).to_contain_text("版本号")
        expect(admin.locator("#held-file")).to_be_visible()
        # The version label given, the file kept is sent again without choosing it.
        admin.get_by_label("版本号").fill("2030")
        admin.get_by_role("button", name="上传并创建草稿").click()
        admin.wait_for_url(f"{base}/zones/{TIANJIN}/lists/2030")
        expect(admin.get_by_text("车辆数据2")).to_be_visible()
    finally:
        admin.context.close()
    watch.assert_clean(expected_statuses=(422,))


def test_ones_account_token_and_two_factor_sign_in(app, live_server, browser, watch, width):
    add_people(app, "tianjin-admin")
    base = live_server.url
    page = open_as(browser, watch, base, "tianjin-admin", width)
    try:
        page.get_by_role("link", name="我的账户（令牌、密码、两步验证）").click()
        expect(page.locator("#account-facts")).to_contain_text("CN-TJ-FTZ")
        page.get_by_role("button", name="生成新令牌").click()
        expect(page.locator("#new-token")).to_have_text(re.compile(r"^reg_[A-Za-z0-9_-]{40,}$"))
        fits(page)
        screenshot(page, f"account-{width}")
        page.goto(f"{base}/account")  # the account page again: the token is not shown again
        expect(page.locator("#new-token")).to_have_count(0)

        page.get_by_role("link", name="开启两步验证").click()
        expect(page.locator("svg.qr")).to_be_visible()
        fits(page)
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="确认开启").click()
        expect(page.locator("#two-factor-state")).to_have_text("已开启")
        page.get_by_role("button", name="退出").click()

        # Without the code, the same answer as a wrong password; with the next code, signed in.
        page.goto(f"{base}/sign-in")
        page.get_by_label("用户名").fill("tianjin-admin")
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("用户名、密码或验证码不正确。")).to_be_visible()
    finally:
        page.context.close()
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the step after the one that enrolled
    again = open_as(browser, watch, base, "tianjin-admin", width, code=code)
    again.context.close()
    watch.assert_clean(expected_statuses=(401,))


def test_approval_filings_publication_and_revocation_are_each_confirmed(app, live_server, browser, watch, width):
    add_people(app, "tianjin-admin", "tianjin-commission", "cac-filer", "nda-filer")
    with app.app_context(), writing():
        session = get_session()
        admin_account = account_named(session, "tianjin-admin")
        services.create_draft(
            session, admin_account, TIANJIN, ListVersionCreateSchema().load(tianjin_list(version="2026"))
        )
        services.submit(session, admin_account, TIANJIN, "2026")
    base, version_url = live_server.url, f"{live_server.url}/zones/{TIANJIN}/lists/2026"
    pages = []

    def step(name: str, fill, button: str, confirm: str, done: str, heading: str | None = None) -> None:
        page = open_as(browser, watch, base, name, width)
        pages.append(page)
        page.goto(version_url)
        fill(page)
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_role("heading", name=heading or confirm, level=1)).to_be_visible()
        expect(page.locator("#confirm-consequences")).to_contain_text("此操作一经确认即不能撤销")
        fits(page)
        page.get_by_role("button", name=confirm).click()
        expect(page.get_by_text(done).first).to_be_visible()

    def approve(page) -> None:
        page.get_by_label("批准", exact=True).check()
        page.get_by_label("批准文号").fill("津网信委〔2026〕7号")

    try:
        step("tianjin-commission", approve, "提交决定", "确认批准", "已批准（文号：津网信委〔2026〕7号）")
        for name, number in (("cac-filer", "网信备〔2026〕12号"), ("nda-filer", "数据备〔2026〕3号")):
            step(name, lambda page, number=number: page.get_by_label("备案号").fill(number), "记录备案", "确认记录备案",
                 f"已记录备案（备案号：{number}）")  # fmt: skip
        step("tianjin-admin", lambda page: page.get_by_label("施行日期").fill("2099-01-10"), "发布", "确认发布",
             "已发布，自2099年1月10日起施行")  # fmt: skip
        step("tianjin-admin", lambda page: page.get_by_label("废止日期").fill("2099-02-01"), "废止此版本",
             "确认废止此版本", "已废止，自2099年2月1日起不再施行", heading="确认废止")  # fmt: skip
        screenshot(pages[-1], f"revoked-{width}")
    finally:
        for page in pages:
            page.context.close()
    watch.assert_clean()
