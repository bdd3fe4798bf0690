"""Several processes starting on one empty database at once (serve beside users add) all succeed."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, func, select

from registry.migrate import current_revision, head_revision
from registry.zones.models import Zone

pytestmark = pytest.mark.slow  # starts processes; `pytest -m "not slow"` leaves it out


def test_four_processes_migrate_and_seed_one_empty_database(empty_database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_DATABASE_URL"] = empty_database_url
    env["REGISTRY_SECRET_KEY"] = "k" * 64
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "users", "add", f"admin-{n}", "--role", "admin"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(4)
    ]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in processes]
    failures = [(n, code, err[-3000:]) for n, (code, _out, err) in enumerate(outcomes) if code != 0]
    assert not failures, failures
    assert all(out.strip().splitlines()[-1].startswith("reg_") for _code, out, _err in outcomes)
    engine = create_engine(empty_database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Zone)).scalar() == 23
    engine.dispose()


def _open_at_once(url: str, barrier) -> None:
    from registry.db import make_engine

    barrier.wait()
    with make_engine(url).connect() as connection:  # an error here exits the child with code 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.sqlite_only
def test_processes_opening_a_new_sqlite_file_at_once_all_switch_it_to_wal(tmp_path):
    # Both read the new file, both want the exclusive lock the switch to WAL needs: SQLite answers
    # one "database is locked" at once, busy timeout or not. Each round is a new file; the race
    # is narrow (a few children in 60 rounds hit it before the fix), so it takes many rounds.
    exit_codes = []
    for round_ in range(60):
        exit_codes += _at_once(_open_at_once, f"sqlite:///{tmp_path / f'new-{round_}.sqlite3'}")
    assert exit_codes == [0] * len(exit_codes)


def _at_once(target, argument, children: int = 6) -> list[int]:
    """Run ``target(argument, barrier)`` in forked children that pass the barrier together; their exit codes."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(children)
    started = [context.Process(target=target, args=(argument, barrier)) for _ in range(children)]
    for child in started:
        child.start()
    for child in started:
        child.join(timeout=60)
    return [child.exitcode for child in started]


def _read_key_at_once(instance_path, barrier) -> None:
    from registry.config import settings_from_environment

    barrier.wait()
    settings_from_environment(instance_path)  # a half-written key raises: the child exits with 1


def test_processes_starting_in_a_new_instance_folder_at_once_all_read_whole_keys(tmp_path, monkeypatch):
    # Workers of a fresh install each create or read the instance's keys (secret, session, audit,
    # TOTP). One that read a key file another had created but not yet written refused to start.
    for name in ("REGISTRY_SECRET_KEY", "REGISTRY_SESSION_KEY", "REGISTRY_AUDIT_KEY", "REGISTRY_TOTP_KEY"):
        monkeypatch.delenv(name, raising=False)
    exit_codes, keys = [], set()
    for round_ in range(40):
        instance_path = tmp_path / f"instance-{round_}"
        exit_codes += _at_once(_read_key_at_once, instance_path)
        keys.add((instance_path / "secret_key").read_text())
        assert sorted(p.name for p in instance_path.iterdir() if p.name.startswith(".")) == [], "no draft left"
    assert exit_codes == [0] * len(exit_codes)
    assert len(keys) == 40, "each new folder has its own key"


def test_an_instance_folder_without_hard_links_still_gets_its_keys(tmp_path, monkeypatch):
    # vfat and some network mounts refuse hard links: the key is then created in place.
    from registry.config import settings_from_environment

    def no_hard_links(_source, _target):
        raise PermissionError(1, "Operation not permitted")

    for name in ("REGISTRY_SECRET_KEY", "REGISTRY_SESSION_KEY", "REGISTRY_AUDIT_KEY", "REGISTRY_TOTP_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "link", no_hard_links)
    first = settings_from_environment(tmp_path / "instance")
    again = settings_from_environment(tmp_path / "instance")
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == again["SECRET_KEY"]
    assert [p.name for p in (tmp_path / "instance").iterdir() if p.name.startswith(".")] == []
