"""Settings: defaults, then ``REGISTRY_*`` environment variables, then a test mapping."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 30.0
DEFAULT_RATE_LIMIT = "120/minute"
DEFAULT_MAX_BATCH_DATASETS = 50_000  # datasets one batch check (API and inventory page) may carry
DEFAULT_ANONYMOUS_BATCH_MAX = 100


def _read_or_create_key(instance_path: Path, name: str) -> str:
    """Keep one random key per instance and purpose, so it survives restarts and workers agree."""
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = instance_path / name
    if not key_file.exists():
        # Written whole to a private file, then linked into place: link fails if the key exists, so
        # when several workers start at once one key wins and no one ever reads a half-written file.
        key = secrets.token_hex(32)
        fd, draft = tempfile.mkstemp(prefix=f".{name}.", dir=instance_path)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links (vfat, some network mounts): create it in place
                _create_exclusively(key_file, key)
        finally:
            os.unlink(draft)
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_file} holds no usable key; delete it to generate a new one")
    return key


def _create_exclusively(key_file: Path, key: str) -> None:
    """Write ``key`` to ``key_file`` unless it exists (a worker starting beside may read it half-written)."""
    with contextlib.suppress(FileExistsError):
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)


MIN_KEY_LENGTH = 32


def _secret_key(instance_path: Path) -> str:
    """``REGISTRY_SECRET_KEY`` (at least 32 characters), else the instance's own generated key."""
    key = os.environ.get("REGISTRY_SECRET_KEY")
    if key is None:
        return _read_or_create_key(instance_path, "secret_key")
    if len(key.encode()) < MIN_KEY_LENGTH:
        raise RuntimeError(f"REGISTRY_SECRET_KEY must be at least {MIN_KEY_LENGTH} bytes long")
    return key


def _key_list(value: str | None) -> tuple[str, ...]:
    return tuple(key.strip() for key in (value or "").split(",") if key.strip())


def _trusted_proxies(value: str | None) -> int:
    """``REGISTRY_TRUSTED_PROXIES``: a whole number of proxies, 0 when unset."""
    if not value:
        return 0
    if not value.isdigit() or int(value) > 10:
        raise RuntimeError(f"REGISTRY_TRUSTED_PROXIES must be a number of proxies from 0 to 10, not {value!r}")
    return int(value)


def _switch(name: str, value: str | None) -> bool:
    """An on/off setting: ``on``/``off`` (also true/false, 1/0, yes/no); unset is off."""
    if value is None or not value.strip():
        return False
    text = value.strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise RuntimeError(f"{name} must be on or off, not {value!r}")


def settings_from_environment(instance_path: Path) -> dict[str, Any]:
    """Read the contract's ``REGISTRY_*`` settings, with secure defaults."""
    database_url = os.environ.get("REGISTRY_DATABASE_URL") or (f"sqlite:///{instance_path / 'registry.sqlite3'}")
    max_body = os.environ.get("REGISTRY_MAX_BODY_BYTES")
    body_timeout = os.environ.get("REGISTRY_BODY_TIMEOUT_SECONDS")
    anonymous_batch = os.environ.get("REGISTRY_ANONYMOUS_BATCH_MAX")
    hsts = os.environ.get("REGISTRY_HSTS_SECONDS")
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": _secret_key(instance_path),
        # Earlier receipt keys, comma-separated: receipts they signed still verify while listed.
        "RETIRED_SECRET_KEYS": _key_list(os.environ.get("REGISTRY_RETIRED_SECRET_KEYS")),
        # Signs the pages' session cookies and CSRF tokens; never receipts.
        "SESSION_KEY": os.environ.get("REGISTRY_SESSION_KEY") or _read_or_create_key(instance_path, "session_key"),
        # Keys the audit trail's hash chain; kept out of the database so that write access to the
        # database alone cannot recompute the chain after an edit.
        "AUDIT_KEY": os.environ.get("REGISTRY_AUDIT_KEY") or _read_or_create_key(instance_path, "audit_key"),
        # Encrypts the accounts' TOTP secrets (two-factor sign-in); kept out of the database, so that a
        # copy of the database alone cannot produce anyone's codes.
        "TOTP_KEY": os.environ.get("REGISTRY_TOTP_KEY") or _read_or_create_key(instance_path, "totp_key"),
        # on: every staff account signs in with a TOTP code, and enrols at its next sign-in if it has none.
        "REQUIRE_2FA": _switch("REGISTRY_REQUIRE_2FA", os.environ.get("REGISTRY_REQUIRE_2FA")),
        "RATE_LIMIT": os.environ.get("REGISTRY_RATE_LIMIT", DEFAULT_RATE_LIMIT),
        # A Flask-Limiter storage URI shared by every host (redis://host:6379/0); unset, the counters
        # live in a SQLite file in the instance folder, shared by the workers of one host.
        "RATE_LIMIT_STORAGE": os.environ.get("REGISTRY_RATE_LIMIT_STORAGE") or None,
        # Addresses or networks that may read /metrics (comma-separated); loopback when unset.
        "METRICS_ALLOW": os.environ.get("REGISTRY_METRICS_ALLOW") or None,
        # How many reverse proxies in front of the app to trust for X-Forwarded-For/-Proto (0: none).
        "TRUSTED_PROXIES": _trusted_proxies(os.environ.get("REGISTRY_TRUSTED_PROXIES")),
        "MAX_CONTENT_LENGTH": int(max_body) if max_body else DEFAULT_MAX_BODY_BYTES,
        # How long a body sent in chunks may take to arrive (registry.bodylimit).
        "BODY_TIMEOUT_SECONDS": float(body_timeout) if body_timeout else DEFAULT_BODY_TIMEOUT_SECONDS,
        "MAX_BATCH_DATASETS": DEFAULT_MAX_BATCH_DATASETS,
        # Datasets in one anonymous batch or inventory upload (signed-in callers: MAX_BATCH_DATASETS).
        "ANONYMOUS_BATCH_MAX_DATASETS": int(anonymous_batch) if anonymous_batch else DEFAULT_ANONYMOUS_BATCH_MAX,
        # Strict-Transport-Security max-age sent on requests that arrived over TLS; 0: not sent.
        "HSTS_SECONDS": int(hsts) if hsts else 0,
    }
