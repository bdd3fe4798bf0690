"""Pages anyone can use: axe-core on every page type, keyboard focus, phone widths, headings, charts.

axe-core comes inside ``axe-playwright-python`` (its ``axe.min.js``), so the run needs no network.
Every page type in ``PAGE_TYPES`` is opened in Chromium signed out and signed in (the staff pages
signed in only), in Chinese and in English; a serious or critical axe violation, a skipped heading
level or a page without exactly one ``h1`` fails the run. A new page type is one more row.

The long version (``LONG_VERSION``) is invented test content in a real zone, generated to have the
size of the longest published lists (hundreds of items); its title says it is an example.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from registry import clock
from tests.conftest import Caller
from tests.factories import TIANJIN_EXAMPLE, tianjin_list
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import CAST, PASSWORD, SCREENSHOTS, TIANJIN, add_people, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
LONG_VERSION = "2025-example"
SUBMITTED_VERSION = "2026-submitted"
DRAFT_VERSION = "2026-draft"
TOP_CATEGORIES, SUB_CATEGORIES, ITEMS_PER_SUB = 12, 5, 10  # 600 items in 72 categories


def long_list(version: str) -> dict[str, Any]:
    """The Tianjin example content, grown to hundreds of items (invented, for the page's size only)."""
    categories = list(TIANJIN_EXAMPLE["categories"])
    items = list(TIANJIN_EXAMPLE["items"])
    kinds = [("important_data", "security_assessment"), ("personal_information", "standard_contract_or_certification")]
    for top in range(1, TOP_CATEGORIES + 1):
        categories.append({"code": f"EX{top:02d}", "name_zh": f"示例行业{top}", "name_en": f"Example sector {top}"})
        for sub in range(1, SUB_CATEGORIES + 1):
            code = f"EX{top:02d}.S{sub}"
            categories.append(
                {"code": code, "name_zh": f"示例场景{top}-{sub}", "name_en": f"Example scenario {top}-{sub}"}
            )
            for number in range(1, ITEMS_PER_SUB + 1):
                level, mechanism = kinds[number % 2]
                items.append(
                    {
                        "code": f"{code}-{number:03d}",
                        "category": code,
                        "name_zh": f"示例数据{top}-{sub}-{number}",
                        "name_en": f"Example data {top}-{sub}-{number}",
                        "description": "测试用的示例条目，不是任何自贸试验区公布的内容。",
                        "level": level,
                        "mechanism": mechanism,
                        "conditions": [],
                    }
                )
    return tianjin_list(
        version=version,
        title="中国（天津）自由贸易试验区数据出境管理清单（测试示例，非真实清单）",
        categories=categories,
        items=items,
        scope=["AUTO", "HEALTH"] + [f"EX{top:02d}" for top in range(1, TOP_CATEGORIES + 1)],
    )


def build_site(app) -> None:
    """The lists of record, the cast with passwords, a long version in force today, and staff work."""
    from registry.db import get_session, writing
    from registry.seeding import load_lists

    with app.app_context(), writing():
        session = get_session()
        load_lists(session)
        session.commit()
    tokens = add_people(app, *CAST)
    client = app.test_client()
    tianjin = Tianjin(lambda name, *_role, **_scope: Caller(client, tokens[name]))
    today = clock.today().isoformat()
    tianjin.bring_to(
        "published", LONG_VERSION, effective_from=today, **{k: v for k, v in long_list("x").items() if k != "version"}
    )
    tianjin.bring_to("submitted", SUBMITTED_VERSION)
    tianjin.bring_to("draft", DRAFT_VERSION)


@pytest.fixture
def site(seeded_server_base):
    return seeded_server_base


@pytest.fixture
def seeded_server_base(app, live_server):
    build_site(app)
    return live_server.url


# --- the page types ------------------------------------------------------------------------


def fill_form(page, selector: str, values: dict[str, Any]) -> None:
    """Set a form's fields by name (text, select, radio, checkbox) as a person would, then submit it."""
    form = page.locator(selector)
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            field = form.locator(f'[name="{name}"]').first
            kind = field.get_attribute("type")
            if kind in ("radio", "checkbox"):
                form.locator(f'[name="{name}"][value="{one}"]').check()
            elif field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(str(one))
            else:
                field.fill(str(one))
    form.locator('button[type="submit"]').last.click()
    page.wait_for_load_state()


def check_answers(today: str) -> dict[str, Any]:
    return {
        "processor.in_zone": "yes",
        "processor.ciio": "no",
        "dataset.categories": ["AUTO.VEH.TRACK"],
        "dataset.personal_info_subjects": "50000",
        "dataset.sensitive_pi_subjects": "0",
        "dataset.important_data": "no",
        "dataset.attributes.vehicle_count": "12000",
        "cumulative.personal_info_subjects": "120000",
        "cumulative.sensitive_pi_subjects": "0",
    }


def open_determination(page, base: str) -> None:
    today = clock.today().isoformat()
    page.goto(f"{base}/check?zone={TIANJIN}&on={today}")
    fill_form(page, "main form[method=post]", check_answers(today))
    expect(page.locator(".outcome")).to_be_visible()


def open_check_errors(page, base: str) -> None:
    page.goto(f"{base}/check")
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_visible()


INVENTORY = (
    "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,"
    "cumulative_personal_info_subjects,cumulative_sensitive_pi_subjects,grounds,vehicle_count\r\n"
    "轨迹,AUTO.VEH.TRACK,0,0,false,0,0,,20000\r\n"
    "基因,HEALTH.GENE,0,0,true,0,0,,\r\n"
    "坏行,AUTO,many,0,false,,,,\r\n"
)


def open_inventory_results(page, base: str) -> None:
    page.goto(f"{base}/check/inventory")
    page.locator("#f-file").set_input_files(
        files=[{"name": "inventory.csv", "mimeType": "text/csv", "buffer": INVENTORY.encode("utf-8")}]
    )
    fill_form(
        page,
        "main form[method=post]",
        {"zone": TIANJIN, "on": clock.today().isoformat(), "in_zone": "yes", "ciio": "no"},
    )
    expect(page.locator("svg.bars")).to_be_visible()


def open_confirmation(page, base: str) -> None:
    """The page confirming a step: submitting the draft, before anything changes."""
    page.goto(f"{base}/zones/{TIANJIN}/lists/{DRAFT_VERSION}")
    page.locator('form[action$="/submit"] button[type=submit]').click()
    page.wait_for_load_state()
    expect(page.locator("#confirm-form")).to_be_visible()


@dataclass(frozen=True)
class PageType:
    """A kind of page: how to open it, and who opens it (None: anyone, signed out and signed in)."""

    name: str
    path: str | Callable[[Any, str], None]
    who: str | None = None
    status: int = 200


PAGE_TYPES: list[PageType] = [
    PageType("home", "/"),
    PageType("zone", f"/zones/{TIANJIN}"),
    PageType("version (short, of record)", "/zones/CN-BJ-FTZ/lists/2024"),
    PageType("version (long)", f"/zones/{TIANJIN}/lists/{LONG_VERSION}"),
    PageType("diff", f"/zones/{TIANJIN}/lists/{LONG_VERSION}/diff/2024"),
    PageType("search", "/search?q=%E8%BD%A6%E8%BE%86"),  # 车辆
    PageType("check form", f"/check?zone={TIANJIN}"),
    PageType("check form with errors", open_check_errors),
    PageType("determination", open_determination),
    PageType("verify", "/verify"),
    PageType("inventory form", "/check/inventory"),
    PageType("inventory results", open_inventory_results),
    PageType("accessibility statement", "/accessibility"),
    PageType("not found", "/zones/NOWHERE", status=404),
    PageType("sign-in", "/sign-in"),
    PageType("staff dashboard", "/staff", who="tianjin-admin"),
    PageType("draft page with actions", f"/zones/{TIANJIN}/lists/{DRAFT_VERSION}", who="tianjin-admin"),
    PageType("new draft editor", f"/staff/zones/{TIANJIN}/drafts/new", who="tianjin-admin"),
    PageType("draft editor", f"/staff/zones/{TIANJIN}/lists/{DRAFT_VERSION}/edit", who="tianjin-admin"),
    PageType("import page", f"/staff/zones/{TIANJIN}/drafts/import", who="tianjin-admin"),
    PageType("audit page", "/staff/audit", who="tianjin-admin"),
    PageType("confirmation page", open_confirmation, who="tianjin-admin"),
    PageType("account page", "/account", who="tianjin-admin"),
    PageType("two-factor enrolment", "/account/two-factor", who="tianjin-admin"),
    PageType("approval queue", "/staff/approvals", who="tianjin-commission"),
    PageType(
        "submitted version with the decision form",
        f"/zones/{TIANJIN}/lists/{SUBMITTED_VERSION}",
        who="tianjin-commission",
    ),
    PageType("filing queue", "/staff/filings", who="cac-filer"),
    PageType("staff dashboard (administrator)", "/staff", who="registry-admin"),
    PageType("accounts list", "/staff/accounts", who="registry-admin"),
]
SIGNED_IN_READER = "tianjin-admin"  # who opens the public pages signed in


def open_page(page, base: str, kind: PageType) -> None:
    if callable(kind.path):
        kind.path(page, base)
        return
    response = page.goto(base + kind.path)
    assert response is not None and response.status == kind.status, (kind.name, response and response.status)


def sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/staff")


def new_context(browser, base: str, lang: str, viewport: dict[str, int] = DESKTOP, **options: Any):
    context = browser.new_context(locale="zh-CN", viewport=viewport, timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(20_000)
    context.add_cookies([{"name": "registry_lang", "value": lang, "url": base}])
    return context


HEADINGS_SCRIPT = """() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
    .filter(h => h.getClientRects().length || h.closest('details'))
    .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 60)])"""


def heading_problems(page) -> list[str]:
    """One h1, and no heading more than one level below the one before it."""
    headings = page.evaluate(HEADINGS_SCRIPT)
    problems = []
    if [level for level, _text in headings].count(1) != 1:
        problems.append(f"{[level for level, _ in headings].count(1)} h1 elements")
    previous = 0
    for level, text in headings:
        if level > previous + 1:
            problems.append(f"h{level} {text!r} follows h{previous}")
        previous = level
    return problems


def serious(results) -> list[str]:
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_type_passes_axe_and_keeps_its_headings_in_order(app, site, browser, watch, lang):
    axe = Axe()
    problems: dict[str, list[str]] = {}
    checked = 0
    readers = [None, SIGNED_IN_READER] + sorted({k.who for k in PAGE_TYPES if k.who and k.who != SIGNED_IN_READER})
    for reader in readers:
        context = new_context(browser, site, lang)
        page = context.new_page()
        watch.attach(page)
        try:
            if reader:
                sign_in(page, site, reader)
            for kind in PAGE_TYPES:
                if kind.who is not None and kind.who != reader:
                    continue
                if kind.who is None and reader not in (None, SIGNED_IN_READER):
                    continue
                open_page(page, site, kind)
                assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
                label = f"{kind.name} [{reader or 'signed out'}]"
                found = serious(axe.run(page)) + heading_problems(page)
                if found:
                    problems[label] = found
                checked += 1
        finally:
            context.close()
    assert checked == 2 * sum(1 for k in PAGE_TYPES if k.who is None) + sum(1 for k in PAGE_TYPES if k.who)
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())
    watch.assert_clean(expected_statuses=(404, 422))  # the not-found page and the form with errors


# --- keyboard focus ------------------------------------------------------------------------


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: tuple[float, ...], other: tuple[float, ...]) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def parse_colours(text: str) -> list[tuple[float, ...]]:
    """Every opaque ``rgb()``/``rgba()`` colour in a computed style value."""
    colours = []
    for match in re.finditer(r"rgba?\(([^)]+)\)", text):
        parts = [float(p) for p in re.split(r"[ ,/]+", match.group(1).strip()) if p]
        if len(parts) == 3 or parts[3] >= 0.99:
            colours.append(tuple(parts[:3]))
    return colours


