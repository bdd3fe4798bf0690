"""`registry serve` holds under slow and idle clients, sends safe headers, logs no secrets and keeps
its files private.

A security review stopped `/healthz` for 45 s with eight connections trickling a declared 100 kB
body at a byte per 5 s, for 30 s with 2,500 idle connections, and with slow headers. Here a smaller
version of each (bounded, loopback only) runs while `/healthz` must keep answering within a second.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.ops.test_cli import _registry
from tests.ops.test_concurrency import _free_port

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 3


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`registry serve --workers 1` on a fresh SQLite database in ./instance; yields (port, folder, log, env)."""
    folder = tmp_path_factory.mktemp("served-abuse")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {"REGISTRY_RATE_LIMIT": "10000/minute", "REGISTRY_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT)}
    port = _free_port()
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), "--workers", "1"],
            cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if _get(port, "/healthz")[0] == 200:
                        break
                time.sleep(0.2)
            yield port, folder, log, env
        finally:
            process.terminate()
            process.wait(timeout=30)


def _get(port: int, path: str, timeout: float = 5) -> tuple[int, http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def _healthz_latency(port: int) -> float:
    started = time.monotonic()
    status, _response, _body = _get(port, "/healthz", timeout=5)
    assert status == 200
    return time.monotonic() - started


def test_healthz_answers_while_clients_trickle_bodies_idle_and_send_slow_headers(served):
    port, _folder, _log, _env = served
    sockets: list[socket.socket] = []
    try:
        for _ in range(8):  # a declared 100 kB body, sent a byte at a time
            trickler = socket.create_connection(("127.0.0.1", port))
            trickler.sendall(
                b"POST /api/v1/checks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n{"
            )
            sockets.append(trickler)
        slow_headers = []
        for _ in range(8):
            slow = socket.create_connection(("127.0.0.1", port))
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            slow_headers.append(slow)
        sockets += slow_headers
        for _ in range(300):  # idle: connected, sending nothing
            sockets.append(socket.create_connection(("127.0.0.1", port)))
        worst = 0.0
        started = time.monotonic()
        while time.monotonic() - started < BODY_TIMEOUT + 1.5:
            for trickler in sockets[:8]:
                with contextlib.suppress(OSError):
                    trickler.send(b" ")
            worst = max(worst, _healthz_latency(port))
            time.sleep(0.25)
        assert worst < 1.0
        # The trickled bodies were refused once the body timeout passed, though bytes kept coming.
        for trickler in sockets[:8]:
            trickler.settimeout(1)
            assert trickler.recv(200).startswith(b"HTTP/1.1 408"), "a trickled body was not cut off"
        # Headers that never end: the connection is closed after the header timeout (5 s).
        for slow in slow_headers:
            slow.settimeout(10)
            assert slow.recv(100) == b""
    finally:
        for sock in sockets:
            sock.close()


def test_no_banner_no_framing_no_sniffing(served):
    port, _folder, _log, _env = served
    for path in ("/api/v1/docs", "/api/v1/zones", "/api/v1/openapi.json", "/"):
        status, response, _body = _get(port, path)
        assert status == 200, path
        assert response.getheader("Server") is None, path
        assert response.getheader("X-Frame-Options") == "DENY", path
        assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy", ""), path
        assert response.getheader("X-Content-Type-Options") == "nosniff", path


def test_the_access_log_leaves_out_secret_query_values(served):
    port, _folder, log, _env = served
    _get(port, "/verify?receipt=SECRET-RECEIPT-VALUE&lang=en")
    _get(port, "/api/v1/zones?token=SECRET-TOKEN-VALUE")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(
        "GET", "/check", headers={"Referer": f"http://127.0.0.1:{port}/verify?receipt=SECRET-IN-REFERER"}
    )
    connection.getresponse().read()
    connection.close()
    time.sleep(0.5)
    text = log.read_text()
    assert "receipt=[redacted]&lang=en" in text
    assert "SECRET-RECEIPT-VALUE" not in text and "SECRET-TOKEN-VALUE" not in text
    assert "SECRET-IN-REFERER" not in text and "/verify?receipt=[redacted]" in text
    # One JSON object a request, with the id the answer carried.
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    verify = next(record for record in records if record["path"] == "/verify")
    assert verify["query"] == "receipt=[redacted]&lang=en" and verify["status"] == 200
    assert re.fullmatch(r"[0-9a-f]{32}", verify["request_id"])


def test_the_instance_folder_and_its_files_are_private(served):
    port, folder, _log, _env = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/checks", body=b"{}", headers={"Content-Type": "application/json"})
    assert connection.getresponse().status == 422  # counted against the limit: the counter file exists
    connection.close()
    instance = folder / "instance"
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in Path(instance).iterdir() if path.is_file()}
    assert {"registry.sqlite3", "ratelimits.sqlite3", "secret_key"} <= set(files), files
    assert "registry.sqlite3-wal" in files, files
    assert all(mode == 0o600 for mode in files.values()), files


def test_a_large_signed_in_batch_leaves_healthz_answering_on_the_same_worker(served):
    port, folder, _log, env = served
    token = _registry("users", "add", "acme-tool", "--role", "admin", cwd=folder, env=env).stdout.split()[-1]
    dataset = {"categories": ["AUTO.VEH"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
               "important_data": False}  # fmt: skip
    body = json.dumps({"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
                       "datasets": [dataset] * 10_000}).encode()  # fmt: skip
    latencies: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            latencies.append(_healthz_latency(port))
            time.sleep(0.1)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection.request("POST", "/api/v1/checks/batch", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200
        assert len(json.loads(response.read())["results"]) == 10_000
        connection.close()
    finally:
        done.set()
        prober.join()
    assert len(latencies) > 3 and max(latencies) < 1.0, latencies  # one worker: the batch yields between datasets
