"""Rate limiting of anonymous checks (Flask-Limiter; ``REGISTRY_RATE_LIMIT``, ``off`` disables)."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Counts live in each worker process's memory: the limit is per client and per worker.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)


def anonymous_check_limit() -> str:
    """The configured limit, e.g. ``120/minute``."""
    return current_app.config["RATE_LIMIT"]


def signed_in() -> bool:
    """Accounts are not rate limited: the limit protects the public checks from anonymous floods."""
    return g.get("account") is not None


def init_app(app: Flask) -> None:
    """Attach the limiter; ``RATE_LIMIT = "off"`` disables it."""
    app.config["RATELIMIT_ENABLED"] = str(app.config.get("RATE_LIMIT", "")).lower() != "off"
    limiter.init_app(app)
