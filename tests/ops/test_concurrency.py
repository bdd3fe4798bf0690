"""Several gunicorn workers writing at once: CAC and NDA file the same version at the same moment;
three publish requests race. Nothing fails, exactly one wins, the audit chain stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import TEST_AUDIT_KEY
from tests.factories import tianjin_list
from tests.ops.test_cli import _free_port, _registry, _request

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out

ROUNDS = 6


@contextmanager
def _serving(tmp_path: Path, database_url: str, rate_limit: str, workers: int = 4, **settings: str):
    """`registry serve --workers 4` on ``database_url``; yields (base URL, environment).

    ``settings`` are further ``REGISTRY_*`` variables (``MAX_BODY_BYTES="3000"``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATABASE_URL"] = database_url
    env["REGISTRY_RATE_LIMIT"] = rate_limit
    env["REGISTRY_AUDIT_KEY"] = TEST_AUDIT_KEY  # the key the copied database's chain was made with
    env.update({f"REGISTRY_{name}": value for name, value in settings.items()})
    port = _free_port()
    # The server's log goes to a file, not a pipe: under load a pipe nobody reads fills up and the
    # workers block writing their access log.
    log_path = tmp_path / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            _request(f"{base}/healthz")
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    try:
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)
    errors = log_path.read_text()
    assert "Unhandled error" not in errors, errors


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    with _serving(tmp_path, database_url, "off") as (base, env):
        yield from _cast(base, env, tmp_path)


def _cast(base: str, env: dict[str, str], tmp_path: Path):
    tokens = {}
    for name, role, scope in (("tj", "zone_admin", ["--zone", "CN-TJ-FTZ"]),
                              ("tjc", "provincial_approver", ["--province", "CN-TJ"]),
                              ("CAC", "national_filer", ["--authority", "CAC"]),
                              ("NDA", "national_filer", ["--authority", "NDA"])):  # fmt: skip
        tokens[name] = _registry("users", "add", name, "--role", role, *scope, cwd=tmp_path, env=env).stdout.split()[-1]
    yield base + "/api/v1/zones/CN-TJ-FTZ/lists", tokens, tmp_path, env


def _at_once(*calls) -> list:
    results: list = [None] * len(calls)
    threads = [threading.Thread(target=lambda n=n, c=c: results.__setitem__(n, c())) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_workers_writing_at_once_never_fail_and_one_publication_wins(server):
    lists, tokens, cwd, env = server
    for n in range(ROUNDS):
        version = f"race-{n}"
        assert _request(lists, tianjin_list(version=version), tokens["tj"])[0] == 201
        assert _request(f"{lists}/{version}/submit", {}, tokens["tj"])[0] == 200
        assert (
            _request(f"{lists}/{version}/approval", {"decision": "approved", "document_no": "x"}, tokens["tjc"])[0]
            == 200
        )
        filings = _at_once(*(
            lambda a=a, v=version: _request(f"{lists}/{v}/filings", {"authority": a, "filing_no": a}, tokens[a])
            for a in ("CAC", "NDA")
        ))  # fmt: skip
        assert sorted(status for status, _ in filings) == [200, 200]
        assert sorted(body["status"] for _, body in filings) == ["approved", "filed"]
        publications = _at_once(*(
            lambda v=version: _request(f"{lists}/{v}/publish", {"effective_from": "2030-01-01"}, tokens["tj"])
            for _ in range(3)
        ))  # fmt: skip
        assert sorted(status for status, _ in publications) == [200, 409, 409]
    verified = _registry("audit", "verify", cwd=cwd, env=env)
    assert verified.returncode == 0 and "intact" in verified.stdout


def test_the_rate_limit_holds_across_workers(tmp_path, database_url):
    """Twelve requests at once, each on its own connection, to four workers: exactly 5 pass.

    (Which worker accepts each connection is the kernel's choice; tests/ops/test_rate_limit_storage.py
    shows the counters are shared between processes whatever it chooses.)
    """
    body = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
            "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                        "important_data": False}}  # fmt: skip
    with _serving(tmp_path, database_url, "5/minute") as (base, _env):
        statuses = [status for status, _ in _at_once(*(lambda: _request(f"{base}/api/v1/checks", body),) * 12)]
    assert sorted(statuses) == [200] * 5 + [429] * 7
