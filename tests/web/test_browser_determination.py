"""The determination and finding things in Debian's Chromium, in Chinese and English, at desktop and
phone widths: the printed page shows the whole receipt, the QR code on screen decodes to the
verification page (which shows the determination again), the PDF holds the reference; search finds a
sector and leads to a check of that kind; the zone page answers for a date and announces its feed."""

from __future__ import annotations

import hashlib
import io
import re

import pypdf
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.web.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LAYOUTS = [("zh", DESKTOP), ("zh", PHONE), ("en", DESKTOP), ("en", PHONE)]
LAYOUT_IDS = ["zh-desktop", "zh-phone", "en-desktop", "en-phone"]
LABEL = "车流数据（五月批次）"
COMPANY = "北京某出行科技有限公司"


@pytest.fixture
def reader(browser, seeded_server, watch, request):
    """A page in the given language and size, on the seeded registry."""
    lang, viewport = request.param
    context = browser.new_context(
        locale="zh-CN" if lang == "zh" else "en-GB", viewport=viewport, is_mobile=viewport is PHONE,
        timezone_id="Asia/Shanghai",
    )  # fmt: skip
    context.set_default_timeout(20_000)
    context.add_cookies([{"name": "registry_lang", "value": lang, "url": seeded_server.url}])
    page = context.new_page()
    watch.attach(page)
    page.lang, page.phone = lang, viewport is PHONE
    yield page
    context.close()


def no_horizontal_overflow(page) -> bool:
    """Whether the page settles without sideways scrolling (within 5 s: a page still laying out its
    fonts may be wider for a moment, as one CI run saw). Polled from here: the pages' CSP forbids
    the eval that ``wait_for_function`` would run in them."""
    for _attempt in range(50):
        if page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0:
            return True
        page.wait_for_timeout(100)
    return False


def reference_of(receipt: str) -> str:
    digest = hashlib.sha256(receipt.encode()).hexdigest()[:10].upper()
    return f"{digest[:5]}-{digest[5:]}"


def check_beijing_traffic_data(page, base: str) -> str:
    """Fill the form (the category prefilled from the address, as search's links do); return the receipt."""
    # The last day of Beijing's 2024 list, whose items are on record.
    page.goto(f"{base}/check?zone=CN-BJ-FTZ&on=2026-05-10&dataset.categories=AUTO.IMPORTANT.D2")
    expect(page.locator("input[value='AUTO.IMPORTANT.D2']")).to_be_checked()
    page.fill("#f-processor-name", COMPANY)
    page.fill("#f-dataset-label", LABEL)
    page.check("#f-processor-in_zone")
    page.check("#f-processor-ciio-no")
    page.fill("#f-dataset-personal_info_subjects", "0")
    page.fill("#f-dataset-sensitive_pi_subjects", "0")
    page.check("#f-dataset-important_data-no")
    page.locator("button.button--primary.button--large[type=submit]").click()
    expect(page.locator("#reference-number")).to_be_visible()
    return page.locator("#receipt-text").input_value()


@pytest.mark.parametrize("reader", LAYOUTS, ids=LAYOUT_IDS, indirect=True)
def test_the_determination_prints_whole_its_qr_code_opens_it_again_and_its_pdf_holds_it(reader, seeded_server, watch):
    page, base = reader, seeded_server.url
    receipt = check_beijing_traffic_data(page, base)
    reference = reference_of(receipt)
    expect(page.locator("#reference-number")).to_have_text(reference)
    expect(page.locator("#determination-label")).to_have_text(LABEL)
    expect(page.locator("#determination-processor")).to_have_text(COMPANY)
    expect(page.locator(".outcome__title")).to_have_text(
        "须申报数据出境安全评估" if page.lang == "zh" else re.compile("security assessment", re.I)
    )
    assert no_horizontal_overflow(page)
    name = f"determination-{page.lang}-{'phone' if page.phone else 'desktop'}"
    screenshot(page, name)

    # Printed: the whole receipt is there, wrapped inside the page, and the QR code with it.
    page.emulate_media(media="print")
    printed = page.locator("#receipt-printed")
    expect(printed).to_be_visible()
    expect(page.locator("#receipt-text")).to_be_hidden()
    assert printed.inner_text().replace("\n", "") == receipt
    box = printed.evaluate(
        "e => ({scroll: e.scrollWidth, client: e.clientWidth, right: e.getBoundingClientRect().right,"
        " page: document.documentElement.clientWidth, height: e.scrollHeight, shown: e.clientHeight})"
    )
    assert box["scroll"] <= box["client"] and box["right"] <= box["page"], box  # not clipped sideways
    assert box["height"] <= box["shown"] + 1, box  # nor cut off below
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.locator(".mainnav")).to_be_hidden()
    screenshot(page, f"{name}-print")
    page.emulate_media(media="screen")

    # The QR code as the screen draws it decodes to this receipt's verification page.
    png = page.locator("svg.qr").screenshot(scale="device")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L").resize((1000, 1000), Image.NEAREST))
    assert [code.text for code in found] == [f"{base}/verify?receipt={receipt}"]
    pdf_url = page.locator("#pdf-link").get_attribute("href")

    # Opening it shows the whole determination again.
    page.goto(found[0].text)
    expect(page.locator("#verify-result")).to_contain_text("回执有效" if page.lang == "zh" else "valid")
    expect(page.locator("#reference-number")).to_have_text(reference)
    expect(page.locator("#determination-label")).to_have_text(LABEL)
    expect(page.get_by_text("AUTO-ID-02").first).to_be_visible()
    assert no_horizontal_overflow(page)

    # The PDF (same cookies, same language) holds the reference, the labels and the quoted articles.
    response = page.request.get(base + pdf_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages))
    for fact in (reference, LABEL, COMPANY, "自由贸易试验区在国家数据分类分级保护制度框架下"):
        assert fact in text, fact
    assert ("回执编号" if page.lang == "zh" else "Referencenumber") in text
    watch.assert_clean()


