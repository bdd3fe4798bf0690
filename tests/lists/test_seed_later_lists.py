"""The lists published after September 2025 (and the sector names added to earlier records) say
what research/lists-2025/ sources, at the confidence it gives, and nothing it rejects."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from registry.seedfiles import seeds_dir


def _research_dir() -> Path:
    folder = os.environ.get("REGISTRY_RESEARCH_DIR")
    base = Path(folder) if folder else Path(__file__).resolve().parents[3] / "shared" / "research"
    return base


RESEARCH = _research_dir()
LATER_DIR = RESEARCH / "lists-2025"
# In CI the shared folder is always beside the clone: there a missing folder fails rather than skips.
needs_research = pytest.mark.skipif(
    not LATER_DIR.is_dir() and not os.environ.get("CI"),
    reason="research/lists-2025 not found (set REGISTRY_RESEARCH_DIR)",
)

# Seed file -> research file, the date the research gives for publication, and the CAC topic's
# listing date (index.json), which is a listing date, not an effective date.
LATER = {
    "CN-BJ-FTZ--2025.json": ("beijing_2025.json", "2026-05-11", "2026-05-11"),
    "CN-SH-FTZ--2025.json": ("shanghai_2025.json", "2026-04-24", "2026-04-29"),
    "CN-JS-FTZ--2025.json": ("jiangsu_2025.json", "2025-08-13", "2025-09-05"),
    "CN-FJ-FTZ--2025.json": ("fujian_2025.json", "2025-12-25", "2025-12-25"),
    "CN-GD-FTZ--2025.json": ("guangdong_2025.json", "2026-05-15", "2026-05-18"),
}
PROVINCE = {"BJ": "北京", "SH": "上海", "JS": "江苏", "FJ": "福建", "GD": "广东", "GX": "广西"}

# The sector names each research file reports, in its words.
SECTORS = {
    "CN-BJ-FTZ--2025.json": [
        "汽车", "医药", "民航", "零售与现代服务", "人工智能训练数据", "医疗器械", "自动驾驶", "贸易物流", "银行",
    ],
    "CN-SH-FTZ--2025.json": ["再保险", "国际航运", "商贸", "气象"],
    "CN-JS-FTZ--2025.json": ["医药"],
    "CN-FJ-FTZ--2025.json": ["医药", "车联网", "零售", "航空维修"],
    "CN-GD-FTZ--2025.json": ["智能装备制造", "个人征信服务"],
    "CN-GX-FTZ--2025.json": ["地理信息与气象数据服务", "企业信用信息服务", "直播跨境电商", "海外音视频制作与传播"],
}  # fmt: skip
RESEARCH_FILE = {name: entry[0] for name, entry in LATER.items()} | {"CN-GX-FTZ--2025.json": "guangxi_2025.json"}

MARK = re.compile(r"\[(confirmed|single-source|unconfirmed|inferred|editorial)(?:: ([a-z0-9, -]+))?\]")


def _seed(name: str) -> dict[str, Any]:
    return json.loads((seeds_dir() / "lists" / name).read_text(encoding="utf-8"))


def _research(name: str) -> dict[str, Any]:
    return json.loads((LATER_DIR / name).read_text(encoding="utf-8"))


def _research_text() -> str:
    """Every file of the research folder, as text (the places a source may be named)."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(RESEARCH.rglob("*")) if path.is_file()]
    return "\n".join(texts)


