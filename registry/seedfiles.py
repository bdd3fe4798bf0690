"""Where the seed files are: ``seeds/`` in a checkout, ``registry._seeds`` once installed."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT_SEEDS = _PACKAGE.parent / "seeds"
_INSTALLED_SEEDS = _PACKAGE / "_seeds"  # where pyproject.toml's package-dir puts seeds/ on install


def seeds_dir() -> Path:
    """Return the folder holding the seed files: the checkout's ``seeds/``, else the installed copy."""
    if _CHECKOUT_SEEDS.is_dir() and (_CHECKOUT_SEEDS / "zones.json").exists():
        return _CHECKOUT_SEEDS
    return _INSTALLED_SEEDS


@cache
def read_seed_json(relative_path: str) -> Any:
    """Parse one seed file, e.g. ``read_seed_json("articles.json")``; cached, seeds are read-only."""
    with (seeds_dir() / relative_path).open(encoding="utf-8") as handle:
        return json.load(handle)
