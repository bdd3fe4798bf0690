"""Several application hosts behind a balancer share one database and one Redis.

The anonymous limit is counted once for all hosts (``REGISTRY_RATE_LIMIT_STORAGE``); behind
``REGISTRY_TRUSTED_PROXIES`` proxies each real client is counted on its own, and a client cannot
pick its own address by sending ``X-Forwarded-For`` to a registry that trusts no proxy.
"""

from __future__ import annotations

import pytest
import redis

from tests.conftest import TEST_AUDIT_KEY
from tests.factories import tianjin_list
from tests.ops.test_cli import _registry, _request
from tests.ops.test_concurrency import _serving

CHECK = {
    "zone": "CN-TJ-FTZ",
    "on": "2030-06-01",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO.VEH.TRACK"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _redis_database(redis_url: str, number: int) -> str:
    """Database ``number`` of the test Redis, emptied: each test counts on its own."""
    url = redis_url.rsplit("/", 1)[0] + f"/{number}"
    redis.Redis.from_url(url).flushdb()
    return url


def _app_on_redis(make_app, redis_url: str, **config):
    return make_app(RATE_LIMIT="3/minute", RATE_LIMIT_STORAGE=redis_url, **config).test_client()


def test_the_anonymous_limit_is_counted_in_the_shared_redis(make_app, redis_url):
    """(Apps in one process share Flask-Limiter's storage object, so two hosts sharing the count is
    shown with two served processes below; here, that the counters really are in Redis.)"""
    shared = _redis_database(redis_url, 1)
    client = _app_on_redis(make_app, shared)
    statuses = [client.post("/api/v1/checks", json=CHECK).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert redis.Redis.from_url(shared).keys("*")


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(make_app, redis_url):
    client = _app_on_redis(make_app, _redis_database(redis_url, 2), TRUSTED_PROXIES=1)

    def check(address: str) -> int:
        return client.post("/api/v1/checks", json=CHECK, headers={"X-Forwarded-For": address}).status_code

    assert [check("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
    assert check("203.0.113.8") == 200


def test_a_registry_that_trusts_no_proxy_ignores_x_forwarded_for(make_app, redis_url):
    client = _app_on_redis(make_app, _redis_database(redis_url, 3))
    statuses = [
        client.post("/api/v1/checks", json=CHECK, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_bad_trusted_proxies_setting_is_refused_at_start(monkeypatch, tmp_path):
    from registry import create_app

    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "all")
    with pytest.raises(RuntimeError, match="REGISTRY_TRUSTED_PROXIES"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.slow
def test_two_served_hosts_agree_on_what_is_in_force_and_share_the_limit(tmp_path, database_url, redis_url):
    """Two `registry serve` processes on one database and one Redis: a publication and a revocation
    made through one host are used by the other's very next check; the anonymous limit is shared."""
    shared = _redis_database(redis_url, 4)
    settings = {"RATE_LIMIT_STORAGE": shared, "AUDIT_KEY": TEST_AUDIT_KEY, "SECRET_KEY": "s" * 64}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        _serving(tmp_path / "a", database_url, "off", workers=1, **settings) as (host_a, env),
        _serving(tmp_path / "b", database_url, "off", workers=1, **settings) as (host_b, _env),
    ):
        tokens = {}
        for name, role, scope in (("tj", "zone_admin", ["--zone", "CN-TJ-FTZ"]),
                                  ("tjc", "provincial_approver", ["--province", "CN-TJ"]),
                                  ("CAC", "national_filer", ["--authority", "CAC"]),
                                  ("NDA", "national_filer", ["--authority", "NDA"])):  # fmt: skip
            added = _registry("users", "add", name, "--role", role, *scope, cwd=tmp_path / "a", env=env)
            tokens[name] = added.stdout.split()[-1]
        lists = f"{host_a}/api/v1/zones/CN-TJ-FTZ/lists"
        before = _request(f"{host_b}/api/v1/checks", CHECK)[1]
        assert before["article6"]["list"]["version"] == "2024"  # Tianjin's list of record
        assert _request(lists, tianjin_list(version="2030"), tokens["tj"])[0] == 201
        assert _request(f"{lists}/2030/submit", {}, tokens["tj"])[0] == 200
        assert _request(f"{lists}/2030/approval", {"decision": "approved", "document_no": "x"}, tokens["tjc"])[0] == 200
        for authority in ("CAC", "NDA"):
            filing = {"authority": authority, "filing_no": authority}
            assert _request(f"{lists}/2030/filings", filing, tokens[authority])[0] == 200
        assert _request(f"{lists}/2030/publish", {"effective_from": "2030-01-01"}, tokens["tj"])[0] == 200
        after = _request(f"{host_b}/api/v1/checks", CHECK)[1]
        assert after["article6"]["list"]["version"] == "2030"
        revoke = {"revoked_on": "2030-03-01", "reason": "superseded"}
        assert _request(f"{lists}/2030/revoke", revoke, tokens["tj"])[0] == 200
        # A revocation does not revive the version it superseded.
        assert _request(f"{host_b}/api/v1/checks", CHECK)[1]["article6"]["list"] is None

    limited = {**settings, "RATE_LIMIT": "3/minute"}
    (tmp_path / "c").mkdir()
    (tmp_path / "d").mkdir()
    with (
        _serving(tmp_path / "c", database_url, "3/minute", workers=1, **limited) as (host_c, _env),
        _serving(tmp_path / "d", database_url, "3/minute", workers=1, **limited) as (host_d, _env),
    ):
        statuses = [_request(f"{host}/api/v1/checks", CHECK)[0] for host in (host_c, host_d, host_c, host_d)]
    assert statuses == [200, 200, 200, 429]
