"""Settings: defaults, then ``REGISTRY_*`` environment variables, then a test mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 30.0
DEFAULT_RATE_LIMIT = "120/minute"
DEFAULT_ANONYMOUS_BATCH_MAX = 100


def _read_or_create_secret_key(instance_path: Path) -> str:
    """Keep one random signing key per instance so receipts survive restarts and workers agree."""
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        # O_EXCL: when several workers start at once only one writes the key; the rest read it.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_file} holds no usable key; delete it to generate a new one")
    return key


def settings_from_environment(instance_path: Path) -> dict[str, Any]:
    """Read the contract's ``REGISTRY_*`` settings, with secure defaults."""
    database_url = os.environ.get("REGISTRY_DATABASE_URL") or (f"sqlite:///{instance_path / 'registry.sqlite3'}")
    max_body = os.environ.get("REGISTRY_MAX_BODY_BYTES")
    body_timeout = os.environ.get("REGISTRY_BODY_TIMEOUT_SECONDS")
    anonymous_batch = os.environ.get("REGISTRY_ANONYMOUS_BATCH_MAX")
    hsts = os.environ.get("REGISTRY_HSTS_SECONDS")
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("REGISTRY_SECRET_KEY") or _read_or_create_secret_key(instance_path),
        "RATE_LIMIT": os.environ.get("REGISTRY_RATE_LIMIT", DEFAULT_RATE_LIMIT),
        "MAX_CONTENT_LENGTH": int(max_body) if max_body else DEFAULT_MAX_BODY_BYTES,
        # How long a body sent in chunks may take to arrive (registry.bodylimit).
        "BODY_TIMEOUT_SECONDS": float(body_timeout) if body_timeout else DEFAULT_BODY_TIMEOUT_SECONDS,
        # Datasets in one anonymous batch or inventory upload (signed-in callers: MAX_BATCH_DATASETS).
        "ANONYMOUS_BATCH_MAX_DATASETS": int(anonymous_batch) if anonymous_batch else DEFAULT_ANONYMOUS_BATCH_MAX,
        # Strict-Transport-Security max-age sent on requests that arrived over TLS; 0: not sent.
        "HSTS_SECONDS": int(hsts) if hsts else 0,
    }
