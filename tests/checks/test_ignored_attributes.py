"""Only the attributes a list version declares are signed into a receipt; others are reported as ignored.

A security review signed any text up to 64 characters into receipts as an "attribute", and the
verification page showed it as part of a valid determination.
"""

from __future__ import annotations

from registry.checks.receipts import verify_receipt
from tests.lifecycle_helpers import Tianjin

SECRET = "test-secret-" + "k" * 40


def _check(attributes: dict) -> dict:
    return {
        "zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": ["AUTO.VEH.TRACK"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                    "important_data": False, "attributes": attributes},
    }  # fmt: skip


def test_undeclared_attributes_are_ignored_and_not_signed(as_user, anonymous):
    Tianjin(as_user).bring_to("published", effective_from="2024-05-10")
    response = anonymous.post("/api/v1/checks", json=_check({"vehicle_count": 20000, "approved_by_cac": 1}))
    assert response.status_code == 200
    result = response.get_json()
    assert result["ignored_attributes"] == ["approved_by_cac"]
    assert result["article6"]["matched_items"] == ["AUTO-001"]  # the declared attribute still counts
    signed = verify_receipt(SECRET, result["receipt"])
    assert signed["request"]["dataset"]["attributes"] == {"vehicle_count": 20000}


def test_with_no_list_in_force_every_attribute_is_ignored(anonymous):
    response = anonymous.post("/api/v1/checks", json=_check({"vehicle_count": 5}))
    assert response.status_code == 200
    assert response.get_json()["ignored_attributes"] == ["vehicle_count"]


def test_declared_attributes_alone_leave_no_ignored_field(as_user, anonymous):
    Tianjin(as_user).bring_to("published", effective_from="2024-05-10")
    result = anonymous.post("/api/v1/checks", json=_check({"vehicle_count": 5})).get_json()
    assert "ignored_attributes" not in result


def test_a_batch_reports_ignored_attributes_per_dataset(as_user, anonymous):
    Tianjin(as_user).bring_to("published", effective_from="2024-05-10")
    check = _check({"note": 1})
    body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": check["processor"], "datasets": [check["dataset"]]}
    results = anonymous.post("/api/v1/checks/batch", json=body).get_json()["results"]
    assert results[0]["ignored_attributes"] == ["note"]
