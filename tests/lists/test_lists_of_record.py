"""The lists the zones have really published, loaded from seeds/lists as `registry serve` does."""

from __future__ import annotations

import datetime
import json
import shutil

import pytest

from registry.db import get_session, writing
from registry.seeding import list_record_files, load_list_record, load_lists

SEEDS = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in list_record_files()}


def test_the_published_lists_are_on_record():
    assert sorted((seed["zone"], seed["version"]) for seed in SEEDS.values()) == sorted(
        [("CN-TJ-FTZ", "2024"), ("CN-BJ-FTZ", "2024"), ("CN-SH-FTZ", "2024"), ("CN-HI-FTP", "2024"),
         ("CN-ZJ-FTZ", "2024"), ("CN-GX-FTZ", "2025"), ("CN-CQ-FTZ", "2025"),
         # The later lists (research/lists-2025): two of them supersede a zone's 2024 version.
         ("CN-BJ-FTZ", "2025"), ("CN-SH-FTZ", "2025"), ("CN-JS-FTZ", "2025"), ("CN-FJ-FTZ", "2025"),
         ("CN-GD-FTZ", "2025")]
    )  # fmt: skip


def test_loading_twice_changes_nothing(seeded_app):
    with seeded_app.app_context(), writing():
        assert load_lists(get_session()) == 0


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_each_record_is_in_force_from_its_date(seeded_app, anonymous, name):
    seed = SEEDS[name]
    base = f"/api/v1/zones/{seed['zone']}/lists"
    on = seed["effective_from"]
    response = anonymous.get(f"{base}/in-force", query_string={"on": on})
    assert response.status_code == 200
    version = response.get_json()
    assert (version["version"], version["status"], version["effective_from"]) == (seed["version"], "published", on)
    assert version["items_complete"] is False and version["digest"]
    assert version["record"]["sources"] and version["history"][-1]["action"] == "published_of_record"
    day_before = (datetime.date.fromisoformat(on) - datetime.timedelta(days=1)).isoformat()
    before = anonymous.get(f"{base}/in-force", query_string={"on": day_before})
    earlier = [s for s in SEEDS.values() if s["zone"] == seed["zone"] and s["effective_from"] < on]
    if earlier:  # the version it supersedes answers until the day before
        assert before.get_json()["version"] == max(earlier, key=lambda s: s["effective_from"])["version"]
    else:
        assert before.status_code == 404


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_a_check_against_a_partial_record_never_says_outside(seeded_app, anonymous, name):
    seed = SEEDS[name]
    scope = seed["content"]["scope"] or ["ANY"]
    body = {
        "zone": seed["zone"], "on": seed["effective_from"], "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": [f"{scope[0]}.SOMETHING_NOT_LISTED"], "personal_info_subjects": 0,
                    "sensitive_pi_subjects": 0, "important_data": False},
    }  # fmt: skip
    result = anonymous.post("/api/v1/checks", json=body).get_json()
    assert result["article6"]["status"] != "outside"
    assert result["outcome"] != "exempt"
    assert "only part of this list" in result["article6"]["reason"]
    assert result["article6"]["list"]["items_complete"] is False
    assert result["article6"]["list"]["full_text_url"] == seed["record"]["full_text_url"]
    if seed["record"]["full_text_url"]:
        assert seed["record"]["full_text_url"] in result["article6"]["reason"]
    # v1.1: Guangxi's record names no sector (scope_complete false): undetermined, never not_applicable.
    assert result["article6"]["status"] == "undetermined"


def test_guangxi_with_no_sector_on_record_settles_nothing_for_a_company_in_the_zone(seeded_app, anonymous):
    body = {
        "zone": "CN-GX-FTZ", "on": "2025-09-01", "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": ["AUTO.VEH"], "personal_info_subjects": 150_000, "sensitive_pi_subjects": 0,
                    "important_data": False},
        "cumulative": {"personal_info_subjects": 150_000, "sensitive_pi_subjects": 0},
    }  # fmt: skip
    version = anonymous.get("/api/v1/zones/CN-GX-FTZ/lists/in-force", query_string={"on": "2025-09-01"}).get_json()
    assert version["scope_complete"] is False
    result = anonymous.post("/api/v1/checks", json=body).get_json()
    assert (result["article6"]["status"], result["outcome"]) == ("undetermined", "undetermined")
    assert result["national_outcome"] == "standard_contract_or_certification"
    outside_the_zone = anonymous.post("/api/v1/checks", json={**body, "processor": {"in_zone": False, "ciio": False}})
    assert outside_the_zone.get_json()["article6"]["status"] == "not_applicable"


def test_a_known_item_of_record_is_inside(seeded_app, anonymous):
    seed = SEEDS["CN-BJ-FTZ--2024.json"]
    item = next(i for i in seed["content"]["items"] if "充电" in (i.get("description") or ""))
    body = {
        "zone": "CN-BJ-FTZ", "on": "2024-09-01", "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": [item["category"]], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                    "important_data": False},
    }  # fmt: skip
    result = anonymous.post("/api/v1/checks", json=body).get_json()
    assert result["article6"]["status"] == "inside" and item["code"] in result["article6"]["matched_items"]
    assert result["outcome"] == "security_assessment"


