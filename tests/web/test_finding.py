"""Finding things: search reaches the sectors and categories the lists cover (on any date, with the
true total, page by page, each hit leading to a check of that kind); the zone page answers for a date;
the feeds are announced."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from registry import clock
from tests.lifecycle_helpers import Tianjin


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def check_links(page: str) -> list[dict[str, list[str]]]:
    """The query of every "check a dataset of this kind" link on a search page."""
    return [parse_qs(urlsplit(unescape(href)).query) for href in re.findall(r'class="hit__check" href="([^"]+)"', page)]


@pytest.mark.parametrize(
    ("query", "zone", "code"),
    [
        ("再保险", "CN-SH-FTZ", "REINSURANCE"),
        ("个人信息", "CN-TJ-FTZ", "PERSONAL_INFO"),
        ("智能网联汽车", "CN-CQ-FTZ", "ICV"),
    ],  # fmt: skip
)
def test_search_finds_the_sectors_a_list_covers(seeded_app, query, zone, code):
    """These lists are on record with their sectors but none (or few) of their items: the sector is found."""
    page = text(seeded_app.test_client().get("/search", query_string={"q": query}))
    sectors = page[page.index('id="sectors-title"') : page.index('class="result-count"')]
    assert f"<mark>{query}</mark>" in sectors
    assert {"zone": [zone], "on": [clock.today().isoformat()], "dataset.categories": [code]} in check_links(page)


def test_the_check_link_opens_the_form_with_the_category_ticked(seeded_app):
    client = seeded_app.test_client()
    link = re.search(r'class="hit__check" href="([^"]+)"', text(client.get("/search?q=智能网联汽车"))).group(1)
    form = text(client.get(unescape(link)))
    assert re.search(r'<input[^>]*value="ICV"[^>]*checked', form) or re.search(r'checked[^>]*value="ICV"', form)


def test_search_on_a_past_date_reaches_the_version_then_in_force(seeded_app):
    """Shanghai's 2024 list named its reinsurance scenarios; its 2025 list (in force since) names the sector."""
    client = seeded_app.test_client()
    earlier = text(client.get("/search", query_string={"q": "再保险", "on": "2025-06-01"}))
    assert "人身险<mark>再保险</mark>场景" in earlier and "2024版" in earlier
    assert 'value="2025-06-01"' in earlier
    now = text(client.get("/search", query_string={"q": "再保险"}))
    assert "人身险再保险场景" not in now and "人身险<mark>再保险</mark>场景" not in now
    before_any = text(client.get("/search", query_string={"q": "再保险", "on": "2023-01-01"}))
    assert "没有符合的条目或类别" in before_any


@pytest.fixture
def broad_list(as_user):
    """A Tianjin list whose 1,500 categories are all named 数据…, with 150 items (issue #12's case)."""
    categories = [{"code": "DATA", "name_zh": "数据"}] + [
        {"code": f"C{n}", "name_zh": f"数据类别{n}"} for n in range(1500)
    ]
    items = [
        {"code": f"I-{n:04d}", "category": f"C{n}", "name_zh": f"条目{n}", "level": "important_data",
         "mechanism": "security_assessment"}
        for n in range(0, 1500, 10)
    ]  # fmt: skip
    Tianjin(as_user).bring_to("published", categories=categories, scope=["DATA"], items=items, attributes=[])
    return {item["code"] for item in items}


def test_search_reports_the_true_total_and_pages_through_every_hit(app, broad_list):
    client = app.test_client()
    first = text(client.get("/search", query_string={"q": "数据"}))
    assert "找到 150 个条目，当前为第 1–20 个" in first
    assert "第 1 页，共 8 页" in first
    assert "清单覆盖的领域和类别（1501 个）" in first and "仅列出前 100 个" in first
    seen: list[str] = []
    for number in range(1, 9):
        page = text(client.get("/search", query_string={"q": "数据", "page": number}))
        seen += re.findall(r'<span class="code">(I-\d{4})</span>', page)
    assert len(seen) == len(set(seen)) == 150 and set(seen) == broad_list
    # Past the last page shows the last; a page that is not a number shows the first.
    assert "当前为第 141–150 个" in text(client.get("/search", query_string={"q": "数据", "page": 99}))
    assert "当前为第 1–20 个" in text(client.get("/search", query_string={"q": "数据", "page": "x"}))


def test_search_in_english_and_with_a_bad_date(app, broad_list):
    client = app.test_client()
    client.set_cookie("registry_lang", "en")
    page = text(client.get("/search", query_string={"q": "数据", "on": "2024-13-45", "page": 2}))
    assert "150 items found, showing 21–40" in page
    assert 'id="date-error"' in page and "is not a valid date" in page
    assert "Check a dataset of this kind" in page


def test_the_zone_page_shows_the_version_in_force_on_a_date(seeded_app):
    client = seeded_app.test_client()
    earlier = text(client.get("/zones/CN-SH-FTZ", query_string={"on": "2025-06-01"}))
    panel = earlier[earlier.index('id="today-title"') : earlier.index("</section>", earlier.index('id="today-title"'))]
    assert "2025年6月1日施行的负面清单" in panel
    assert "/zones/CN-SH-FTZ/lists/2024" in panel and 'value="2025-06-01"' in panel
    now = text(client.get("/zones/CN-SH-FTZ"))
    panel = now[now.index('id="today-title"') : now.index("</section>", now.index('id="today-title"'))]
    assert "今日施行的负面清单" in panel and "/zones/CN-SH-FTZ/lists/2025" in panel
    before = text(client.get("/zones/CN-SH-FTZ", query_string={"on": "2023-01-01"}))
    assert 'id="none-in-force"' in before and "2023年1月1日" in before
    bad = client.get("/zones/CN-SH-FTZ", query_string={"on": "tomorrow"})
    assert bad.status_code == 200 and 'id="date-error"' in text(bad)


def test_the_home_and_zone_pages_link_their_feeds_visibly(seeded_app):
    client = seeded_app.test_client()
    assert 'href="/feeds/lists.atom" type="application/atom+xml"' in text(client.get("/"))
    assert 'href="/feeds/zones/CN-TJ-FTZ.atom" type="application/atom+xml"' in text(client.get("/zones/CN-TJ-FTZ"))


def test_the_api_searches_on_a_date_too(seeded_app):
    client = seeded_app.test_client()
    earlier = client.get("/api/v1/search", query_string={"q": "车", "zone": "CN-BJ-FTZ", "on": "2026-05-10"})
    assert earlier.status_code == 200 and earlier.get_json()
    assert {hit["version"] for hit in earlier.get_json()} == {"2024"}
    today = client.get("/api/v1/search", query_string={"q": "车", "zone": "CN-BJ-FTZ"}).get_json()
    assert "2024" not in {hit["version"] for hit in today}  # Beijing's 2025 list has been in force since
    assert client.get("/api/v1/search", query_string={"q": "轨迹", "on": "2026-02-30"}).status_code == 422
