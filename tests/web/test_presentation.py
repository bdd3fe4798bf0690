"""How the pages write things for a Chinese official reader, and that every word is translated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry.web import formats
from registry.web.i18n import TRANSLATIONS, safe_next

PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = Path(__file__).resolve().parents[2] / "babel.cfg"
# The keywords the pybabel extract command in babel.cfg adds to Babel's defaults.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_pgettext": ((1, "c"), 2)}


def extract_messages() -> Catalog:
    """Every interface message of registry/web, as ``pybabel extract -F babel.cfg`` finds them."""
    with BABEL_CFG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalogue = Catalog()
    package = TRANSLATIONS.parent
    for filename, lineno, message, comments, context in extract_from_dir(
        str(package), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        catalogue.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalogue


MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"


@pytest.fixture
def in_chinese(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def in_english(app):
    with app.test_request_context("/", headers={"Cookie": "registry_lang=en"}):
        yield


@pytest.mark.parametrize(
    ("number", "text"),
    [(100_000, "10万"), (1_000_000, "100万"), (10_000, "1万"), (15_000, "1.5万"), (12_345, "12,345"),
     (9_999, "9,999"), (0, "0"), (200_000_000, "2亿")],
)  # fmt: skip
def test_counts_read_as_a_chinese_reader_says_them(in_chinese, number, text):
    assert formats.format_count(number) == text


def test_english_keeps_digit_grouping(in_english):
    assert formats.format_count(100_000) == "100,000"
    assert formats.format_date(date(2024, 5, 9)) == "9 May 2024"
    assert formats.article_label("art5.4") == "Article 5(4)"


@pytest.mark.parametrize(
    ("reference", "text"),
    [("6", "第六条"), ("art6", "第六条"), ("art5.4", "第五条第（四）项"), ("art7.2", "第七条第（二）项"),
     ("11", "第十一条"), ("art10", "第十条")],
)  # fmt: skip
def test_articles_are_cited_as_in_the_order(in_chinese, reference, text):
    assert formats.article_label(reference) == text


def test_dates_and_times_in_chinese(in_chinese):
    assert formats.format_date(date(2024, 5, 9)) == "2024年5月9日"
    assert formats.format_date("2024-05-09") == "2024年5月9日"
    # Stored in UTC, shown in Beijing time.
    assert formats.format_datetime("2024-05-08T16:30:00Z") == "2024年5月9日 00:30"


def test_conditions_use_the_versions_own_labels(in_chinese):
    attributes = [{"name": "vehicle_count", "type": "integer", "label_zh": "车辆数"}]
    assert formats.condition_text({"attribute": "vehicle_count", "op": ">=", "value": 10000}, attributes) == (
        "车辆数 ≥ 1万"
    )


def test_highlight_escapes_and_marks(in_chinese):
    marked = str(formats.highlight("<b>车辆轨迹</b> 轨迹", "轨迹"))
    assert marked == "&lt;b&gt;车辆<mark>轨迹</mark>&lt;/b&gt; <mark>轨迹</mark>"


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/zones/CN-TJ-FTZ", "/zones/CN-TJ-FTZ"), ("https://evil.example/", "/"), ("//evil.example", "/"),
     ("/\\evil", "/"), ("javascript:alert(1)", "/"), (None, "/")],
)  # fmt: skip
def test_redirects_stay_on_the_site(target, safe):
    assert safe_next(target) == safe


def test_every_interface_message_has_an_english_translation():
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for message in extract_messages():
        if not message.id:
            continue
        translated = catalogue.get(message.id, context=message.context)
        strings = translated.string if translated is not None else None
        if translated is None or translated.fuzzy or not all(strings if isinstance(strings, tuple) else [strings]):
            missing.append(message.id)
    assert not missing, f"untranslated in {PO.name}: {missing}"


def _entries(catalogue) -> dict:
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]): tuple(m.string) if isinstance(m.string, list | tuple)
        else m.string
        for m in catalogue
        if m.id
    }  # fmt: skip


def test_the_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as handle:
        source = _entries(read_po(handle))
    with MO.open("rb") as handle:
        compiled = _entries(read_mo(handle))
    assert compiled == source, "run `pybabel compile -d translations` in registry/web (see babel.cfg)"


def test_english_pages_use_the_catalogue(seeded_app):
    client = seeded_app.test_client()
    switch = client.get("/language/en?next=/zones/CN-TJ-FTZ")
    assert switch.status_code == 303 and switch.headers["Location"] == "/zones/CN-TJ-FTZ"
    page = client.get("/zones/CN-TJ-FTZ").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Timeline of versions" in page and "9 May 2024" in page
    assert "版本时间线" not in page
    # List content stays in the language it exists in, marked as such.
    assert '<span lang="en">China (Tianjin) Pilot Free Trade Zone</span>' in page
    assert client.get("/language/xx?next=/").status_code == 303
