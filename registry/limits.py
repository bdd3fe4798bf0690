"""Rate limiting of anonymous checks (Flask-Limiter; ``REGISTRY_RATE_LIMIT``, ``off`` disables)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Counters live in a SQLite file in the instance folder (registry.ratelimit_storage), shared by all
# worker processes, so a client gets the configured limit once, not once per worker.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def anonymous_check_limit() -> str:
    """The configured limit, e.g. ``120/minute``."""
    return current_app.config["RATE_LIMIT"]


def signed_in() -> bool:
    """Accounts are not rate limited: the limit protects the public checks from anonymous floods."""
    return g.get("account") is not None


def init_app(app: Flask) -> None:
    """Attach the limiter; ``RATE_LIMIT = "off"`` disables it."""
    import registry.ratelimit_storage  # noqa: F401  (registers the registry+sqlite:// scheme)

    app.config["RATELIMIT_ENABLED"] = str(app.config.get("RATE_LIMIT", "")).lower() != "off"
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", f"registry+sqlite://{Path(app.instance_path) / 'ratelimits.sqlite3'}"
    )
    limiter.init_app(app)
