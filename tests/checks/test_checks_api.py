"""POST /api/v1/checks as a company uses it, against a list the Tianjin zone really took through
approval and filing (example content, real workflow)."""

from __future__ import annotations

import copy

import pytest

from registry import clock
from tests.lifecycle_helpers import Tianjin

CHECKS = "/api/v1/checks"


def request_for(categories, pi=0, sensitive=0, important=False, **changes):
    body = {
        "zone": "CN-TJ-FTZ",
        "on": "2024-06-01",
        "processor": {"in_zone": True, "ciio": False},
        "dataset": {
            "categories": categories,
            "personal_info_subjects": pi,
            "sensitive_pi_subjects": sensitive,
            "important_data": important,
            "attributes": {"vehicle_count": 1200},
        },
        "cumulative": {"personal_info_subjects": max(pi, 120000), "sensitive_pi_subjects": sensitive},
        "grounds": [],
    }
    body.update(changes)
    return body


@pytest.fixture
def tianjin_in_force(as_user):
    tj = Tianjin(as_user)
    return tj.bring_to("published", effective_from="2024-05-10")


def test_outside_the_list_is_exempt_and_names_the_version(tianjin_in_force, anonymous):
    response = anonymous.post(CHECKS, json=request_for(["AUTO.VEH.TRACK.GPS"], pi=50000))
    assert response.status_code == 200
    result = response.get_json()
    assert result["article6"]["status"] == "outside"
    assert result["article6"]["list"] == {"zone": "CN-TJ-FTZ", "version": "2024", "digest": tianjin_in_force["digest"]}
    assert result["outcome"] == "exempt" and result["basis"] == ["art6"]
    assert result["duties"] == ["art10", "art11"]
    assert {entry["article"] for entry in result["explanation"]} >= {"3", "4", "5", "6", "7", "8"}
    six = next(entry for entry in result["explanation"] if entry["article"] == "6")
    assert "负面清单" in six["quote_zh"]


def test_inside_the_list_takes_the_items_mechanism(tianjin_in_force, anonymous):
    body = request_for(["AUTO.VEH.TRACK"], pi=50000)
    body["dataset"]["attributes"]["vehicle_count"] = 10000  # AUTO-001 applies from 10,000 vehicles
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["article6"]["status"] == "inside"
    assert result["article6"]["matched_items"] == ["AUTO-001"]
    assert result["outcome"] == "security_assessment"
    assert "art6" in result["basis"]


def test_a_missing_attribute_is_named_and_never_exempt(tianjin_in_force, anonymous):
    body = request_for(["AUTO.VEH.TRACK"], pi=50000)
    del body["dataset"]["attributes"]["vehicle_count"]
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["article6"]["status"] == "undetermined"
    assert result["outcome"] == "undetermined"
    assert "dataset.attributes.vehicle_count" in result["missing_facts"]


def test_before_the_list_takes_effect_the_national_rules_apply(tianjin_in_force, anonymous):
    result = anonymous.post(CHECKS, json=request_for(["AUTO.VEH.TRACK.GPS"], pi=50000, on="2024-05-09")).get_json()
    assert result["article6"] == {**result["article6"], "status": "not_applicable", "list": None}
    assert result["outcome"] == "standard_contract_or_certification"  # 120,000 cumulative: Art. 8
    assert result["basis"] == ["art8"]


def test_a_processor_outside_the_zone_cannot_use_its_list(tianjin_in_force, anonymous):
    body = request_for(["AUTO.VEH.TRACK.GPS"], pi=50000, processor={"in_zone": False, "ciio": False})
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["article6"]["status"] == "not_applicable"
    assert result["outcome"] == "standard_contract_or_certification"


def test_on_defaults_to_today_in_shanghai(tianjin_in_force, anonymous):
    body = request_for(["AUTO.VEH.TRACK.GPS"], pi=50000)
    del body["on"]
    result = anonymous.post(CHECKS, json=body).get_json()
    verified = anonymous.post(f"{CHECKS}/verify", json={"receipt": result["receipt"]}).get_json()
    assert verified["check"]["request"]["on"] == clock.today().isoformat()


def test_an_unknown_zone_is_a_404(anonymous):
    response = anonymous.post(CHECKS, json=request_for(["AUTO"], zone="CN-XX-FTZ"))
    assert response.status_code == 404 and response.content_type == "application/problem+json"