def _marks(record: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(text, confidence, labels) of every marked sentence of a record."""
    texts = [record["effective_from_basis"], record["size"].get("note") or "", *record["notes"], *record["unconfirmed"]]
    found = []
    for text in texts:
        for match in MARK.finditer(text):
            found.append((text, match.group(1), match.group(2).split(", ") if match.group(2) else []))
    return found


# --- without the research ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LATER))
def test_a_later_list_is_a_partial_record_with_nothing_unknown_filled_in(name: str) -> None:
    document = _seed(name)
    record, content = document["record"], document["content"]
    assert document["version"] == "2025"
    assert content["items_complete"] is False and content["items"] == []
    assert content["scope_complete"] is False, "every sector list here rests on secondary sources"
    assert content["scope"] == [category["code"] for category in content["categories"]]
    assert record["approval"]["status"] == "unknown" and record["approval"]["body"] is None
    assert [filing["status"] for filing in record["filings"]] == ["unknown", "unknown"]
    assert record["document_no"] is None and record["full_text_url"] is None
    # No source gives an effective date: the basis says so and what the dates are.
    assert record["effective_from_basis"].startswith("No effective date is sourced.")
    assert record["published_on"] == document["effective_from"]


def test_titles_not_seen_are_not_made_up() -> None:
    for name in ("CN-BJ-FTZ--2025.json", "CN-SH-FTZ--2025.json", "CN-FJ-FTZ--2025.json", "CN-GD-FTZ--2025.json"):
        document = _seed(name)
        assert document["record"]["official_title"] is None, name
        assert document["content"]["title"] == "…（2025版）", name
    jiangsu = _seed("CN-JS-FTZ--2025.json")
    assert jiangsu["record"]["official_title"] == "《中国（江苏）自由贸易试验区数据出境管理清单（负面清单）》"
    assert jiangsu["record"]["issuers"] == ["江苏省网信办"]


def test_shared_sectors_keep_the_earlier_version_codes() -> None:
    earlier = {c["name_zh"]: c["code"] for c in _seed("CN-BJ-FTZ--2024.json")["content"]["categories"]}
    later = {c["name_zh"]: c["code"] for c in _seed("CN-BJ-FTZ--2025.json")["content"]["categories"]}
    assert later["汽车"] == earlier["汽车行业"] == "AUTO"
    assert later["医药"] == earlier["医药行业"] == "PHARMA"
    assert later["人工智能训练数据"] == earlier["人工智能训练数据"] == "AI"


def test_a_single_source_fact_is_never_marked_confirmed() -> None:
    for name in [*LATER, "CN-GX-FTZ--2025.json"]:
        record = _seed(name)["record"]
        for text, confidence, labels in _marks(record):
            weakest = {record["sources"][label]["confidence"] for label in labels}
            if confidence == "confirmed":
                assert weakest == {"confirmed"}, (name, text)
            if "taddyz6-data" in labels or "cac-topic-copy" in labels:
                assert confidence in {"single-source", "unconfirmed"}, (name, text)


# --- against research/lists-2025 -----------------------------------------------------------


@needs_research
@pytest.mark.parametrize("name", sorted(LATER))
def test_dates_are_the_researchs_and_the_listing_date_is_named_as_such(name: str) -> None:
    research_file, published, listed = LATER[name]
    research = _research(research_file)
    document = _seed(name)
    assert document["effective_from"] == published
    assert published in research["published"]
    index = json.loads((LATER_DIR / "index.json").read_text(encoding="utf-8"))
    listings = next(value for key, value in index.items() if key.startswith("cac_topic_regions"))
    province = PROVINCE[document["zone"].split("-")[1]]
    assert listings[province] == f"2025版 {listed}"
    basis = document["record"]["effective_from_basis"]
    assert listed in basis
    if listed != published:
        assert f"{listed} is the date the CAC topic page lists this version" in basis
        assert "a listing date, not an effective date" in basis


@needs_research
@pytest.mark.parametrize("name", sorted(SECTORS))
def test_sector_names_are_the_ones_the_research_reports(name: str) -> None:
    research = _research(RESEARCH_FILE[name])
    reported = json.dumps(research, ensure_ascii=False)
    names = [category["name_zh"] for category in _seed(name)["content"]["categories"]]
    assert names == SECTORS[name]
    assert all(sector in reported for sector in names)
    sentence = next(u for u in _seed(name)["record"]["unconfirmed"] if "、".join(SECTORS[name]) in u)
    assert sentence.endswith("[single-source: taddyz6-data]"), "one demo-app source names them"


@needs_research
@pytest.mark.parametrize("name", sorted(SECTORS))
def test_the_size_figures_are_the_researchs(name: str) -> None:
    research = _research(RESEARCH_FILE[name])
    counts = research["published_count"].replace(" ", "")
    size = _seed(name)["record"]["size"]["zh"].replace(" ", "")
    for figure in re.findall(r"\d+", size):
        assert figure in counts, (name, figure)


@needs_research
@pytest.mark.parametrize("name", sorted(SECTORS))
def test_every_source_is_one_the_research_names(name: str) -> None:
    text = _research_text()
    for label, source in _seed(name)["record"]["sources"].items():
        url = source["url"]
        github = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)/blob/([0-9a-f]{40})/(.+)", url)
        if github:
            repo, commit, path = github.groups()
            assert repo in text and commit in text and path in text, label
        else:
            assert url.split("://", 1)[1] in text, label


@needs_research
def test_no_candidate_the_research_rejects_is_used() -> None:
    everything = json.dumps([_seed(name) for name in sorted(os.listdir(seeds_dir() / "lists"))], ensure_ascii=False)
    rejected = [
        candidate["text"]
        for path in sorted(LATER_DIR.glob("*.json"))
        for candidate in json.loads(path.read_text(encoding="utf-8")).get("rejected_candidates", [])
    ]
    assert rejected, "the research still lists its rejected candidates"
    for text in rejected:
        assert text not in everything
    # The synthetic fixtures' own wording, beyond the rejected rows.
    shanghai_fixture_title = "中国（上海）自由贸易试验区数据出境管理清单（负面清单）（2025版）"
    for fixture in ("会员管理场景", "以自然人为单位去重", "行业领域一", shanghai_fixture_title):
        assert fixture not in everything, fixture


@needs_research
def test_tianjin_categories_and_zhejiang_scenarios_are_the_researchs() -> None:
    rows = _research("tianjin_2024.json")["rows"]
    tianjin = [row["columns"]["类别"] for row in rows if re.fullmatch(r"TJ-C\d\d", row["row_id"])]
    recorded = [c["name_zh"] for c in _seed("CN-TJ-FTZ--2024.json")["content"]["categories"]]
    assert len(tianjin) == 13 and recorded[:13] == tianjin
    scenarios = [row["columns"]["场景"] for row in _research("zhejiang_2024.json")["rows"]]
    codes = {c["name_zh"] for c in _seed("CN-ZJ-FTZ--2024.json")["content"]["categories"]}
    assert len(scenarios) == 8 and set(scenarios) <= codes
