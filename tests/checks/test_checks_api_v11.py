"""Contract v1.1 through the checks API: a company checks, and the answers say what would settle them."""

from __future__ import annotations

import pytest

from tests.checks.test_checks_api import request_for
from tests.lifecycle_helpers import Tianjin

CHECKS = "/api/v1/checks"
BATCH = "/api/v1/checks/batch"
CSV_HEADER = "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data\n"


@pytest.fixture
def tianjin_in_force(as_user):
    return Tianjin(as_user).bring_to("published", effective_from="2024-05-10")


def _batch(on="2024-06-01", **processor):
    return {
        "zone": "CN-TJ-FTZ",
        "on": on,
        "processor": {"in_zone": True, "ciio": False, **processor},
        "datasets": [{"categories": ["FIN"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                      "important_data": False}],
    }  # fmt: skip


@pytest.mark.parametrize(("on", "status"), [("2024-03-21", 422), ("2024-03-22", 200), ("2023-12-01", 422)])
def test_checks_before_order_16_took_effect_are_refused(anonymous, on, status):
    single = anonymous.post(CHECKS, json=request_for(["FIN"], on=on))
    assert single.status_code == status
    batch = anonymous.post(BATCH, json=_batch(on))
    assert batch.status_code == status
    csv = anonymous.post(
        f"{BATCH}?zone=CN-TJ-FTZ&on={on}&in_zone=true&ciio=false",
        data=CSV_HEADER + "x,FIN,0,0,false\n",
        content_type="text/csv",
    )
    assert csv.status_code == status
    if status == 422:
        for response in (single, batch, csv):
            assert "2024-03-22" in response.get_json()["errors"]["on"][0]


def test_labels_are_echoed_in_the_result_and_the_receipt(anonymous):
    body = request_for(["FIN"], processor={"in_zone": True, "ciio": False, "name": "天津某汽车有限公司"})
    body["dataset"]["label"] = "车辆轨迹（2025年第一批）"
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["label"] == "车辆轨迹（2025年第一批）"
    assert result["processor_name"] == "天津某汽车有限公司"
    verified = anonymous.post(f"{CHECKS}/verify", json={"receipt": result["receipt"]}).get_json()
    assert verified["valid"] is True
    assert verified["check"]["request"]["processor"]["name"] == "天津某汽车有限公司"
    assert verified["check"]["request"]["dataset"]["label"] == "车辆轨迹（2025年第一批）"
    assert verified["check"]["result"]["label"] == "车辆轨迹（2025年第一批）"


@pytest.mark.parametrize(("length", "status"), [(200, 200), (201, 422)])
def test_labels_are_at_most_200_characters(anonymous, length, status):
    body = request_for(["FIN"], processor={"in_zone": True, "ciio": False, "name": "名" * length})
    assert anonymous.post(CHECKS, json=body).status_code == status
    body = request_for(["FIN"])
    body["dataset"]["label"] = "x" * length
    response = anonymous.post(CHECKS, json=body)
    assert response.status_code == status
    if status == 422:
        assert "label" in response.get_json()["errors"]["dataset"]


def test_legal_duty_is_a_ground(anonymous):
    body = request_for(["FIN"], 200_000, on="2025-01-01", grounds=["legal_duty"])
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["outcome"] == "exempt"
    assert result["basis"] == ["reg35.6"]
    assert result["national_outcome"] == "exempt"
    body = request_for(["FIN"], 200_000, on="2024-12-31", grounds=["legal_duty"])
    assert anonymous.post(CHECKS, json=body).get_json()["outcome"] == "standard_contract_or_certification"


def test_the_result_carries_the_v1_1_fields(tianjin_in_force, anonymous):
    result = anonymous.post(CHECKS, json=request_for(["AUTO.VEH.TRAK"], 5_000)).get_json()
    assert result["national_outcome"] in {"exempt", "not_required", "undetermined",
                                          "standard_contract_or_certification", "security_assessment"}  # fmt: skip
    assert result["article6"]["unknown_categories"] == []  # AUTO.VEH covers it
    result = anonymous.post(CHECKS, json=request_for(["AUTOO"], 5_000)).get_json()
    assert result["article6"]["unknown_categories"] == ["AUTOO"]
    assert result["article6"]["suggestions"]["AUTOO"][0] == "AUTO"
    assert all(entry["text_zh"] for entry in result["explanation"])
    batch = anonymous.post(BATCH, json=_batch()).get_json()["results"][0]
    assert "national_outcome" in batch and all(entry["text_zh"] for entry in batch["explanation"])


@pytest.mark.parametrize(
    ("query", "field"),
    [("in_zone=null", "in_zone"), ("ciio=maybe", "ciio"), ("on=2024-3-1", "on"), ("on=2024-03-21", "on"),
     ("zone=", "zone"), ("in_zone=true&in_zone=false", "in_zone")],
)  # fmt: skip
def test_csv_query_parameters_sent_with_a_json_batch_must_be_valid(anonymous, query, field):
    response = anonymous.post(f"{BATCH}?{query}", json=_batch())
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_valid_csv_query_parameters_with_a_json_batch_are_ignored(anonymous):
    response = anonymous.post(f"{BATCH}?in_zone=true&ciio=false&zone=CN-TJ-FTZ&on=2024-06-01", json=_batch())
    assert response.status_code == 200


def test_a_csv_batch_answers_national_outcome(tianjin_in_force, anonymous):
    response = anonymous.post(
        f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false",
        data=CSV_HEADER + "x,FIN,0,0,false\n",
        content_type="text/csv",
        headers={"Accept": "text/csv"},
    )
    header, row = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[:2]
    columns = header.split(",")
    assert columns[5:11] == ["article6_status", "outcome", "basis", "matched_items", "list_version", "receipt"]
    assert "national_outcome" in columns


def test_the_openapi_document_explains_the_v1_1_fields(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    dataset = schemas["Dataset"]["properties"]
    assert "non-sensitive" in dataset["personal_info_subjects"]["description"]
    assert "separately from sensitive_pi_subjects" in dataset["personal_info_subjects"]["description"]
    result = schemas["CheckResult"]["properties"]
    assert "Article 6" in result["national_outcome"]["description"]
    assert "text_zh" in schemas["Explanation"]["properties"]
    article6 = schemas["Article6"]["properties"]
    assert {"unknown_categories", "suggestions"} <= set(article6)
    assert "legal_duty" in str(schemas["CheckRequest"]["properties"]["grounds"])
