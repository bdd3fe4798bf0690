"""The published lists of record (seeds/lists/) match their schema, the app's own content rules and
the research they were taken from: nothing in them that the sources do not say."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from registry.lists.schemas import ListVersionCreateSchema
from registry.seedfiles import seeds_dir

# The published lists the research found: file -> effective_from. The first seven are the lists of
# ftz-lists.md; the five later ones are those of lists-2025/ (test_seed_later_lists.py).
EXPECTED = {
    "CN-TJ-FTZ--2024.json": "2024-05-09",
    "CN-BJ-FTZ--2024.json": "2024-08-30",
    "CN-SH-FTZ--2024.json": "2025-02-08",
    "CN-HI-FTP--2024.json": "2025-02-19",
    "CN-ZJ-FTZ--2024.json": "2025-04-10",
    "CN-GX-FTZ--2025.json": "2025-08-08",
    "CN-CQ-FTZ--2025.json": "2025-09-01",
    "CN-JS-FTZ--2025.json": "2025-08-13",
    "CN-FJ-FTZ--2025.json": "2025-12-25",
    "CN-SH-FTZ--2025.json": "2026-04-24",
    "CN-BJ-FTZ--2025.json": "2026-05-11",
    "CN-GD-FTZ--2025.json": "2026-05-15",
}
LATER = {"CN-JS-FTZ--2025.json", "CN-FJ-FTZ--2025.json", "CN-SH-FTZ--2025.json", "CN-BJ-FTZ--2025.json",
         "CN-GD-FTZ--2025.json"}  # fmt: skip

# How ftz-list-rows.json names each zone's negative list (the Lingang positive list is named apart).
ROW_ZONES = {
    "CN-TJ-FTZ": "中国（天津）自由贸易试验区",
    "CN-BJ-FTZ": "中国（北京）自由贸易试验区",
    "CN-SH-FTZ": "中国（上海）自由贸易试验区及临港新片区",
    "CN-HI-FTP": "海南自由贸易港",
    "CN-ZJ-FTZ": "中国（浙江）自由贸易试验区",
    "CN-GX-FTZ": "中国（广西）自由贸易试验区",
    "CN-CQ-FTZ": "中国（重庆）自由贸易试验区",
}
# Rows that quote a list entry's own text; the others are names, summaries or commentary.
ITEM_GRANULARITIES = {"category-description", "subcategory-description", "scenario-fields"}

MARK = re.compile(
    r"\[(confirmed|single-source|unconfirmed|inferred|editorial)"
    r"(?:: ([a-z0-9][a-z0-9-]*(?:, [a-z0-9][a-z0-9-]*)*))?\]"
)
LEVEL_OF_ROW = {"重要数据": "important_data", "个人信息": "personal_information"}


def _research_rows() -> list[dict[str, Any]] | None:
    folder = os.environ.get("REGISTRY_RESEARCH_DIR")
    base = Path(folder) if folder else Path(__file__).resolve().parents[3] / "shared" / "research"
    path = base / "ftz-list-rows.json"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


RESEARCH_ROWS = _research_rows()
# In CI the shared folder is always beside the clone: there a missing file fails rather than skips.
needs_research = pytest.mark.skipif(
    RESEARCH_ROWS is None and not os.environ.get("CI"),
    reason="research rows file not found (set REGISTRY_RESEARCH_DIR)",
)


def _list_paths() -> list[Path]:
    return sorted((seeds_dir() / "lists").glob("*.json"))


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


LIST_PATHS = _list_paths()
LISTS = {path.name: _load(path) for path in LIST_PATHS}
by_file = pytest.mark.parametrize("name", sorted(LISTS))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = _load(seeds_dir() / "schemas" / "list-record.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def zone_codes() -> set[str]:
    return {zone["code"] for zone in _load(seeds_dir() / "zones.json")["zones"]}


def _errors(validator: Draft202012Validator, document: Any) -> list[str]:
    return [
        "/".join(str(part) for part in error.absolute_path) + ": " + error.message
        for error in validator.iter_errors(document)
    ]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _cited_labels(record: dict[str, Any]) -> set[str]:
    labels = set(record["approval"]["sources"])
    for filing in record["filings"]:
        labels.update(filing["sources"])
    without_sources = {key: value for key, value in record.items() if key != "sources"}
    for text in _strings(without_sources):
        for match in MARK.finditer(text):
            if match.group(2):
                labels.update(match.group(2).split(", "))
    return labels


def _covers(code: str, other: str) -> bool:
    return other == code or other.startswith(code + ".")


# --- files and schema ----------------------------------------------------------------------


def test_exactly_the_published_lists_on_record_have_a_file() -> None:
    assert sorted(LISTS) == sorted(EXPECTED)


@by_file
def test_file_validates_against_the_schema(validator: Draft202012Validator, name: str) -> None:
    assert _errors(validator, LISTS[name]) == []


@by_file
def test_file_name_matches_zone_and_version(name: str, zone_codes: set[str]) -> None:
    document = LISTS[name]
    assert name == f"{document['zone']}--{document['version']}.json"
    assert document["zone"] in zone_codes


@by_file
def test_version_and_dates_are_the_ones_the_research_gives(name: str) -> None:
    document = LISTS[name]
    effective_from = EXPECTED[name]
    assert document["effective_from"] == effective_from
    # Every list took effect on (or is dated by) the day it was made public.
    assert document["record"]["published_on"] == effective_from


@by_file
def test_content_passes_the_apps_own_validator(name: str) -> None:
    document = LISTS[name]
    # scope_complete (v1.1) is vetted by the seed schema; this app does not store it yet.
    content = {key: value for key, value in document["content"].items() if key != "scope_complete"}
    loaded = ListVersionCreateSchema().load({"version": document["version"], **content})
    assert loaded["items_complete"] is False


@by_file
def test_record_is_the_published_list_and_titles_agree(name: str) -> None:
    document = LISTS[name]
    record, content = document["record"], document["content"]
    assert record["example"] is False
    if record["official_title"] is None:
        # Title not seen (later lists): '…' for the unseen words, then the CAC topic's version label.
        assert name in LATER and content["title"] == f"…（{document['version']}版）"
        return
    assert record["official_title"] == f"《{content['title']}》"
    assert "负面清单" in content["title"]
    if name in LATER:
        return  # titles of the later lists: test_seed_later_lists.py
    assert content["title"].endswith(f"（{document['version']}版）")
    assert content["title"].startswith(ROW_ZONES[document["zone"]])


@by_file
def test_every_source_label_is_declared_and_every_source_used(name: str) -> None:
    record = LISTS[name]["record"]
    cited = _cited_labels(record)
    assert cited - set(record["sources"]) == set()
    assert set(record["sources"]) - cited == set()


@by_file
def test_effective_date_basis_cites_a_source(name: str) -> None:
    basis = LISTS[name]["record"]["effective_from_basis"]
    assert any(match.group(2) for match in MARK.finditer(basis))


# --- content -------------------------------------------------------------------------------


@by_file
def test_partial_record_excludes_ciio_and_has_no_invented_thresholds(name: str) -> None:
    content = LISTS[name]["content"]
    assert content["items_complete"] is False, "the registry holds only part of every list"
    assert content["excludes_ciio"] is True
    assert content["attributes"] == []
    # No per-item threshold is confirmed in the research (Beijing's 5万人 is commentary only).
    assert [item["code"] for item in content["items"] if item["conditions"]] == []
    assert "5万" not in json.dumps(content, ensure_ascii=False)


@by_file
def test_scope_is_top_level_and_covers_every_item(name: str) -> None:
    content = LISTS[name]["content"]
    declared = {category["code"] for category in content["categories"]}
    top_level = {code for code in declared if "." not in code}
    assert set(content["scope"]) <= top_level
    assert top_level <= set(content["scope"]), "every top-level category is a sector the list covers"
    for item in content["items"]:
        assert any(_covers(code, item["category"]) for code in content["scope"]), item["code"]


def test_tianjin_is_organised_by_its_13_data_categories() -> None:
    content = LISTS["CN-TJ-FTZ--2024.json"]["content"]
    names = [category["name_zh"] for category in content["categories"]]
    assert names[:13] == [
        "战略物资和大宗商品类", "自然资源和环境类", "工业类", "金融类", "统计类", "信息传播类", "住房建设类",
        "交通运输类", "公共卫生类", "公共安全类", "互联网服务和电子商务类", "科学技术类", "个人信息",
    ]  # fmt: skip
    # 电子信息 is a sub-category whose parent the sources do not name: not placed under a guess.
    assert names[13:] == ["电子信息"]
    assert [item["category"] for item in content["items"]] == ["ELECTRONIC_INFO"]


def test_beijing_sectors_and_items() -> None:
    document = LISTS["CN-BJ-FTZ--2024.json"]
    content = document["content"]
    assert content["scope"] == ["AUTO", "PHARMA", "RETAIL", "AVIATION", "AI"]
    assert [item["code"] for item in content["items"]] == [f"AUTO-ID-0{n}" for n in range(1, 8)] + ["AUTO-OTA-01"]
    assert "区城" in content["items"][0]["description"], "the source's typo is kept"
    assert any("区城" in note for note in document["record"]["notes"])


def test_guangxi_has_four_sectors_and_its_scope_is_not_complete() -> None:
    document = LISTS["CN-GX-FTZ--2025.json"]
    content = document["content"]
    assert [category["name_zh"] for category in content["categories"]] == [
        "地理信息与气象数据服务", "企业信用信息服务", "直播跨境电商", "海外音视频制作与传播",
    ]  # fmt: skip
    assert content["scope_complete"] is False, "the sector names rest on one secondary source"
    assert document["record"]["document_no"] == "桂商自贸发〔2025〕2号"
    assert any("scope_complete false" in note for note in document["record"]["notes"])


@by_file
def test_approval_and_filings_are_reported_only_with_sources(name: str) -> None:
    record = LISTS[name]["record"]
    for entry in [record["approval"], *record["filings"]]:
        if entry["status"] == "reported":
            assert entry["sources"]
        else:
            assert entry["sources"] == []
    assert [filing["authority"] for filing in record["filings"]] == ["CAC", "NDA"]
    # The research gives no approval or filing number or date for any list.
    assert record["approval"]["document_no"] is None and record["approval"]["decided_on"] is None
    assert all(filing["filing_no"] is None and filing["filed_on"] is None for filing in record["filings"])


def test_reported_approvals_and_filings_are_the_ones_the_research_confirms() -> None:
    statuses = {
        name: (
            document["record"]["approval"]["status"],
            tuple(filing["status"] for filing in document["record"]["filings"]),
        )
        for name, document in LISTS.items()
    }
    reported, unknown = ("reported", "reported"), ("unknown", "unknown")
    assert statuses == {
        "CN-TJ-FTZ--2024.json": ("reported", reported),
        "CN-BJ-FTZ--2024.json": ("unknown", unknown),
        "CN-SH-FTZ--2024.json": ("unknown", unknown),
        "CN-HI-FTP--2024.json": ("unknown", reported),
        "CN-ZJ-FTZ--2024.json": ("unknown", unknown),
        "CN-GX-FTZ--2025.json": ("unknown", unknown),
        "CN-CQ-FTZ--2025.json": ("reported", reported),
        # The later lists' sources say nothing of approval or filing.
        **{later: ("unknown", unknown) for later in LATER},
    }


# --- against the research rows -------------------------------------------------------------


@needs_research
@by_file
def test_every_item_is_a_verbatim_row_of_that_list(name: str) -> None:
    document = LISTS[name]
    rows = [row for row in RESEARCH_ROWS if row["zone"] == ROW_ZONES.get(document["zone"])]
    quoted = {row["description"]: row for row in rows if row["granularity"] in ITEM_GRANULARITIES}
    for item in document["content"]["items"]:
        assert item["description"] in quoted, item["code"]
        row = quoted[item["description"]]
        level = row["level"].removesuffix("（推断）")
        assert LEVEL_OF_ROW[level] == item["level"], item["code"]
    descriptions = [item["description"] for item in document["content"]["items"]]
    assert len(descriptions) == len(set(descriptions))


@needs_research
def test_every_quoted_row_is_recorded() -> None:
    recorded = {
        (document["zone"], item["description"]) for document in LISTS.values() for item in document["content"]["items"]
    }
    wanted = {
        (zone, row["description"])
        for zone, row_zone in ROW_ZONES.items()
        for row in RESEARCH_ROWS
        if row["zone"] == row_zone and row["granularity"] in ITEM_GRANULARITIES
    }
    assert recorded == wanted


@needs_research
def test_no_positive_list_or_summary_text_is_recorded_as_content() -> None:
    everything = json.dumps([document["content"] for document in LISTS.values()], ensure_ascii=False)
    for row in RESEARCH_ROWS:
        if row["granularity"] in ITEM_GRANULARITIES or not row["description"]:
            continue
        assert row["description"] not in everything, row["description"]
    positive = [row for row in RESEARCH_ROWS if row["level"] == "一般数据"]
    assert positive, "the research file still holds the Lingang general-data rows"
    assert all(row["zone"] not in ROW_ZONES.values() for row in positive)


# --- the schema is strict ------------------------------------------------------------------


def test_schema_rejects_loose_records(validator: Draft202012Validator) -> None:
    base = LISTS["CN-TJ-FTZ--2024.json"]

    def broken(change: Any) -> dict[str, Any]:
        document = copy.deepcopy(base)
        change(document)
        return document

    cases = {
        "extra top-level key": lambda d: d.update(status="published"),
        "extra record key": lambda d: d["record"].update(summary="…"),
        "missing unconfirmed": lambda d: d["record"].pop("unconfirmed"),
        "unmarked note": lambda d: d["record"]["notes"].append("A fact without a source"),
        "confirmed fact among the unconfirmed": lambda d: d["record"]["unconfirmed"].append("x [confirmed: kwm]"),
        "reported filing without a source": lambda d: d["record"]["filings"][0].update(sources=[]),
        "unknown filing with a number": lambda d: d["record"]["filings"][0].update(
            status="unknown", sources=[], filing_no="1"
        ),
        "filings out of order": lambda d: d["record"]["filings"].reverse(),
        "bad confidence": lambda d: d["record"]["sources"]["kwm"].update(confidence="likely"),
        "bad date": lambda d: d.update(effective_from="2024-5-9"),
        "unknown level": lambda d: d["content"]["items"][0].update(level="core_data"),
        "extra item key": lambda d: d["content"]["items"][0].update(source="x"),
        "title with brackets": lambda d: d["content"].update(title=d["record"]["official_title"]),
    }
    accepted = [label for label, change in cases.items() if validator.is_valid(broken(change))]
    assert accepted == []
