"""Which version is in force on a date (docs/api.md: the latest effective_from on or before the
date among versions ever published, unless that one was revoked on or before the date)."""

from __future__ import annotations

import pytest

from tests.lifecycle_helpers import Tianjin


def _in_force(anonymous, tj: Tianjin, on: str | None):
    url = tj.url("in-force") + (f"?on={on}" if on else "")
    response = anonymous.get(url)
    if response.status_code == 404:
        assert response.content_type == "application/problem+json"
        return None
    assert response.status_code == 200, response.get_json()
    return response.get_json()["version"]


@pytest.fixture
def two_versions_and_a_revocation(as_user):
    """2024 in force from 2024-05-10; 2099 supersedes it on 2099-03-01 and is revoked from 2099-09-01.

    Revocations take effect today or later (v1.1), hence a successor announced for 2099.
    """
    tj = Tianjin(as_user)
    tj.bring_to("published", version="2024", effective_from="2024-05-10")
    tj.bring_to("published", version="2099", effective_from="2099-03-01")
    tj.revoke("2099", "2099-09-01")
    return tj


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2024-05-09", None),  # before the first list took effect
        ("2024-05-10", "2024"),  # its effective date counts
        ("2099-02-28", "2024"),
        ("2099-03-01", "2099"),  # the later version supersedes from its own date
        ("2099-08-31", "2099"),
        ("2099-09-01", None),  # revoked on the date: not in force that day
        ("2100-01-01", None),  # a revocation does not revive the superseded 2024 version
    ],
)
def test_point_in_time_across_two_versions_and_a_revocation(two_versions_and_a_revocation, anonymous, on, expected):
    assert _in_force(anonymous, two_versions_and_a_revocation, on) == expected


def test_a_future_effective_date_is_not_yet_in_force(as_user, anonymous):
    tj = Tianjin(as_user)
    tj.bring_to("published", version="2024", effective_from="2024-05-10")
    tj.bring_to("published", version="2099", effective_from="2099-01-01")
    assert _in_force(anonymous, tj, None) == "2024", "today (Asia/Shanghai) is before 2099"
    assert _in_force(anonymous, tj, "2098-12-31") == "2024"
    assert _in_force(anonymous, tj, "2099-01-01") == "2099"


def test_unpublished_versions_are_never_in_force(as_user, anonymous):
    tj = Tianjin(as_user)
    tj.bring_to("filed", version="2024")
    assert _in_force(anonymous, tj, "2030-01-01") is None


def test_revoking_a_superseded_version_changes_nothing_after_its_successor(as_user, anonymous):
    tj = Tianjin(as_user)
    # Revocations take effect today or later (v1.1), so the successor here is announced for 2099.
    tj.bring_to("published", version="2024", effective_from="2024-05-10")
    tj.bring_to("published", version="2099", effective_from="2099-03-01")
    tj.revoke("2024", "2099-01-01")
    assert _in_force(anonymous, tj, "2098-12-31") == "2024"
    assert _in_force(anonymous, tj, "2099-01-01") is None
    assert _in_force(anonymous, tj, "2099-03-01") == "2099"


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "2024/05/10", ""])
def test_a_bad_date_is_a_422_naming_on(anonymous, bad):
    response = anonymous.get(f"/api/v1/zones/CN-TJ-FTZ/lists/in-force?on={bad}")
    if bad == "":
        assert response.status_code in (200, 404, 422)
        return
    assert response.status_code == 422
    assert "on" in response.get_json()["errors"]


def test_an_unknown_zone_is_a_404(anonymous):
    assert anonymous.get("/api/v1/zones/CN-XX-FTZ/lists/in-force").status_code == 404