def test_corrected_content_becomes_a_new_version_never_an_edit(seeded_app, anonymous, tmp_path):
    original = next(p for p in list_record_files() if p.name == "CN-CQ-FTZ--2025.json")
    changed = tmp_path / "lists" / original.name
    changed.parent.mkdir()
    shutil.copy(original, changed)
    seed = json.loads(changed.read_text(encoding="utf-8"))
    seed["content"]["title"] += "（更正）"
    changed.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    with seeded_app.app_context(), writing():
        assert load_list_record(get_session(), changed) == "recorded CN-CQ-FTZ 2025-r2"
        get_session().commit()
    first = anonymous.get("/api/v1/zones/CN-CQ-FTZ/lists/2025").get_json()
    second = anonymous.get("/api/v1/zones/CN-CQ-FTZ/lists/2025-r2").get_json()
    assert first["title"] == SEEDS[original.name]["content"]["title"], "the frozen record is untouched"
    assert second["title"].endswith("（更正）") and second["digest"] != first["digest"]
    in_force = anonymous.get("/api/v1/zones/CN-CQ-FTZ/lists/in-force", query_string={"on": "2025-10-01"})
    assert in_force.get_json()["version"] == "2025-r2", "the correction is the record in force from the same date"


def test_facts_about_the_record_are_updated_in_place(seeded_app, anonymous, tmp_path):
    original = next(p for p in list_record_files() if p.name == "CN-GX-FTZ--2025.json")
    changed = tmp_path / "lists" / original.name
    changed.parent.mkdir()
    seed = json.loads(original.read_text(encoding="utf-8"))
    seed["record"]["notes"].append("A new note from a later source.")
    changed.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    with seeded_app.app_context(), writing():
        assert load_list_record(get_session(), changed) == "record updated"
        get_session().commit()
    version = anonymous.get("/api/v1/zones/CN-GX-FTZ/lists/2025").get_json()
    assert version["record"]["notes"][-1] == "A new note from a later source."
    assert version["history"][-1]["action"] == "record_updated"


def test_a_label_taken_by_a_zone_admin_gets_a_suffix(app, as_user, anonymous):
    from tests.lifecycle_helpers import Tianjin

    Tianjin(as_user).draft("2024")
    with app.app_context(), writing():
        load_lists(get_session())
        get_session().commit()
    versions = {v["version"]: v["status"] for v in anonymous.get("/api/v1/zones/CN-TJ-FTZ/lists").get_json()}
    assert versions == {"2024-r2": "published"}


@pytest.mark.parametrize(
    ("zone", "last_day_of_2024", "first_day_of_2025"),
    [("CN-BJ-FTZ", "2026-05-10", "2026-05-11"), ("CN-SH-FTZ", "2026-04-23", "2026-04-24")],
)
def test_a_later_version_of_record_supersedes_the_earlier_from_its_date(
    seeded_app, anonymous, zone, last_day_of_2024, first_day_of_2025
):
    base = f"/api/v1/zones/{zone}/lists"
    listed = anonymous.get(base).get_json()
    assert [(v["version"], v["status"]) for v in listed] == [("2025", "published"), ("2024", "published")]
    on_last = anonymous.get(f"{base}/in-force", query_string={"on": last_day_of_2024}).get_json()
    on_first = anonymous.get(f"{base}/in-force", query_string={"on": first_day_of_2025}).get_json()
    assert (on_last["version"], on_first["version"]) == ("2024", "2025")
    # Superseded, not revoked: the 2024 version is still the record for dates in its term.
    assert anonymous.get(f"{base}/2024").get_json()["revoked_on"] is None


def test_a_beijing_check_uses_the_version_in_force_on_its_date(seeded_app, anonymous):
    def check(on):
        body = {
            "zone": "CN-BJ-FTZ", "on": on, "processor": {"in_zone": True, "ciio": False},
            "dataset": {"categories": ["AUTO.IMPORTANT.D3"], "personal_info_subjects": 0,
                        "sensitive_pi_subjects": 0, "important_data": False},
        }  # fmt: skip
        return anonymous.post("/api/v1/checks", json=body).get_json()

    before, after = check("2026-05-10"), check("2026-05-11")
    assert before["article6"]["list"]["version"] == "2024" and before["article6"]["status"] == "inside"
    # The 2025 record holds the sector (AUTO) but none of its 612 fields: nothing can be ruled out.
    assert after["article6"]["list"]["version"] == "2025" and after["article6"]["status"] == "undetermined"
    assert after["outcome"] != "exempt"


def test_two_versions_of_a_zone_load_in_either_order(app, anonymous):
    files = [p for p in list_record_files() if p.name.startswith("CN-BJ-FTZ--")]
    assert [p.name for p in files] == ["CN-BJ-FTZ--2024.json", "CN-BJ-FTZ--2025.json"]
    with app.app_context(), writing():
        session = get_session()
        assert [load_list_record(session, p) for p in reversed(files)] == [
            "recorded CN-BJ-FTZ 2025", "recorded CN-BJ-FTZ 2024",
        ]  # fmt: skip
        session.commit()
        assert [load_list_record(session, p) for p in files] == [None, None], "loading again changes nothing"
    base = "/api/v1/zones/CN-BJ-FTZ/lists"
    # The listing is newest-created first; which version is in force depends on the dates alone.
    for on, version in [("2024-08-30", "2024"), ("2026-05-10", "2024"), ("2026-05-11", "2025")]:
        assert anonymous.get(f"{base}/in-force", query_string={"on": on}).get_json()["version"] == version


def test_an_approval_no_source_states_is_said_to_be_not_stated(seeded_app, anonymous):
    version = anonymous.get("/api/v1/zones/CN-GX-FTZ/lists/2025").get_json()
    assert version["approval"] is None
    assert version["of_record"] == {
        "approval": "not stated in the sources",
        "filings": {"CAC": "not stated in the sources", "NDA": "not stated in the sources"},
    }
    assert "number not published" not in str(version)
