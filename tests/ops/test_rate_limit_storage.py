"""The rate-limit counters are one store for every worker process (registry.ratelimit_storage)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from registry.ratelimit_storage import SqliteFileStorage


def _count_up(path: str, times: int) -> int:
    storage = SqliteFileStorage(f"registry+sqlite://{path}")
    last = 0
    for _ in range(times):
        last = storage.incr("checks/127.0.0.1", expiry=60)
    return last


@pytest.mark.slow  # starts processes
def test_four_processes_share_one_count(tmp_path: Path):
    path = str(tmp_path / "ratelimits.sqlite3")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        lasts = pool.starmap(_count_up, [(path, 25)] * 4)
    assert SqliteFileStorage(f"registry+sqlite://{path}").get("checks/127.0.0.1") == 100
    assert max(lasts) == 100, "every increment was seen by every process"


def test_a_window_expires_and_keys_are_separate(tmp_path: Path):
    storage = SqliteFileStorage(f"registry+sqlite://{tmp_path / 'r.sqlite3'}")
    assert storage.incr("a", expiry=1) == 1 and storage.incr("a", expiry=1) == 2
    assert storage.incr("b", expiry=60) == 1
    assert storage.get_expiry("a") > time.time()
    time.sleep(1.1)
    assert storage.get("a") == 0, "the window ended"
    assert storage.incr("a", expiry=1) == 1, "a new window starts from one"
    storage.clear("b")
    assert storage.get("b") == 0 and storage.check()
    assert storage.reset() >= 1 and storage.get("a") == 0