BAD_INPUTS = [
    ("no zone", lambda b: b.pop("zone"), {"zone"}),
    ("no processor", lambda b: b.pop("processor"), {"processor"}),
    ("in_zone missing", lambda b: b["processor"].pop("in_zone"), {"processor"}),
    ("ciio as a string", lambda b: b["processor"].update(ciio="no"), {"processor"}),
    ("no categories", lambda b: b["dataset"].update(categories=[]), {"dataset"}),
    ("bad category code", lambda b: b["dataset"].update(categories=["AUTO..X"]), {"dataset"}),
    ("negative count", lambda b: b["dataset"].update(personal_info_subjects=-1), {"dataset"}),
    ("fractional people", lambda b: b["dataset"].update(personal_info_subjects=1.5), {"dataset"}),
    ("count as a string", lambda b: b["dataset"].update(sensitive_pi_subjects="10"), {"dataset"}),
    ("important_data missing", lambda b: b["dataset"].pop("important_data"), {"dataset"}),
    ("cumulative smaller than the dataset", lambda b: b["cumulative"].update(personal_info_subjects=1), {"cumulative"}),
    ("cumulative missing with PI", lambda b: b.pop("cumulative"), {"cumulative"}),
    ("unknown ground", lambda b: b.update(grounds=["tourism"]), {"grounds"}),
    ("bad date", lambda b: b.update(on="2024-02-30"), {"on"}),
    ("date not written YYYY-MM-DD", lambda b: b.update(on="20240601"), {"on"}),
    ("date as a week", lambda b: b.update(on="2024-W22-6"), {"on"}),
    ("unknown field", lambda b: b.update(company="ACME"), {"company"}),
]


@pytest.mark.parametrize(("case", "spoil", "fields"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_a_422_naming_each_field(anonymous, case, spoil, fields):
    body = copy.deepcopy(request_for(["AUTO.VEH"], pi=10))
    spoil(body)
    response = anonymous.post(CHECKS, json=body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["status"] == 422 and set(problem["errors"]) == fields


def test_a_bad_attribute_value_is_reported_under_the_attribute_itself(anonymous):
    body = copy.deepcopy(request_for(["AUTO.VEH"], pi=10))
    body["dataset"]["attributes"] = {"vehicle_count": "many", "ok": 3}
    response = anonymous.post(CHECKS, json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors["dataset"]["attributes"]) == ["vehicle_count"]
    assert all(isinstance(m, str) for m in errors["dataset"]["attributes"]["vehicle_count"])  # nested as sent


def test_malformed_json_is_a_400(anonymous):
    response = anonymous.client.post(CHECKS, data="{", content_type="application/json")
    assert response.status_code == 400 and response.content_type == "application/problem+json"


def test_without_personal_information_cumulative_defaults_to_zero(tianjin_in_force, anonymous):
    body = request_for(["HEALTH.GENE"])
    body.pop("cumulative")
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["outcome"] == "security_assessment"  # HEALTH-001 is on the list unconditionally
    assert result["duties"] == ["art11"]


def test_receipts_verify_and_forgeries_do_not(tianjin_in_force, anonymous):
    result = anonymous.post(CHECKS, json=request_for(["AUTO.VEH.TRACK.GPS"], pi=50000)).get_json()
    verified = anonymous.post(f"{CHECKS}/verify", json={"receipt": result["receipt"]}).get_json()
    assert verified["valid"] is True
    check = verified["check"]
    assert check["request"]["dataset"]["categories"] == ["AUTO.VEH.TRACK.GPS"]
    assert check["result"]["outcome"] == "exempt"
    assert check["list_digest"] == tianjin_in_force["digest"]
    assert check["checked_at"].endswith("Z")
    receipt = result["receipt"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # Every other character at the end (base64's spare bits included), one dropped, and garbage.
    forgeries = [receipt[:-1] + c for c in alphabet if c != receipt[-1]]
    forgeries += [receipt[:10] + receipt[11:], "not-a-receipt", receipt + "A"]
    for forged in forgeries:
        response = anonymous.post(f"{CHECKS}/verify", json={"receipt": forged})
        assert response.status_code == 200 and response.get_json()["valid"] is False
    assert anonymous.post(f"{CHECKS}/verify", json={}).status_code == 422


def test_a_receipt_verifies_without_any_database_row(tianjin_in_force, anonymous, app, empty_database_url, tmp_path):
    """Another instance with the same key and an empty database still verifies it."""
    from registry import create_app

    receipt = anonymous.post(CHECKS, json=request_for(["AUTO.VEH.TRACK.GPS"], pi=50000)).get_json()["receipt"]
    other = create_app({"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path / "other"),
                        "SECRET_KEY": app.config["SECRET_KEY"]})  # fmt: skip
    assert other.test_client().post(f"{CHECKS}/verify", json={"receipt": receipt}).get_json()["valid"] is True
    stranger = create_app({"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path / "stranger"),
                           "SECRET_KEY": "another-key-" + "x" * 40})  # fmt: skip
    assert stranger.test_client().post(f"{CHECKS}/verify", json={"receipt": receipt}).get_json()["valid"] is False