@pytest.mark.parametrize("reader", LAYOUTS, ids=LAYOUT_IDS, indirect=True)
def test_a_forged_receipt_gets_a_page_in_the_readers_language(reader, seeded_server, watch):
    page = reader
    response = page.goto(f"{seeded_server.url}/check/determination.pdf?receipt=abc.def")
    assert response.status == 422
    title = "无法生成结论书" if page.lang == "zh" else "The determination cannot be made"
    expect(page.locator("h1")).to_have_text(title)
    assert no_horizontal_overflow(page)
    watch.assert_clean(expected_statuses=(422,))


@pytest.mark.parametrize("reader", LAYOUTS, ids=LAYOUT_IDS, indirect=True)
def test_search_finds_a_sector_on_a_date_and_leads_to_a_check_of_that_kind(reader, seeded_server, watch):
    page, base = reader, seeded_server.url
    page.goto(f"{base}/search")
    page.fill("#f-q", "再保险")
    page.fill("#f-search-on", "2025-06-01")  # Shanghai's 2024 list, with its reinsurance scenarios
    page.locator(".search-form button[type=submit]").click()
    sectors = page.locator(".search-sectors")
    expect(sectors).to_contain_text("人身险再保险场景" if page.lang == "zh" else "reinsurance", ignore_case=True)
    expect(page.locator("#f-search-on")).to_have_value("2025-06-01")
    assert no_horizontal_overflow(page)
    screenshot(page, f"search-{page.lang}-{'phone' if page.phone else 'desktop'}")
    link = sectors.locator("a.hit__check").first
    href = link.get_attribute("href")
    code = re.search(r"dataset\.categories=([A-Z0-9._]+)", href).group(1)
    link.click()
    expect(page.locator("#f-zone")).to_have_value("CN-SH-FTZ")
    expect(page.locator("#f-on")).to_have_value("2025-06-01")
    expect(page.locator(f"input[name='dataset.categories'][value='{code}']")).to_be_checked()
    watch.assert_clean()


@pytest.mark.parametrize("reader", LAYOUTS, ids=LAYOUT_IDS, indirect=True)
def test_the_zone_page_answers_for_a_date_and_announces_its_feed(reader, seeded_server, watch):
    page, base = reader, seeded_server.url
    page.goto(f"{base}/zones/CN-SH-FTZ")
    assert page.locator('head link[rel=alternate][type="application/atom+xml"]').get_attribute("href") == (
        "/feeds/zones/CN-SH-FTZ.atom"
    )
    panel = page.locator("section[aria-labelledby=today-title]")
    expect(panel.locator("a[href='/zones/CN-SH-FTZ/lists/2025']")).to_be_visible()
    page.fill("#f-zone-on", "2025-06-01")
    page.locator(".date-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"on=2025-06-01"))
    expect(panel.locator("a[href='/zones/CN-SH-FTZ/lists/2024']")).to_be_visible()
    expect(panel.locator("h2")).to_contain_text("2025年6月1日" if page.lang == "zh" else "1 June 2025")
    assert no_horizontal_overflow(page)
    page.goto(base)
    assert page.locator('head link[rel=alternate][type="application/atom+xml"]').get_attribute("href") == (
        "/feeds/lists.atom"
    )
    watch.assert_clean()
