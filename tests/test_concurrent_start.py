"""Several processes starting on one empty database at once (serve beside users add) all succeed."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import create_engine, func, select

from registry.migrate import current_revision, head_revision
from registry.zones.models import Zone


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
