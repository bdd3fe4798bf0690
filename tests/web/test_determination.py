"""The determination (结论书) a company files: reference number, labels, list and source, QR code,
permalink, and the PDF — each read back the way an auditor would (the PDF's text, the QR code decoded)."""

from __future__ import annotations

import hashlib
import importlib.abc
import io
import re
import shutil
import sys
from html import unescape
from urllib.parse import parse_qs, urlsplit

import cairosvg
import pypdf
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import POSTGRES_URL, _postgres_database
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import post_form

FORM = "/check?zone=CN-TJ-FTZ&on=2024-06-01"
ART6_QUOTE = "自由贸易试验区在国家数据分类分级保护制度框架下"  # Art. 6, as the Order words it
ART7_QUOTE = "自当年1月1日起累计向境外提供100万人以上个人信息（不含敏感个人信息）或者1万人以上敏感个人信息"  # Art. 7(2)
LABEL = "车辆轨迹数据（2024年6月批次）"
COMPANY = "天津某汽车科技有限公司"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def tianjin_published(app, as_user):
    """The example Tianjin list, in force from 2024-05-10."""
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    return app


def answers(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "zone": "CN-TJ-FTZ",
        "on": "2024-06-01",
        "processor.in_zone": "yes",
        "processor.ciio": "no",
        "processor.name": COMPANY,
        "dataset.label": LABEL,
        "dataset.categories": ["AUTO.VEH.TRACK"],
        "dataset.personal_info_subjects": "5万",
        "dataset.sensitive_pi_subjects": "0",
        "dataset.important_data": "no",
        "dataset.attributes.vehicle_count": "12,000",
        "cumulative.personal_info_subjects": "120000",
        "cumulative.sensitive_pi_subjects": "0",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def receipt_in(page: str) -> str:
    return re.search(r'<textarea[^>]*id="receipt-text"[^>]*>([^<]+)</textarea>', page).group(1).strip()


def expected_reference(receipt: str) -> str:
    digest = hashlib.sha256(receipt.encode()).hexdigest()[:10].upper()
    return f"{digest[:5]}-{digest[5:]}"


def decode_qr(page: str) -> str:
    """Draw the page's QR code (its inline SVG) as pixels and decode it with ZXing."""
    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', page, re.S).group(0)
    if "xmlns=" not in svg:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=900, output_height=900, background_color="white")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1, "no QR code decoded"
    return found[0].text


def pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks and spaces taken out (CJK lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_determination_names_its_reference_labels_list_digest_and_time(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", answers(), token_from=FORM)
    assert response.status_code == 200, text(response)
    page = text(response)
    receipt = receipt_in(page)
    reference = expected_reference(receipt)
    assert re.fullmatch(r"[0-9A-F]{5}-[0-9A-F]{5}", reference)
    assert f'id="reference-number">{reference}<' in page
    assert f'id="determination-label">{LABEL}<' in page
    assert f'id="determination-processor">{COMPANY}<' in page
    version = client.get("/api/v1/zones/CN-TJ-FTZ/lists/2024").get_json()
    assert f'id="determination-digest">{version["digest"]}<' in page
    assert "（版本 2024）" in page and version["title"] in page
    assert "（北京时间）" in page
    # The whole receipt is printed as text (not only in a scrolling box), and the receipt signs the labels.
    assert f'id="receipt-printed">{receipt}<' in page
    signed = client.post("/api/v1/checks/verify", json={"receipt": receipt}).get_json()
    assert signed["valid"] and signed["check"]["request"]["dataset"]["label"] == LABEL
    assert signed["check"]["request"]["processor"]["name"] == COMPANY


def test_the_qr_code_decodes_to_the_verification_page_of_this_receipt(tianjin_published):
    client = tianjin_published.test_client()
    page = text(post_form(client, "/check", answers(), token_from=FORM))
    receipt = receipt_in(page)
    decoded = urlsplit(decode_qr(page))
    assert (decoded.scheme, decoded.netloc, decoded.path) == ("http", "localhost", "/verify")
    assert parse_qs(decoded.query) == {"receipt": [receipt]}
    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', page, re.S).group(0)
    assert "<script" not in svg and 'role="img"' in svg and "<title>扫码核验此结论</title>" in svg
    # The permalink on the page is the same address.
    permalink = re.search(r'<a[^>]*href="([^"]+)"[^>]*id="permalink"', page).group(1)
    assert parse_qs(urlsplit(permalink).query) == {"receipt": [receipt]}


def test_the_permalink_shows_the_whole_determination_again(tianjin_published):
    client = tianjin_published.test_client()
    receipt = receipt_in(text(post_form(client, "/check", answers(), token_from=FORM)))
    response = client.get("/verify", query_string={"receipt": receipt})
    assert response.headers["X-Robots-Tag"] == "noindex"  # the company's facts are not for search indexes
    page = text(response)
    assert "回执有效" in page
    for fact in (expected_reference(receipt), LABEL, COMPANY, "须申报数据出境安全评估", "AUTO-001", ART6_QUOTE):
        assert fact in page, fact
    assert decode_qr(page) == f"http://localhost/verify?receipt={receipt}"


@pytest.fixture
def registry_without_the_list(template_database, make_app, tmp_path):
    """Another registry with the same signing key, whose database has the zones but none of their lists."""
    if POSTGRES_URL:
        with _postgres_database("registry_other", template=template_database) as url:
            yield make_app("other-instance", DATABASE_URL=url)
        return
    copy = tmp_path / "other.sqlite3"
    shutil.copyfile(template_database, copy)
    yield make_app("other-instance", DATABASE_URL=f"sqlite:///{copy}")


def test_the_receipt_alone_is_enough_to_show_what_it_signs(tianjin_published, registry_without_the_list):
    receipt = receipt_in(text(post_form(tianjin_published.test_client(), "/check", answers(), token_from=FORM)))
    digest = tianjin_published.test_client().get("/api/v1/zones/CN-TJ-FTZ/lists/2024").get_json()["digest"]
    page = text(registry_without_the_list.test_client().get("/verify", query_string={"receipt": receipt}))
    assert "回执有效" in page
    for fact in (expected_reference(receipt), LABEL, COMPANY, "须申报数据出境安全评估", "AUTO-001", digest,
                 "（版本 2024）", ART6_QUOTE, ART7_QUOTE):  # fmt: skip
        assert fact in page, fact
    assert "本登记簿现已无该版本的记录" in page


def test_the_pdf_holds_the_reference_labels_and_the_article_quotes(tianjin_published):
    client = tianjin_published.test_client()
    receipt = receipt_in(text(post_form(client, "/check", answers(), token_from=FORM)))
    response = client.get("/check/determination.pdf", query_string={"receipt": receipt})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    content = pdf_text(response.data)
    for fact in (expected_reference(receipt), LABEL, COMPANY, "须申报数据出境安全评估", ART6_QUOTE, ART7_QUOTE,
                 "回执编号"):  # fmt: skip
        assert fact in content, fact
    assert receipt in content  # the whole receipt, wrapped, not clipped
    # Chinese is set in a CJK font that the PDF embeds.
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(response.data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("CJK" in name for name in fonts), fonts


def test_the_pdf_in_english(tianjin_published):
    client = tianjin_published.test_client()
    receipt = receipt_in(text(post_form(client, "/check", answers(), token_from=FORM)))
    client.set_cookie("registry_lang", "en")
    content = pdf_text(client.get("/check/determination.pdf", query_string={"receipt": receipt}).data)
    assert "Referencenumber" in content and expected_reference(receipt) in content
    assert LABEL in content and ART6_QUOTE in content  # the Chinese text stays beside the working translation


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_forged_or_missing_receipt_gets_a_clear_page_not_a_pdf(tianjin_published, lang):
    client = tianjin_published.test_client()
    receipt = receipt_in(text(post_form(client, "/check", answers(), token_from=FORM)))
    client.set_cookie("registry_lang", lang)
    forged = receipt[:-4] + ("AAAA" if not receipt.endswith("AAAA") else "BBBB")
    expected = {"zh": "回执无效", "en": "The receipt is not valid"}[lang]
    for query, status in (({"receipt": forged}, 422), ({}, 400), ({"receipt": "x" * 20_000}, 422),
                          ({"receipt": "回执\x00<script>"}, 422), ({"receipt": ""}, 400)):  # fmt: skip
        response = client.get("/check/determination.pdf", query_string=query)
        assert response.status_code == status, query
        assert response.mimetype == "text/html"
        if status == 422:
            assert expected in text(response)


def test_labels_longer_than_the_contract_allows_are_refused_on_the_form(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", answers(**{"dataset.label": "数" * 201}), token_from=FORM)
    assert response.status_code == 422
    assert 'id="f-dataset-label-error"' in text(response)


def test_the_official_source_of_a_list_of_record(seeded_app):
    """Tianjin's list of record names the address of its full text; the determination cites it."""
    client = seeded_app.test_client()
    form = answers(on="2025-06-01", **{"dataset.categories": ["OTHER"], "dataset.attributes.vehicle_count": None})
    page = text(post_form(client, "/check", form, token_from="/check?zone=CN-TJ-FTZ&on=2025-06-01"))
    version = client.get("/api/v1/zones/CN-TJ-FTZ/lists/in-force?on=2025-06-01").get_json()
    source = re.search(r'id="determination-source">(.*?)</dd>', page, re.S).group(1)
    assert version["record"]["full_text_url"] in source


def test_making_pdfs_counts_against_the_anonymous_limit(make_app):
    client = make_app(RATE_LIMIT="2/minute").test_client()
    statuses = [client.get("/check/determination.pdf?receipt=abc").status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_labels_as_long_as_allowed_still_make_a_determination_and_a_pdf(tianjin_published):
    """Two 200-character labels make a receipt too long for a QR code: the page says so, the rest stands."""
    client = tianjin_published.test_client()
    form = answers(**{"dataset.label": "数" * 200, "processor.name": "司" * 200})
    page = text(post_form(client, "/check", form, token_from=FORM))
    receipt = receipt_in(page)
    assert 'class="qr"' not in page and "回执过长，无法生成二维码" in page
    assert f'id="reference-number">{expected_reference(receipt)}<' in page
    verified = text(client.get("/verify", query_string={"receipt": receipt}))
    assert "回执有效" in verified and "数" * 200 in verified
    response = client.get("/check/determination.pdf", query_string={"receipt": receipt})
    assert response.status_code == 200 and expected_reference(receipt) in pdf_text(response.data)


class _PangoMissing(importlib.abc.MetaPathFinder):
    """Import WeasyPrint as on a host without Debian's pango: its import raises OSError."""

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': No such file")
        return None


def test_a_host_without_pango_answers_503_and_points_to_printing(tianjin_published, monkeypatch):
    client = tianjin_published.test_client()
    receipt = receipt_in(text(post_form(client, "/check", answers(), token_from=FORM)))
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_PangoMissing(), *sys.meta_path])
    response = client.get("/check/determination.pdf", query_string={"receipt": receipt})
    assert response.status_code == 503
    assert "另存为 PDF" in text(response)