FOCUS_SCRIPT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const backdrop = (start) => {
    for (let node = start; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg && bg !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(bg)) { return bg; }
    }
    return 'rgb(255, 255, 255)';
  };
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 40),
    current: el.getAttribute('aria-current'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 ? style.outlineColor : '',
    shadow: style.boxShadow === 'none' ? '' : style.boxShadow,
    border: parseFloat(style.borderBottomWidth) >= 2 ? style.borderBottomColor : '',
    background: backdrop(el), color: style.color, around: backdrop(el.parentElement),
    visible: rect.width > 0 && rect.height > 0,
  };
}"""


def focus_problem(info: dict[str, Any]) -> str | None:
    """Whether a focused element shows a focus indicator that contrasts 3:1 with what is around it.

    The indicator is an outline (2 px or more), a box shadow, a 2 px bottom border or a change of
    background; one of its colours must stand 3:1 against the background around the element, and
    the text must keep 4.5:1 against the element's own background.
    """
    around = parse_colours(info["around"])[0]
    indicator = parse_colours(info["outline"]) + parse_colours(info["shadow"]) + parse_colours(info["border"])
    background = parse_colours(info["background"])[0]
    if background != around:
        indicator.append(background)
    if not indicator:
        return "no focus indicator"
    best = max(contrast(colour, around) for colour in indicator)
    if best < 3:
        return f"focus indicator contrasts only {best:.2f}:1 with its surroundings"
    text = contrast(parse_colours(info["color"])[0], background)
    if info["tag"] == "A" and text < 4.5:
        return f"focused text contrasts only {text:.2f}:1"
    return None


def tab_through(page, stops: int) -> list[dict[str, Any]]:
    """Press Tab ``stops`` times from the top of the page; the focused element's style at each stop."""
    page.locator("body").focus()
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_SCRIPT)
        if info is None:
            break
        seen.append(info)
    return seen


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_link_shows_a_visible_focus_style_with_enough_contrast(app, site, browser, lang):
    context = new_context(browser, site, lang)
    page = context.new_page()
    try:
        sign_in(page, site, SIGNED_IN_READER)
        problems, links, current = [], 0, 0
        for path in ("/", "/search", f"/zones/{TIANJIN}", "/zones/CN-BJ-FTZ/lists/2024", "/accessibility"):
            page.goto(site + path)
            for info in tab_through(page, 80):
                if info["tag"] == "A":
                    links += 1
                    current += info["current"] == "page"
                problem = focus_problem(info)
                if problem:
                    problems.append(f"{path} {info['tag']} {info['text']!r}: {problem} ({info})")
        assert links > 100 and current >= 2, (links, current)  # the walk did reach the links and the current item
        assert not problems, "\n".join(problems)
        # Every main navigation item, the current one included, by keyboard alone.
        page.goto(f"{site}/search")
        nav = page.locator("nav.mainnav a")
        count = nav.count()
        assert count == 6  # signed in: five public items and the desk
        reached = set()
        for info in tab_through(page, 30):
            if info["tag"] == "A" and info["text"] in nav.all_inner_texts():
                reached.add(info["text"])
        assert reached == set(nav.all_inner_texts())
    finally:
        context.close()


