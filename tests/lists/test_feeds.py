"""Atom feeds of publications and revocations (contract v1.1): a zone system or a company's
compliance team subscribes and hears of each new list and each revocation."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.lifecycle_helpers import Tianjin

NS = {"atom": "http://www.w3.org/2005/Atom"}
ALL = "/feeds/lists.atom"
TIANJIN = "/feeds/zones/CN-TJ-FTZ.atom"


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root


def entries(root: ET.Element) -> list[dict[str, str]]:
    found = []
    for entry in root.findall("atom:entry", NS):
        # A link without rel is the entry's alternate (RFC 4287, 4.2.7.2).
        link = next((li for li in entry.findall("atom:link", NS) if li.get("rel", "alternate") == "alternate"), None)
        found.append(
            {
                "id": entry.findtext("atom:id", namespaces=NS),
                "title": entry.findtext("atom:title", namespaces=NS),
                "updated": entry.findtext("atom:updated", namespaces=NS),
                "link": link.get("href") if link is not None else "",
                "summary": entry.findtext("atom:summary", namespaces=NS) or "",
            }
        )
    return found


@pytest.fixture
def tianjin(as_user) -> Tianjin:
    return Tianjin(as_user)


def test_a_publication_and_a_revocation_each_make_an_entry_newest_first(app, tianjin, anonymous):
    tianjin.bring_to("published", "2024", effective_from="2024-05-10")
    later = tianjin.bring_to("published", "2025", effective_from="2025-06-01", title="天津清单（2025版）")
    tianjin.draft("2026")  # a draft is nobody's news
    tianjin.revoke("2024", "2099-01-01", reason="Superseded")

    found = entries(parse(anonymous.get(TIANJIN)))
    assert len(found) == 3
    revoked, published_2025, published_2024 = found
    first = tianjin.admin.get(tianjin.url("2024")).get_json()
    assert first["title"] in revoked["title"] and "撤销" in revoked["title"]
    assert "2099-01-01" in revoked["summary"] and "Superseded" in revoked["summary"]
    assert later["title"] in published_2025["title"] and "公布" in published_2025["title"]
    assert "2025-06-01" in published_2025["summary"]
    assert first["title"] in published_2024["title"]
    # Newest first, and every entry has its own permanent id.
    assert [e["updated"] for e in found] == sorted((e["updated"] for e in found), reverse=True)
    assert len({e["id"] for e in found}) == 3
    # Each entry links to the version's page, as an absolute address that serves it.
    assert revoked["link"] == "http://localhost/zones/CN-TJ-FTZ/lists/2024"
    assert published_2025["link"] == "http://localhost/zones/CN-TJ-FTZ/lists/2025"
    for entry in found:
        parts = urlsplit(entry["link"])
        assert parts.scheme == "http" and parts.netloc == "localhost"
        assert anonymous.get(parts.path).status_code == 200


def test_the_feed_of_all_zones_mixes_zones_newest_first(app, tianjin, as_user, anonymous):
    tianjin.bring_to("published", "2024", effective_from="2024-05-10")
    beijing = as_user("beijing-admin", "zone_admin", zone="CN-BJ-FTZ")
    commission = as_user("beijing-commission", "provincial_approver", province="CN-BJ")
    from tests.factories import tianjin_list

    url = "/api/v1/zones/CN-BJ-FTZ/lists"
    assert beijing.post(url, json=tianjin_list(version="2025", title="北京清单（2025版）")).status_code == 201
    assert beijing.post(f"{url}/2025/submit").status_code == 200
    body = {"decision": "approved", "document_no": "京网信委〔2025〕1号", "decided_on": "2025-01-06"}
    assert commission.post(f"{url}/2025/approval", json=body).status_code == 200
    for filer, authority in ((tianjin.cac, "CAC"), (tianjin.nda, "NDA")):
        filing = {"authority": authority, "filing_no": f"{authority}-1", "filed_on": "2025-01-08"}
        assert filer.post(f"{url}/2025/filings", json=filing).status_code == 200
    assert beijing.post(f"{url}/2025/publish", json={"effective_from": "2025-02-01"}).status_code == 200

    root = parse(anonymous.get(ALL))
    titles = [e["title"] for e in entries(root)]
    assert len(titles) == 2
    assert "北京清单（2025版）" in titles[0] and "中国（北京）自由贸易试验区" in titles[0]
    assert "中国（天津）自由贸易试验区" in titles[1]
    assert root.findtext("atom:updated", namespaces=NS) == entries(root)[0]["updated"]
    assert [e["title"] for e in entries(parse(anonymous.get(TIANJIN)))] == titles[1:]


def test_the_lists_of_record_are_in_the_feeds(seeded_app, anonymous):
    found = entries(parse(anonymous.get("/feeds/zones/CN-BJ-FTZ.atom")))
    assert [e["link"].rsplit("/", 1)[-1] for e in found] == ["2025", "2024"]
    assert all("登记在案" in e["title"] for e in found)
    assert "中国（北京）自由贸易试验区数据出境管理清单（负面清单）（2024版）" in found[1]["title"]
    assert len(entries(parse(anonymous.get(ALL)))) == 12


def test_a_feed_is_a_valid_atom_document_even_when_empty(anonymous):
    root = parse(anonymous.get("/feeds/zones/CN-SD-FTZ.atom"))
    assert entries(root) == []
    assert root.findtext("atom:id", namespaces=NS) == "http://localhost/feeds/zones/CN-SD-FTZ.atom"
    assert root.findtext("atom:title", namespaces=NS).startswith("中国（山东）自由贸易试验区")
    assert root.findtext("atom:updated", namespaces=NS)
    self_link = root.find("atom:link[@rel='self']", NS)
    assert self_link.get("href") == "http://localhost/feeds/zones/CN-SD-FTZ.atom"


def test_an_unknown_zone_is_a_404_problem(anonymous):
    response = anonymous.get("/feeds/zones/CN-XX-FTZ.atom")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.feeds: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "head":
            self.in_head = True
        if tag == "link" and self.in_head and found.get("rel") == "alternate":
            assert found.get("type") == "application/atom+xml"
            self.feeds.append(found["href"])

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


@pytest.mark.parametrize(("page", "feed"), [("/", ALL), ("/zones/CN-TJ-FTZ", TIANJIN)])
def test_the_home_and_zone_pages_announce_their_feed(seeded_app, page, feed):
    client = seeded_app.test_client()
    parser = _Alternates()
    parser.feed(client.get(page).get_data(as_text=True))
    assert parser.feeds == [feed]
    assert client.get(feed).status_code == 200
