"""The public pages, read as a compliance officer reads them (no browser, no script).

Scenarios on the real lists of record: the home page's overview, a zone's timeline, a
version's items, scope and history, its downloads; and on an example Tianjin list: search and the
comparison of two versions.
"""

from __future__ import annotations

import io
import json

import pytest

from tests.lifecycle_helpers import Tianjin

PROBLEM_JSON = "application/problem+json"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_home_shows_the_zones_with_a_list_in_force_and_the_way_to_check(seeded_app):
    page = text(seeded_app.test_client().get("/"))
    assert '<html lang="zh-CN">' in page
    assert "中国（天津）自由贸易试验区" in page
    assert "2024年5月9日" in page  # Tianjin in force since its publication
    assert 'href="/check"' in page
    # The zones without a list are listed apart, so nobody takes silence for an exemption.
    assert "尚无负面清单施行的自贸试验区（港）" in page
    assert "中国（山东）自由贸易试验区" in page


def test_zone_page_draws_the_timeline_and_names_the_version_in_force(seeded_app):
    page = text(seeded_app.test_client().get("/zones/CN-TJ-FTZ"))
    assert '<svg class="timeline"' in page
    assert '<title id="tl-title">' in page
    assert "今日施行的负面清单" in page
    assert "/zones/CN-TJ-FTZ/lists/2024" in page


def test_a_zone_without_a_list_says_the_national_rules_apply(seeded_app):
    page = text(seeded_app.test_client().get("/zones/CN-SD-FTZ"))
    assert "没有正在施行的数据出境负面清单" in page
    assert '<svg class="timeline"' not in page


def test_version_page_groups_items_by_category_with_level_and_mechanism(seeded_app):
    page = text(seeded_app.test_client().get("/zones/CN-BJ-FTZ/lists/2024"))
    assert 'id="cat-AUTO"' in page
    assert 'id="item-AUTO-ID-01"' in page
    assert "重要数据" in page and "数据出境安全评估" in page
    assert "关键信息基础设施运营者不适用本清单" in page  # the CIIO clause stated
    assert "摘要值（SHA-256）" in page


def test_a_partial_record_says_so_and_links_the_full_text_and_labels_notes(seeded_app):
    page = text(seeded_app.test_client().get("/zones/CN-TJ-FTZ/lists/2024"))
    assert "本登记只收录了该清单的部分内容" in page
    assert 'href="https://secrss.com/articles/65971"' in page
    assert "编者说明" in page and "未经证实的信息" in page
    assert "天津市网络安全和信息化委员会" in page


