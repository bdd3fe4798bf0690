"""Contract v1.1 in the lifecycle: a list takes effect only after approval and both filings, dates on
record cannot move which list was in force on a past date, and a version may say its scope is partial."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from registry import clock
from registry.migrate import alembic_config, current_revision, upgrade
from tests.lifecycle_helpers import Tianjin

CHECKS = "/api/v1/checks"


def _approve(tj, decided_on):
    body = {"decision": "approved", "document_no": "津网信委〔2026〕1号", "decided_on": decided_on}
    return tj.commission.post(tj.url("2024", "approval"), json=body)


def _file(tj, authority, filed_on):
    filer = tj.cac if authority == "CAC" else tj.nda
    return filer.post(tj.url("2024", "filings"), json={"authority": authority, "filing_no": "1", "filed_on": filed_on})


def _filed(tj, decided_on="2026-11-20", cac_on="2026-11-25", nda_on="2026-11-24"):
    tj.draft("2024")
    tj.submit("2024")
    assert _approve(tj, decided_on).status_code == 200
    assert _file(tj, "CAC", cac_on).status_code == 200
    assert _file(tj, "NDA", nda_on).status_code == 200


@pytest.mark.parametrize(
    ("effective_from", "status"),
    [
        ("2025-01-01", 422),  # the case: approved 2026-11-20, filed 2026-11-25
        ("2026-11-19", 422),  # before the approval
        ("2026-11-24", 422),  # one day before the last filing
        ("2026-11-25", 200),  # on the last filing
        ("2099-01-01", 200),
    ],
)
def test_publish_refuses_an_effective_date_before_approval_and_filing(as_user, effective_from, status):
    tj = Tianjin(as_user)
    _filed(tj)
    response = tj.admin.post(tj.url("2024", "publish"), json={"effective_from": effective_from})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "effective_from" in response.get_json()["errors"]
        assert tj.admin.get(tj.url("2024")).get_json()["status"] == "filed"


@pytest.mark.parametrize(("effective_from", "status"), [("2024-03-21", 422), ("2024-03-22", 200)])
def test_publish_refuses_a_date_before_order_16(as_user, effective_from, status):
    tj = Tianjin(as_user)
    _filed(tj, "2024-03-01", "2024-03-02", "2024-03-03")
    response = tj.admin.post(tj.url("2024", "publish"), json={"effective_from": effective_from})
    assert response.status_code == status
    if status == 422:
        assert "2024-03-22" in response.get_json()["errors"]["effective_from"][0]


def test_a_decision_or_filing_cannot_be_dated_after_today(as_user):
    tj = Tianjin(as_user)
    today = clock.today()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    tj.draft("2024")
    tj.submit("2024")
    refused = _approve(tj, tomorrow)
    assert refused.status_code == 422 and "decided_on" in refused.get_json()["errors"]
    assert _approve(tj, today.isoformat()).status_code == 200
    refused = _file(tj, "CAC", tomorrow)
    assert refused.status_code == 422 and "filed_on" in refused.get_json()["errors"]
    assert _file(tj, "CAC", today.isoformat()).status_code == 200


def test_a_filing_cannot_precede_the_approval(as_user):
    tj = Tianjin(as_user)
    tj.draft("2024")
    tj.submit("2024")
    assert _approve(tj, "2026-11-20").status_code == 200
    refused = _file(tj, "CAC", "2026-11-19")
    assert refused.status_code == 422 and "filed_on" in refused.get_json()["errors"]
    assert tj.admin.get(tj.url("2024")).get_json()["filings"] == []
    assert _file(tj, "CAC", "2026-11-20").status_code == 200


def test_a_revocation_cannot_be_dated_before_today(as_user):
    tj = Tianjin(as_user)
    tj.bring_to("published")
    yesterday = (clock.today() - datetime.timedelta(days=1)).isoformat()
    refused = tj.admin.post(tj.url("2024", "revoke"), json={"revoked_on": yesterday})
    assert refused.status_code == 422 and "revoked_on" in refused.get_json()["errors"]
    assert tj.admin.post(tj.url("2024", "revoke"), json={"revoked_on": clock.today().isoformat()}).status_code == 200


def test_scope_complete_is_kept_in_the_version_and_its_digest(as_user, anonymous):
    tj = Tianjin(as_user)
    complete = tj.draft("2024")
    assert complete["scope_complete"] is True
    partial = tj.draft("2025", scope_complete=False)
    assert partial["scope_complete"] is False
    tj.submit("2024")
    tj.submit("2025")
    digests = {v: tj.admin.get(tj.url(v)).get_json()["digest"] for v in ("2024", "2025")}
    assert digests["2024"] != digests["2025"]
    refused = tj.admin.post(tj.url(), json={"version": "x", "title": "t", "scope_complete": "no"})
    assert refused.status_code == 422 and "scope_complete" in refused.get_json()["errors"]


def test_a_list_with_an_incomplete_scope_leaves_other_sectors_undetermined(as_user, anonymous):
    tj = Tianjin(as_user)
    tj.bring_to("published", scope_complete=False)
    body = {
        "zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": ["FIN.PAY"], "personal_info_subjects": 150_000, "sensitive_pi_subjects": 0,
                    "important_data": False},
        "cumulative": {"personal_info_subjects": 150_000, "sensitive_pi_subjects": 0},
    }  # fmt: skip
    result = anonymous.post(CHECKS, json=body).get_json()
    assert result["article6"]["status"] == "undetermined"
    assert result["outcome"] == "undetermined"
    assert result["national_outcome"] == "standard_contract_or_certification"


def test_the_migration_adds_scope_complete_true_to_existing_versions(empty_database_url):
    engine = create_engine(empty_database_url)
    upgrade(engine, "0001_registry_foundation")
    now = "2026-11-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO zone (code, name_zh, name_en, province, province_name_zh, province_name_en, kind, "
                "sources) VALUES ('CN-TJ-FTZ', '天津', 'Tianjin', 'CN-TJ', '天津', 'Tianjin', 'pilot_ftz', '[]')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO list_version (zone_code, version, title, status, scope, excludes_ciio, items_complete, "
                "attributes, record, etag, created_by, created_at, updated_at) VALUES ('CN-TJ-FTZ', '2024', 't', "
                "'draft', '[]', true, true, '[]', '{}', 'e', 'x', :now, :now)"
            ),
            {"now": now},
        )
    assert "scope_complete" not in {c["name"] for c in inspect(engine).get_columns("list_version")}
    upgrade(engine, "0002_list_version_scope_complete")
    assert current_revision(engine) == "0002_list_version_scope_complete"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT scope_complete FROM list_version")).scalar() in (True, 1)
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_registry_foundation")
    assert "scope_complete" not in {c["name"] for c in inspect(engine).get_columns("list_version")}
    engine.dispose()
