"""The seed files (zones, Order No. 16 articles) match their schemas and the facts they encode."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from registry.seedfiles import seeds_dir

ZONE_CODE = re.compile(r"^CN-[A-Z]{2}-(FTZ|FTP)$")

# ISO 3166-2:CN letters of the 22 province-level units with a pilot free-trade zone.
# fmt: off
PILOT_PROVINCES = {
    "BJ", "TJ", "HE", "LN", "SH", "JS", "ZJ", "AH", "FJ", "SD", "HA",
    "HB", "HN", "GD", "GX", "HI", "CQ", "SC", "YN", "SN", "HL", "XJ",
}
# fmt: on

# How each article of the official text begins (full-width punctuation as published).
ARTICLE_OPENINGS = {
    1: "为了保障数据安全，保护个人信息权益",
    2: "数据处理者应当按照相关规定识别、申报重要数据。",
    3: "国际贸易、跨境运输、学术合作、跨国生产制造和市场营销",
    4: "数据处理者在境外收集和产生的个人信息传输至境内处理后",
    5: "数据处理者向境外提供个人信息，符合下列条件之一的，",
    6: "自由贸易试验区在国家数据分类分级保护制度框架下，",
    7: "数据处理者向境外提供数据，符合下列条件之一的，应当通过",
    8: "关键信息基础设施运营者以外的数据处理者自当年1月1日起累计",
    9: "通过数据出境安全评估的结果有效期为3年，",
    10: "数据处理者向境外提供个人信息的，应当按照法律、行政法规的规定",
    11: "数据处理者向境外提供数据的，应当遵守法律、法规的规定，",
    12: "各地网信部门应当加强对数据处理者数据出境活动的指导监督，",
    13: "2022年7月7日公布的《数据出境安全评估办法》（国家互联网信息办公室令第11号）",
    14: "本规定自公布之日起施行。",
}

CLAUSE_MARKERS = "一二三四五六七八九十"


def _load(relative_path: str) -> Any:
    path: Path = seeds_dir() / relative_path
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _validator(name: str) -> Draft202012Validator:
    schema = _load(f"schemas/{name}.schema.json")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def zones_doc() -> dict[str, Any]:
    return _load("zones.json")


@pytest.fixture(scope="module")
def articles_doc() -> dict[str, Any]:
    return _load("articles.json")


@pytest.fixture(scope="module")
def articles(articles_doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {article["number"]: article for article in articles_doc["articles"]}


def _error_paths(validator: Draft202012Validator, document: Any) -> list[str]:
    return ["/".join(str(part) for part in error.absolute_path) for error in validator.iter_errors(document)]


# --- schemas -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["zones", "articles"])
def test_seed_file_validates_against_its_schema(name: str) -> None:
    assert _error_paths(_validator(name), _load(f"{name}.json")) == []


def test_zones_schema_rejects_a_24th_zone_and_unknown_fields(zones_doc: dict[str, Any]) -> None:
    validator = _validator("zones")
    too_many = copy.deepcopy(zones_doc)
    too_many["zones"].append(copy.deepcopy(too_many["zones"][0]))
    assert not validator.is_valid(too_many)

    extra_field = copy.deepcopy(zones_doc)
    extra_field["zones"][0]["area_km2"] = 120
    assert not validator.is_valid(extra_field)

    two_ports = copy.deepcopy(zones_doc)
    two_ports["zones"][0]["kind"] = "free_trade_port"
    assert not validator.is_valid(two_ports)

    bad_date = copy.deepcopy(zones_doc)
    bad_date["zones"][0]["established"] = "2013/09/27"
    assert not validator.is_valid(bad_date)


def test_articles_schema_rejects_ascii_punctuation_and_a_missing_article(
    articles_doc: dict[str, Any],
) -> None:
    validator = _validator("articles")
    ascii_comma = copy.deepcopy(articles_doc)
    ascii_comma["articles"][0]["zh"] = ascii_comma["articles"][0]["zh"].replace("，", ",", 1)
    assert _error_paths(validator, ascii_comma) == ["articles/0/zh"]

    missing = copy.deepcopy(articles_doc)
    del missing["articles"][13]
    assert not validator.is_valid(missing)

    out_of_order = copy.deepcopy(articles_doc)
    out_of_order["articles"][0], out_of_order["articles"][1] = (
        out_of_order["articles"][1],
        out_of_order["articles"][0],
    )
    assert not validator.is_valid(out_of_order)


# --- zones ---------------------------------------------------------------------------------


def test_zone_codes_are_unique_and_well_formed(zones_doc: dict[str, Any]) -> None:
    codes = [zone["code"] for zone in zones_doc["zones"]]
    assert len(codes) == len(set(codes))
    assert [code for code in codes if not ZONE_CODE.match(code)] == []


def test_there_are_22_pilot_zones_and_the_hainan_port(zones_doc: dict[str, Any]) -> None:
    kinds = [zone["kind"] for zone in zones_doc["zones"]]
    assert kinds.count("pilot_ftz") == 22
    assert kinds.count("free_trade_port") == 1
    port = next(zone for zone in zones_doc["zones"] if zone["kind"] == "free_trade_port")
    assert port["code"] == "CN-HI-FTP"
    assert port["name_zh"] == "海南自由贸易港"
    assert port["province"] == "CN-HI"


def test_each_pilot_province_has_one_zone_named_after_it(zones_doc: dict[str, Any]) -> None:
    pilots = [zone for zone in zones_doc["zones"] if zone["kind"] == "pilot_ftz"]
    assert {zone["province"].removeprefix("CN-") for zone in pilots} == PILOT_PROVINCES
    for zone in pilots:
        assert zone["code"] == f"{zone['province']}-FTZ"
        label = re.fullmatch(r"中国（(.+)）自由贸易试验区", zone["name_zh"])
        assert label, zone["name_zh"]
        assert zone["province_name_zh"].startswith(label.group(1))
        assert zone["name_en"] == f"China ({zone['province_name_en']}) Pilot Free Trade Zone"


def test_zone_sources_are_declared_and_all_used(zones_doc: dict[str, Any]) -> None:
    declared = set(zones_doc["sources"])
    cited = {key for zone in zones_doc["zones"] for key in zone["sources"]}
    assert cited - declared == set()
    assert declared - cited == set()


def test_established_year_agrees_with_the_date_and_zones_are_sorted(
    zones_doc: dict[str, Any],
) -> None:
    zones = zones_doc["zones"]
    for zone in zones:
        assert zone["established_year"] == int(zone["established"][:4]), zone["code"]
    keys = [(zone["established"], zone["code"]) for zone in zones]
    assert keys == sorted(keys)
    assert zones[0]["code"] == "CN-SH-FTZ"
    assert zones[-1]["code"] == "CN-XJ-FTZ"


def test_unconfirmed_hainan_port_plan_date_is_flagged_not_used(zones_doc: dict[str, Any]) -> None:
    port = next(zone for zone in zones_doc["zones"] if zone["code"] == "CN-HI-FTP")
    assert port["established"] != "2020-06-01"
    assert "Unconfirmed" in port["note"] and "2020-06-01" in port["note"]


# --- articles ------------------------------------------------------------------------------


def test_order_16_metadata(articles_doc: dict[str, Any]) -> None:
    assert articles_doc["title_zh"] == "促进和规范数据跨境流动规定"
    assert articles_doc["order"] == "国家互联网信息办公室令第16号"
    assert articles_doc["promulgated"] == articles_doc["effective"] == "2024-03-22"
    assert "working translation" in articles_doc["source"]["note"]


def test_articles_are_numbered_1_to_14(articles_doc: dict[str, Any]) -> None:
    assert [article["number"] for article in articles_doc["articles"]] == list(range(1, 15))


@pytest.mark.parametrize("number", sorted(ARTICLE_OPENINGS))
def test_article_text_starts_like_the_official_text(
    articles: dict[int, dict[str, Any]],
    number: int,
) -> None:
    zh = articles[number]["zh"]
    assert zh.startswith(ARTICLE_OPENINGS[number])
    assert "," not in zh
    assert re.search(r"[,;:()]", zh) is None
    assert zh.endswith("。")


def test_article_5_exemption_threshold_and_closing_paragraph(
    articles: dict[int, dict[str, Any]],
) -> None:
    zh = articles[5]["zh"]
    assert "不满10万人个人信息（不含敏感个人信息）" in zh
    assert zh.endswith("前款所称向境外提供的个人信息，不包括重要数据。")


def test_article_7_security_assessment_thresholds(articles: dict[int, dict[str, Any]]) -> None:
    zh = articles[7]["zh"]
    assert "100万人以上个人信息（不含敏感个人信息）" in zh
    assert "1万人以上敏感个人信息" in zh
    assert zh.endswith("属于本规定第三条、第四条、第五条、第六条规定情形的，从其规定。")


def test_article_8_standard_contract_band(articles: dict[int, dict[str, Any]]) -> None:
    zh = articles[8]["zh"]
    assert "10万人以上、不满100万人个人信息" in zh
    assert "不满1万人敏感个人信息" in zh


@pytest.mark.parametrize(("number", "count"), [(5, 4), (7, 2)])
def test_enumerated_clauses_repeat_the_article_text(
    articles: dict[int, dict[str, Any]],
    number: int,
    count: int,
) -> None:
    article = articles[number]
    clauses = article["clauses"]
    assert [clause["number"] for clause in clauses] == list(range(1, count + 1))
    for clause in clauses:
        assert clause["zh"].startswith(f"（{CLAUSE_MARKERS[clause['number'] - 1]}）")
        assert clause["zh"] in article["zh"].split("\n")
        assert clause["en"]
    assert clauses[-1]["zh"].endswith("。")
    assert all(clause["zh"].endswith("；") for clause in clauses[:-1])


def test_only_articles_5_and_7_have_clauses(articles: dict[int, dict[str, Any]]) -> None:
    assert sorted(number for number, article in articles.items() if article["clauses"]) == [5, 7]