def test_json_download_is_the_api_representation(seeded_app):
    client = seeded_app.test_client()
    download = client.get("/zones/CN-BJ-FTZ/lists/2024/download.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.data) == client.get("/api/v1/zones/CN-BJ-FTZ/lists/2024").get_json()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_downloads(seeded_app, fmt):
    download = seeded_app.test_client().get(f"/zones/CN-BJ-FTZ/lists/2024/download.{fmt}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        assert "AUTO-ID-01" in download.data.decode("utf-8-sig")
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(download.data))
        cells = [str(c) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
        assert "AUTO-ID-01" in cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_downloaded_spreadsheet_reimports_to_the_same_digest(seeded_app, fmt):
    # The page's download is the lists service's export: one byte-order mark, and a file that the
    # lists service's import reads back into the very content the version's digest names.
    from registry.db import get_session, writing
    from registry.lists import services
    from registry.lists.canonical import content_digest
    from registry.seeding import SYSTEM

    data = seeded_app.test_client().get(f"/zones/CN-BJ-FTZ/lists/2024/download.{fmt}").data
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    with seeded_app.app_context(), writing():
        session = get_session()
        original = services.get_version(session, None, "CN-BJ-FTZ", "2024")
        copy = services.import_draft(session, None, "CN-BJ-FTZ", data, f"list.{fmt}", version="copy", actor=SYSTEM)
        assert content_digest(services.content_of(copy)) == original.digest


def test_unknown_zone_and_version_are_html_404(seeded_app):
    client = seeded_app.test_client()
    for url in ("/zones/CN-XX-FTZ", "/zones/CN-TJ-FTZ/lists/1999", "/no/such/page"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "页面不存在" in text(response)


def test_the_api_keeps_its_problem_json(seeded_app):
    client = seeded_app.test_client()
    assert client.get("/api/v1/no/such/thing").mimetype == PROBLEM_JSON
    assert client.get("/api/v1/zones/CN-XX-FTZ").mimetype == PROBLEM_JSON
    wrong_method = client.delete("/api/v1/zones")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == PROBLEM_JSON
    # An API POST needs no CSRF token: bearer tokens are the API's protection.
    check = client.post("/api/v1/checks", json={"zone": "CN-TJ-FTZ"})
    assert check.status_code == 422 and check.mimetype == PROBLEM_JSON


def test_a_wrong_method_on_a_page_is_html_405(seeded_app):
    response = seeded_app.test_client().delete("/search")
    assert response.status_code == 405
    assert response.mimetype == "text/html"


def test_pages_send_security_headers_and_no_external_assets(seeded_app):
    response = seeded_app.test_client().get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = text(response)
    assert "http://" not in page.split("<footer")[0].replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page.split("<footer")[0]
    assert response.headers.get("Content-Security-Policy")
    # The API gets no page policy (Swagger UI needs its scripts), only the frame ban every answer carries.
    api_policy = seeded_app.test_client().get("/api/v1/zones").headers.get("Content-Security-Policy")
    assert api_policy == "frame-ancestors 'none'"


@pytest.fixture
def tianjin(app, as_user):
    """An example Tianjin list published in 2024, and a 2025 version that changes it."""
    cast = Tianjin(as_user)
    cast.bring_to("published", "2024", effective_from="2024-05-10")
    from tests.factories import tianjin_list

    changed = tianjin_list(version="2025")
    changed["items"][0]["mechanism"] = "standard_contract_or_certification"
    changed["items"][0]["conditions"] = [{"attribute": "vehicle_count", "op": ">=", "value": 100000}]
    changed["items"] = [i for i in changed["items"] if i["code"] != "AUTO-002"]
    changed["items"].append(
        {
            "code": "HEALTH-002",
            "category": "HEALTH.GENE",
            "name_zh": "基因测序原始数据",
            "level": "important_data",
            "mechanism": "security_assessment",
        }
    )
    cast._ok(cast.admin.post(cast.url(), json=changed), 201)
    for step in (cast.submit, cast.approve):
        step("2025")
    cast.file("2025", "CAC")
    cast.file("2025", "NDA")
    cast.publish("2025", "2025-06-01")
    return cast


@pytest.mark.parametrize("query", ["轨迹", "基因", "AUTO-001"])
def test_search_finds_two_character_chinese_and_marks_the_match(app, tianjin, query):
    page = text(app.test_client().get("/search", query_string={"q": query}))
    assert f"<mark>{query}</mark>" in page
    assert "找到" in page


def test_search_with_nothing_found_says_so(app, tianjin):
    page = text(app.test_client().get("/search", query_string={"q": "不存在的东西"}))
    assert "没有符合的条目" in page


def test_version_page_compares_with_the_previous_version_field_by_field(app, tianjin):
    page = text(app.test_client().get("/zones/CN-TJ-FTZ/lists/2025"))
    assert "与上一版本（2024）比较" in page
    assert "HEALTH-002" in page and "AUTO-002" in page
    diff = page.split('id="diff-title"')[1]
    # The changed item shows its fields side by side: the old mechanism and the new one.
    assert 'class="diff__before"' in diff and 'class="diff__after"' in diff
    assert "车辆数 ≥ 1万" in diff and "车辆数 ≥ 10万" in diff


def test_diff_page_against_any_version(app, tianjin):
    response = app.test_client().get("/zones/CN-TJ-FTZ/lists/2024/diff/2025")
    assert response.status_code == 200
    assert "2024版与2025版比较" in text(response)
    assert app.test_client().get("/zones/CN-TJ-FTZ/lists/2024/diff?other=2025").status_code == 303


def test_timeline_shows_supersession(app, tianjin):
    page = text(app.test_client().get("/zones/CN-TJ-FTZ"))
    assert "被2025取代" in page
    assert "tl-bar--current" in page and "tl-bar--past" in page