def test_the_focus_check_can_fail():
    """The check itself: a dark text on the dark current item, or no indicator at all, is refused."""
    dark_current = {
        "tag": "A",
        "outline": "",
        "shadow": "",
        "border": "",
        "color": "rgb(27, 31, 36)",
        "background": "rgb(7, 42, 87)",
        "around": "rgb(11, 58, 117)",
    }
    assert "contrasts only" in focus_problem(dark_current)  # the darker field hardly shows
    assert "text" in focus_problem({**dark_current, "outline": "rgb(255, 210, 77)"})  # seen, but unreadable
    assert focus_problem({**dark_current, "background": "rgb(11, 58, 117)"}) == "no focus indicator"
    yellow_on_white = {**dark_current, "background": "rgb(255, 210, 77)", "around": "rgb(255, 255, 255)"}
    assert "contrasts only" in focus_problem(yellow_on_white)
    assert focus_problem({**yellow_on_white, "shadow": "rgb(27, 31, 36) 0px 4px 0px 0px"}) is None


# --- phones --------------------------------------------------------------------------------


WIDE = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 5).map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_navigation_item_is_visible_on_a_phone(app, site, browser, watch, lang):
    context = new_context(browser, site, lang, PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    watch.attach(page)
    try:
        sign_in(page, site, SIGNED_IN_READER)
        for path in ("/", f"/zones/{TIANJIN}/lists/{LONG_VERSION}", "/check", "/staff"):
            page.goto(site + path)
            links = page.locator("nav.mainnav a")
            assert links.count() == 6
            for index in range(links.count()):
                link = links.nth(index)
                box = link.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (path, box)
                # Nothing covers it and nothing clips it: the point at its centre is the link itself.
                hit = page.evaluate(
                    "([x, y]) => document.elementFromPoint(x, y)?.closest('a')?.textContent.trim()",
                    [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
                )
                assert hit == link.inner_text().strip(), (path, hit)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (path, page.evaluate(WIDE))
        page.goto(f"{site}/zones/{TIANJIN}/lists/{LONG_VERSION}")
        screenshot(page, f"version-long-phone-{lang}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"navigation-phone-{lang}.png"))  # the first screen only
        watch.assert_clean()
    finally:
        context.close()


# --- the long version page -----------------------------------------------------------------


def test_a_long_version_opens_folded_with_an_index_and_a_filter(app, site, browser, watch):
    context = new_context(browser, site, "zh")
    page = context.new_page()
    watch.attach(page)
    try:
        page.goto(f"{site}/zones/{TIANJIN}/lists/{LONG_VERSION}")
        items = page.locator("article.item")
        assert items.count() == 3 + TOP_CATEGORIES * SUB_CATEGORIES * ITEMS_PER_SUB
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 12_000, height  # 600 items unfolded are tens of thousands of pixels
        bodies = page.locator("details[data-category-body]")
        assert bodies.count() == 2 + TOP_CATEGORIES and page.locator("details[data-category-body][open]").count() == 0
        # The category index names every top-level category and leads to it, opened.
        index = page.locator("nav.category-index a")
        assert index.count() == 2 + TOP_CATEGORIES
        page.get_by_role("link", name="EX07 示例行业7").click()
        page.locator("#cat-EX07 summary").click()
        expect(page.locator("#cat-EX07 article.item").first).to_be_visible()
        # A link to one item opens the category that holds it.
        page.goto(f"{site}/zones/{TIANJIN}/lists/{LONG_VERSION}#item-EX03.S2-004")
        expect(page.locator("#item-EX03\\.S2-004")).to_be_in_viewport()
        # The filter shows only what matches, opens its categories and says how many there are.
        page.goto(f"{site}/zones/{TIANJIN}/lists/{LONG_VERSION}")
        box = page.get_by_label("筛选条目")
        box.fill("示例数据5-3-")
        expect(page.locator("#item-filter-status")).to_have_text("10个条目符合筛选条件")
        expect(page.locator("article.item:visible")).to_have_count(10)
        expect(page.locator("#cat-EX05")).to_be_visible()
        expect(page.locator("#cat-EX06")).to_be_hidden()
        box.fill("沒有這個")
        expect(page.locator("#item-filter-status")).to_have_text("没有符合筛选条件的条目。")
        box.fill("")
        expect(page.locator("#item-filter-status")).to_have_text("")
        assert page.locator("details[data-category-body][open]").count() == 0  # folded again, as they were
        screenshot(page, "version-long")
        # In English, with one match.
        context.add_cookies([{"name": "registry_lang", "value": "en", "url": site}])
        page.reload()
        page.get_by_label("Filter the items").fill("EX05.S3-010")
        expect(page.locator("#item-filter-status")).to_have_text("1 item matches the filter")
        expect(page.locator("article.item:visible")).to_have_count(1)
        watch.assert_clean()
    finally:
        context.close()


def test_a_long_version_is_usable_without_script(app, site, browser):
    context = browser.new_context(locale="zh-CN", viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site}/zones/{TIANJIN}/lists/{LONG_VERSION}")
        expect(page.locator("[data-item-filter]")).to_be_hidden()  # it needs the script
        page.locator("#cat-EX02 summary").click()  # <details> opens without script
        expect(page.locator("#item-EX02\\.S1-001")).to_be_visible()
    finally:
        context.close()


def test_the_biggest_version_of_record_and_short_versions_open_unfolded(app, site, browser):
    context = new_context(browser, site, "en")
    page = context.new_page()
    try:
        page.goto(f"{site}/zones/CN-BJ-FTZ/lists/2024")  # the seeded version with the most items
        assert page.evaluate("document.documentElement.scrollHeight") < 70_000
        bodies = page.locator("details[data-category-body]")
        assert bodies.count() > 0
        assert page.locator("details[data-category-body]:not([open])").count() == 0
        expect(page.locator("article.item").first).to_be_visible()
    finally:
        context.close()


# --- charts --------------------------------------------------------------------------------


CLIPPED_SCRIPT = """() => {
  const out = [];
  document.querySelectorAll('svg[role=img]').forEach(svg => {
    const box = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(t => {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.y < box.y - 0.5 || b.x + b.width > box.x + box.width + 0.5
          || b.y + b.height > box.y + box.height + 0.5) {
        out.push(`${t.textContent} [${b.x.toFixed(0)}, ${b.y.toFixed(0)}, ${b.width.toFixed(0)}]`);
      }
    });
  });
  return out;
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_hold_no_links_and_clip_no_labels(app, site, browser, lang):
    context = new_context(browser, site, lang)
    page = context.new_page()
    try:
        paths = [f"/zones/{zone}" for zone in ("CN-TJ-FTZ", "CN-BJ-FTZ", "CN-SH-FTZ", "CN-HI-FTP")]
        for path in paths:
            page.goto(site + path)
            assert page.locator("svg.timeline").count() == 1, path
            assert page.locator("[role=img] a, [role=img] [href]").count() == 0, path
            assert page.evaluate(CLIPPED_SCRIPT) == [], path
            # The versions the chart shows are linked from the table beside it.
            assert page.locator("#versions-title ~ .table-wrap a").count() >= 1
        open_inventory_results(page, site)
        assert page.evaluate(CLIPPED_SCRIPT) == []
    finally:
        context.close()


def test_bar_labels_fit_with_the_largest_counts(app, live_server, browser):
    """The value after the longest bar, with an inventory's largest count, stays inside the chart."""
    from registry.web.svg import bar_chart_svg

    rows = [("security_assessment", "Standard contract or certification", 20_000), ("exempt", "豁免", 1)]
    with app.test_request_context():
        svg = str(bar_chart_svg(rows, "t"))
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accessibility")
        page.evaluate("svg => { document.querySelector('main').innerHTML = svg; }", svg)
        assert page.locator("svg.bars text").count() == 4
        assert page.evaluate(CLIPPED_SCRIPT) == []
    finally:
        context.close()


def test_the_timeline_today_label_stays_inside_near_the_right_edge(app):
    """A day at the far right of the axis puts today's label to the left of its line."""
    from registry.web.svg import TimelineLane, timeline_svg

    today = clock.today()
    lane = TimelineLane("2024版", "已发布", "/x", periods=[(today - timedelta(days=900), None)])
    with app.test_request_context():
        svg = str(timeline_svg([lane], today, "t"))
    assert "<a " not in svg and 'role="img"' in svg
    assert 'class="tl-today-label"' in svg and 'text-anchor="end"' in svg


def test_the_axe_run_finds_a_planted_violation_offline(app, live_server, browser):
    """axe-core runs from the wheel's own copy (no network) and does report a serious problem."""
    context = browser.new_context(viewport=DESKTOP, offline=False)
    context.route("**/*", lambda route: route.abort() if "127.0.0.1" not in route.request.url else route.continue_())
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accessibility")
        assert serious(Axe().run(page)) == []
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/favicon.ico\">')")
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<h4>skipped</h4>')")
        found = serious(Axe().run(page))
        assert any(line.startswith("image-alt (critical)") for line in found), found
        assert any("h4 'skipped' follows h2" in line for line in heading_problems(page))
    finally:
        context.close()
