"""Where the seed files are: ``seeds/`` in a checkout, ``registry._seeds`` once installed."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_CHECKOUT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seeds_dir() -> Path:
    """Return the folder holding the seed files (the checkout's ``seeds/`` first)."""
    if _CHECKOUT_SEEDS.is_dir():
        return _CHECKOUT_SEEDS
    return Path(str(resources.files("registry._seeds")))


@cache
def read_seed_json(relative_path: str) -> Any:
    """Parse one seed file, e.g. ``read_seed_json("articles.json")``; cached, seeds are read-only."""
    with (seeds_dir() / relative_path).open(encoding="utf-8") as handle:
        return json.load(handle)
