"""robots.txt, sitemap.xml and the accessibility statement."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

from registry.lists.lifecycle import EVER_PUBLISHED
from tests.lifecycle_helpers import Tianjin

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locs(client) -> list[str]:
    response = client.get("/sitemap.xml", base_url="https://registry.example.org")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)  # well-formed XML, or this raises
    assert root.tag == f"{SITEMAP_NS}urlset"
    return [url.findtext(f"{SITEMAP_NS}loc") for url in root.findall(f"{SITEMAP_NS}url")]


def test_the_sitemap_lists_public_pages_zones_and_public_versions_only(seeded_app, as_user):
    tianjin = Tianjin(as_user)
    tianjin.bring_to("published", "2026-p", effective_from="2026-01-01")
    tianjin.bring_to("revoked", "2026-r", effective_from="2026-02-01")
    tianjin.bring_to("draft", "2026-d")
    tianjin.bring_to("approved", "2026-a")
    client = seeded_app.test_client()
    locs = sitemap_locs(client)
    assert len(locs) == len(set(locs))
    assert all(urlsplit(loc).scheme == "https" and urlsplit(loc).netloc == "registry.example.org" for loc in locs)
    paths = {urlsplit(loc).path for loc in locs}
    for page in ("/", "/check", "/check/inventory", "/search", "/verify", "/accessibility"):
        assert page in paths
    assert "/zones/CN-TJ-FTZ" in paths and "/zones/CN-BJ-FTZ" in paths
    assert {"/zones/CN-TJ-FTZ/lists/2026-p", "/zones/CN-TJ-FTZ/lists/2026-r", "/zones/CN-BJ-FTZ/lists/2024"} <= paths
    assert not {"/zones/CN-TJ-FTZ/lists/2026-d", "/zones/CN-TJ-FTZ/lists/2026-a"} & paths
    assert not any(path.startswith("/staff") or path == "/sign-in" for path in paths)
    # Every listed page is there for an anonymous reader, and every public version is listed.
    for path in paths:
        assert client.get(path).status_code == 200, path
    listed_versions = {path for path in paths if "/lists/" in path}
    public = client.get("/api/v1/zones/CN-TJ-FTZ/lists").get_json()
    public = public["items"] if isinstance(public, dict) else public
    tianjin_public = {f"/zones/CN-TJ-FTZ/lists/{v['version']}" for v in public if v["status"] in EVER_PUBLISHED}
    assert tianjin_public and tianjin_public <= listed_versions


def test_robots_keeps_crawlers_off_the_desk_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt", base_url="https://registry.example.org")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /staff", "Disallow: /sign-in", "Disallow: /api/"} <= set(lines)
    assert "Sitemap: https://registry.example.org/sitemap.xml" in lines


def test_the_accessibility_statement_is_linked_from_every_page_in_both_languages(client):
    for lang, title, contact in (
        ("zh", "无障碍声明", "代码仓库中提交议题"),
        ("en", "Accessibility statement", "issue"),
    ):
        client.set_cookie("registry_lang", lang)
        statement = client.get("/accessibility").get_data(as_text=True)
        assert f"<h1>{title}</h1>" in statement
        assert "axe-core" in statement and "375" in statement and contact in statement
        home = client.get("/").get_data(as_text=True)
        assert f'<a href="/accessibility">{title}</a>' in home
