"""`/metrics` in the Prometheus format for the addresses allowed to read it, and a request id on
every answer."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.ops.test_cli import _request
from tests.ops.test_concurrency import _serving

CHECK = {
    "zone": "CN-TJ-FTZ",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 if absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))  # printed sorted
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" ([0-9.e+]+)"
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_requests_checks_and_batches(client):
    before = client.get("/metrics").get_data(as_text=True)
    assert client.post("/api/v1/checks", json=CHECK).status_code == 200
    batch = {"zone": "CN-TJ-FTZ", "processor": CHECK["processor"], "datasets": [CHECK["dataset"], {"categories": []}]}
    assert client.post("/api/v1/checks/batch", json=batch).status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = response.get_data(as_text=True)
    outcome = client.post("/api/v1/checks", json=CHECK).get_json()["outcome"]
    for name, labels, grew_by in (
        ("registry_checks_total", {"outcome": outcome}, 2),
        ("registry_checks_total", {"outcome": "invalid"}, 1),
        ("registry_http_requests_total", {"method": "POST", "endpoint": "/api/v1/checks", "status": "200"}, 1),
        ("registry_batch_datasets_count", {}, 1),
    ):
        assert _sample(after, name, **labels) - _sample(before, name, **labels) == grew_by, name
    assert "registry_http_request_duration_seconds_bucket" in after


def test_metrics_are_not_there_for_addresses_not_allowed(make_app):
    client = make_app(METRICS_ALLOW="10.1.2.0/24").test_client()
    assert client.get("/metrics").status_code == 404
    allowed = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert allowed.status_code == 200


def test_a_bad_metrics_allow_setting_is_refused(make_app):
    with pytest.raises(RuntimeError, match="REGISTRY_METRICS_ALLOW"):
        make_app(METRICS_ALLOW="everyone")


def test_every_answer_carries_a_request_id_and_only_a_trusted_proxy_may_set_it(make_app):
    plain = make_app().test_client()
    first, second = plain.get("/healthz"), plain.get("/healthz", headers={"X-Request-Id": "chosen-by-client"})
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-Id"])
    assert second.headers["X-Request-Id"] not in ("chosen-by-client", first.headers["X-Request-Id"])
    proxied = make_app("behind-proxy", TRUSTED_PROXIES=1).test_client()
    assert proxied.get("/healthz", headers={"X-Request-Id": "lb-7f3a"}).headers["X-Request-Id"] == "lb-7f3a"
    odd = proxied.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert odd != "<script>"


@pytest.mark.slow
def test_a_served_registry_adds_up_every_workers_counts(tmp_path, database_url):
    with _serving(tmp_path, database_url, "off", workers=2) as (base, _env):
        for _ in range(20):  # spread over both workers by the kernel
            assert _request(f"{base}/api/v1/checks", CHECK)[0] == 200
        with urllib.request.urlopen(f"{base}/metrics") as response:
            text = response.read().decode()
    total = _sample(text, "registry_http_requests_total", method="POST", endpoint="/api/v1/checks", status="200")
    assert total == 20
    pids = {path.name for path in (tmp_path / "instance" / "metrics").iterdir()}
    assert pids, "the workers kept their counts in the shared folder"
