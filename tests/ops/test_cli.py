"""The ``registry`` command as a newcomer and the contract tests use it: a real server process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEST_AUDIT_KEY
from tests.factories import tianjin_list

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _registry(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    if not database_url.startswith("sqlite"):
        env["REGISTRY_DATABASE_URL"] = database_url
        env["REGISTRY_AUDIT_KEY"] = TEST_AUDIT_KEY  # the key the copied database's chain was made with
    return env


def test_users_add_prints_the_token_last_and_stores_only_its_hash(tmp_path, cli_env):
    result = _registry(
        "users",
        "add",
        "tj-admin",
        "--role",
        "zone_admin",
        "--zone",
        "CN-TJ-FTZ",
        cwd=tmp_path,
        env=cli_env,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("reg_") and len(token) >= 40
    if "REGISTRY_DATABASE_URL" not in cli_env:
        database = (tmp_path / "instance" / "registry.sqlite3").read_bytes()
        assert token.encode() not in database, "the token itself is never stored"
    missing_scope = _registry("users", "add", "x", "--role", "zone_admin", cwd=tmp_path, env=cli_env)
    assert missing_scope.returncode != 0 and "zone" in missing_scope.stderr
    unknown_zone = _registry(
        "users",
        "add",
        "y",
        "--role",
        "zone_admin",
        "--zone",
        "CN-XX-FTZ",
        cwd=tmp_path,
        env=cli_env,
    )
    assert unknown_zone.returncode != 0 and "Unknown zone" in unknown_zone.stderr


def test_serve_migrates_seeds_and_answers_with_workers(tmp_path, cli_env):
    """`registry serve` on an empty database: tables, 23 zones, and a working API."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                status, body = _request(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("the server did not come up")
        assert status == 200 and body == {"status": "ok"}
        status, zones = _request(f"{base}/api/v1/zones")
        assert status == 200 and len(zones) == 23
        assert {z["code"] for z in zones} >= {"CN-TJ-FTZ", "CN-BJ-FTZ", "CN-SH-FTZ", "CN-HI-FTP"}

        added = _registry(
            "users",
            "add",
            "tj",
            "--role",
            "zone_admin",
            "--zone",
            "CN-TJ-FTZ",
            cwd=tmp_path,
            env=cli_env,
        )
        token = added.stdout.strip().splitlines()[-1]
        status, versions = _request(f"{base}/api/v1/zones/CN-TJ-FTZ/lists")
        assert status == 200 and [v["status"] for v in versions] == ["published"], "the list of record"
        status, created = _request(f"{base}/api/v1/zones/CN-TJ-FTZ/lists", tianjin_list(version="next"), token)
        assert status == 201 and created["status"] == "draft"
        status, problem = _request(f"{base}/api/v1/zones/CN-TJ-FTZ/lists", tianjin_list(), "reg_wrong")
        assert status == 401 and problem["status"] == 401
        assert (tmp_path / "instance" / "secret_key").exists(), "a generated key, kept in the instance folder"
    finally:
        server.terminate()
        server.wait(timeout=30)
