"""Faults a production registry meets: PostgreSQL restarted under load, a worker killed mid-batch,
a database file that cannot be written. Requests fail fast with a 503 problem, nothing is
half-written, and the service recovers by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from registry.cli import prepare_database
from tests.conftest import TEST_AUDIT_KEY
from tests.factories import tianjin_list
from tests.ops.test_cli import _registry, _request
from tests.ops.test_concurrency import _serving
from tests.web.conftest import PASSWORD, add_people, post_form

pytestmark = pytest.mark.slow

CHECK = {
    "zone": "CN-TJ-FTZ",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _post(url: str, body: dict, token: str | None = None, timeout: float = 30) -> tuple[int, dict, dict]:
    """POST JSON; return (status, body, headers) whatever the status."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _json(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read()), dict(error.headers)


def _json(data: bytes) -> dict:
    """The body as JSON, or what it was (so a test can say what came instead of a problem)."""
    try:
        return json.loads(data or b"{}")
    except ValueError:
        return {"not_json": data[:200].decode("utf-8", "replace")}


def test_postgresql_restarted_under_load_fails_fast_with_503_and_recovers(tmp_path, own_postgres):
    outcomes: list[tuple[float, int]] = []
    stop = threading.Event()

    with _serving(tmp_path, own_postgres.url, "off", workers=2) as (base, _env):
        assert _post(f"{base}/api/v1/checks", CHECK)[0] == 200

        def load() -> None:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = _post(f"{base}/api/v1/checks", CHECK, timeout=30)[0]
                except (urllib.error.URLError, ConnectionError):
                    status = -1
                outcomes.append((time.monotonic() - started, status))

        threads = [threading.Thread(target=load) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        own_postgres.stop()
        time.sleep(2)
        status, problem, headers = _post(f"{base}/api/v1/checks", CHECK)
        assert status == 503, problem
        assert problem["status"] == 503 and "database" in problem["detail"]
        assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"]
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as healthz:
            assert healthz.status == 200, "the process itself stays up"
        own_postgres.start()
        deadline = time.monotonic() + 30
        while _post(f"{base}/api/v1/checks", CHECK)[0] != 200:
            assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
            time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
    statuses = {status for _, status in outcomes}
    assert statuses <= {200, 503}, f"only answers or 503 problems while the database restarts: {statuses}"
    assert 503 in statuses
    assert max(seconds for seconds, status in outcomes if status == 503) < 10, "503s come fast"


def test_the_first_checks_after_postgresql_restarts_answer_on_fresh_connections(tmp_path, own_postgres, make_app):
    # A check takes its pooled connection unpinged and finds it dropped by its one statement; it
    # reads again on a pinged connection instead of answering 503 (registry.db._ping_on_checkout).
    app = make_app(DATABASE_URL=own_postgres.url)
    prepare_database(app)
    client = app.test_client()
    pooled = [client.post("/api/v1/checks", json=CHECK) for _ in range(3)]
    assert [response.status_code for response in pooled] == [200] * 3
    own_postgres.stop()
    own_postgres.start()
    after = [client.post("/api/v1/checks", json=CHECK) for _ in range(3)]
    assert [response.status_code for response in after] == [200] * 3, after[0].get_json()
    assert after[0].get_json()["outcome"] == pooled[0].get_json()["outcome"]


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


@contextmanager
def _served_with_master(tmp_path: Path, database_url: str) -> Iterator[tuple[str, dict[str, str], int]]:
    with _serving(tmp_path, database_url, "off", workers=2) as (base, env):
        port = base.rsplit(":", 1)[1]
        found = subprocess.run(["pgrep", "-f", "--", f"--port {port}"], capture_output=True, text=True)
        masters = [int(pid) for pid in found.stdout.split() if _children(int(pid))]
        assert masters, "the serving process was not found"
        yield base, env, masters[0]


def test_a_worker_killed_mid_batch_leaves_the_others_serving_and_nothing_half_written(tmp_path, database_url):
    with _served_with_master(tmp_path, database_url) as (base, env, master):
        tokens = {}
        tokens["tj"] = _registry("users", "add", "tj", "--role", "zone_admin", "--zone", "CN-TJ-FTZ",
                                 cwd=tmp_path, env=env).stdout.split()[-1]  # fmt: skip
        lists = f"{base}/api/v1/zones/CN-TJ-FTZ/lists"
        batch = {**{k: CHECK[k] for k in ("zone", "processor")},
                 "datasets": [{**CHECK["dataset"], "personal_info_subjects": 0} for _ in range(5000)]}  # fmt: skip
        created: list[str] = []
        failures: list[str] = []

        def write(n: int) -> None:
            try:
                status = _post(lists, tianjin_list(version=f"kill-{n}"), tokens["tj"])[0]
            except (urllib.error.URLError, ConnectionError):
                return  # the killed worker's connection: the draft was written whole, or not at all
            if status == 201:
                created.append(f"kill-{n}")
            elif status != 503:
                failures.append(f"kill-{n}: {status}")

        def batches() -> None:
            for _ in range(3):
                with suppress(urllib.error.URLError, ConnectionError):
                    _post(f"{base}/api/v1/checks/batch", batch, timeout=60)

        threads = [threading.Thread(target=batches)] + [threading.Thread(target=write, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        victims = _children(master)
        os.kill(victims[0], signal.SIGKILL)
        for thread in threads:
            thread.join()
        assert not failures, failures
        # The master replaces the worker; the service answers on.
        deadline = time.monotonic() + 30
        while len(_children(master)) < 2:
            assert time.monotonic() < deadline, "the killed worker was not replaced"
            time.sleep(0.2)
        for _ in range(6):
            assert _post(f"{base}/api/v1/checks", CHECK)[0] == 200
        # Nothing lost, nothing half-written: every draft answered 201 is there whole.
        for version in created:
            status, body = _request(f"{lists}/{version}", token=tokens["tj"])
            assert status == 200 and len(body["items"]) == len(tianjin_list()["items"]), version
        verified = _registry("audit", "verify", cwd=tmp_path, env={**env, "REGISTRY_AUDIT_KEY": TEST_AUDIT_KEY})
        assert verified.returncode == 0, verified.stderr


@pytest.mark.sqlite_only
def test_a_read_only_database_file_is_a_clear_503_and_stays_intact(tmp_path, database_url, make_app):
    path = database_url.removeprefix("sqlite:///")
    reader = make_app(DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    client = reader.test_client()
    assert client.post("/api/v1/checks", json=CHECK).status_code == 200, "reads still work"
    token = None
    writer = make_app()
    from registry.accounts.services import create_account
    from registry.db import get_session, writing

    with writer.app_context(), writing():
        _account, token = create_account(get_session(), "tj", "zone_admin", zone="CN-TJ-FTZ")
        get_session().commit()
    refused = client.post("/api/v1/zones/CN-TJ-FTZ/lists", json=tianjin_list(version="ro"),
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert refused.status_code == 503
    assert refused.content_type == "application/problem+json" and "nothing was changed" in refused.get_json()["detail"]
    page = client.get("/zones/CN-TJ-FTZ")
    assert page.status_code == 200
    add_people(writer, "tianjin-admin")
    signing_in = post_form(client, "/sign-in", {"name": "tianjin-admin", "password": PASSWORD})
    assert signing_in.status_code == 503 and signing_in.headers["Retry-After"]
    assert "数据库暂时无法访问，未作任何更改" in signing_in.get_data(as_text=True)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert connection.execute(text("SELECT count(*) FROM list_version WHERE version = 'ro'")).scalar() == 0
    engine.dispose()


@pytest.mark.sqlite_only
def test_a_full_database_file_is_a_clear_503_and_stays_intact(database_url, make_app, make_account):
    """The file may not grow (as on a full disk: SQLite answers SQLITE_FULL): a write is refused
    whole with a 503 problem, reads go on, and the file is intact."""
    from sqlalchemy import event

    from registry.db import get_engine

    token = make_account("tj", "zone_admin", zone="CN-TJ-FTZ")
    app = make_app("full")
    engine = get_engine(app)
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _no_room_to_grow(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    client = app.test_client()
    big = tianjin_list(version="full")
    big["items"] = [{**big["items"][0], "code": f"AUTO-{n:04d}", "description": "数据" * 400} for n in range(400)]
    refused = client.post("/api/v1/zones/CN-TJ-FTZ/lists", json=big, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 503, refused.get_json()
    assert refused.content_type == "application/problem+json" and refused.headers["Retry-After"]
    assert client.post("/api/v1/checks", json=CHECK).status_code == 200, "reads still work"
    engine.dispose()
    checker = create_engine(database_url)
    with checker.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert connection.execute(text("SELECT count(*) FROM list_version WHERE version = 'full'")).scalar() == 0
    checker.dispose()
