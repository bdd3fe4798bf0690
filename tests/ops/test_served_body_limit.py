"""The body limit holds for bodies sent in chunks (no Content-Length), through `registry serve`.

A compliance tool streaming a CSV inventory sends it chunked; over the limit it must hear 413,
not a misleading 400, and never a batch silently cut short.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.factories import tianjin_list
from tests.ops.test_cli import _registry
from tests.ops.test_concurrency import _serving

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out

LIMIT = 3000
BODY_TIMEOUT = 2
CSV_HEADER = "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data\n"


@pytest.fixture
def served(tmp_path, database_url):
    settings = {"MAX_BODY_BYTES": str(LIMIT), "BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT)}
    with _serving(tmp_path, database_url, "off", workers=1, **settings) as (base, env):
        token = _registry(
            "users", "add", "tj", "--role", "zone_admin", "--zone", "CN-TJ-FTZ", cwd=tmp_path, env=env
        ).stdout.split()[-1]
        yield base, token


def _send_chunked(base: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """POST ``body`` in 500-byte chunks with Transfer-Encoding: chunked and no Content-Length."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        chunks = (body[i : i + 500] for i in range(0, len(body), 500))
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def _inventory(rows: int) -> bytes:
    lines = [f"row{n},AUTO.PARTS,0,0,false\n" for n in range(rows)]
    return (CSV_HEADER + "".join(lines)).encode()


BATCH = "/api/v1/checks/batch?zone=CN-TJ-FTZ&in_zone=true&ciio=false"


def test_a_chunked_csv_batch_over_the_limit_is_413_never_cut_short(served):
    base, _token = served
    body = _inventory(200)
    assert len(body) > LIMIT
    status, content_type, answer = _send_chunked(
        base, BATCH, body, {"Content-Type": "text/csv", "Accept": "application/json"}
    )
    assert status == 413, answer
    assert content_type.startswith("application/problem+json")
    assert json.loads(answer)["status"] == 413


def test_a_chunked_csv_batch_under_the_limit_is_checked_whole(served):
    base, _token = served
    body = _inventory(40)
    assert len(body) < LIMIT
    status, _type, answer = _send_chunked(base, BATCH, body, {"Content-Type": "text/csv", "Accept": "application/json"})
    assert status == 200, answer
    results = json.loads(answer)["results"]
    assert len(results) == 40
    assert "invalid" not in {r["outcome"] for r in results}  # every row whole: none cut short


def test_a_chunked_json_check_over_the_limit_is_413(served):
    base, _token = served
    check = {
        "zone": "CN-TJ-FTZ",
        "processor": {"in_zone": True, "ciio": False},
        "dataset": {
            "categories": ["AUTO.PARTS"] * 300,
            "personal_info_subjects": 0,
            "sensitive_pi_subjects": 0,
            "important_data": False,
        },
    }
    body = json.dumps(check).encode()
    assert len(body) > LIMIT
    status, content_type, answer = _send_chunked(base, "/api/v1/checks", body, {"Content-Type": "application/json"})
    assert status == 413, answer
    assert content_type.startswith("application/problem+json")


def test_a_chunked_draft_over_the_limit_is_413_and_creates_nothing(served):
    base, token = served
    body = json.dumps(tianjin_list(version="chunked-big", title="清单" * 1000)).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    status, _type, answer = _send_chunked(base, "/api/v1/zones/CN-TJ-FTZ/lists", body, headers)
    assert status == 413, answer
    small = json.dumps(tianjin_list(version="chunked-small", categories=[], scope=[], items=[], attributes=[]))
    status, _type, answer = _send_chunked(base, "/api/v1/zones/CN-TJ-FTZ/lists", small.encode(), headers)
    assert status == 201, answer
    listing = _send_get(base, "/api/v1/zones/CN-TJ-FTZ/lists", token)
    assert [v["version"] for v in listing if v["version"].startswith("chunked")] == ["chunked-small"]


def _send_get(base: str, path: str, token: str):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def _stall(base: str, method: str, path: str, first_bytes: bytes = b"") -> socket.socket:
    """Open a connection that announces a chunked body, sends ``first_bytes`` of it, then nothing."""
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {parts.hostname}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    sock.sendall(head.encode() + first_bytes)
    return sock


def _healthz_answers(base: str) -> bool:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


def test_a_client_that_stops_sending_holds_no_worker_for_good(served):
    # More stalled clients than the single worker has threads: none may keep the server from answering.
    base, _token = served
    stalled = [_stall(base, "GET", "/healthz"), _stall(base, "HEAD", "/api/v1/zones")]
    stalled += [_stall(base, "POST", "/api/v1/checks", b'5\r\n{"zon\r\n') for _ in range(3)]
    try:
        started = time.monotonic()
        assert _healthz_answers(base)
        # The stalled body is refused once its time is up: 408, as a problem.
        answer = stalled[2].recv(65536).decode("utf-8", "replace")
        assert answer.startswith("HTTP/1.1 408"), answer[:200]
        assert "application/problem+json" in answer
        assert time.monotonic() - started < BODY_TIMEOUT + 20
    finally:
        for sock in stalled:
            sock.close()
