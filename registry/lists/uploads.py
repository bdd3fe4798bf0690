"""Spreadsheets held after a failed import, so the import page keeps the chosen file.

The page carries a random token; only its SHA-256 is stored, and a held file is found only for the
account that uploaded it, within :data:`HOLD_SECONDS`. Holding is no change to the registry's
record (nothing is drafted), so it is not audited; the import that later succeeds is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from registry.accounts.models import Account
from registry.clock import utcnow
from registry.lists.models import HeldUpload

HOLD_SECONDS = 3600


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expired_before():
    return utcnow() - timedelta(seconds=HOLD_SECONDS)


def hold_upload(session: Session, account: Account, filename: str, data: bytes) -> str:
    """Keep ``data`` for ``account``; return the token that finds it again (files held too long go)."""
    session.exec(delete(HeldUpload).where(HeldUpload.held_at < _expired_before()))
    token = secrets.token_urlsafe(24)
    session.add(
        HeldUpload(token_hash=_hash(token), account_id=account.id, filename=filename[:255], data=data, held_at=utcnow())
    )
    return token


def held_upload(session: Session, account: Account, token: str) -> HeldUpload | None:
    """The file ``account`` uploaded under ``token``, if still held."""
    if not token or len(token) > 64:
        return None
    return session.exec(
        select(HeldUpload).where(
            HeldUpload.token_hash == _hash(token),
            HeldUpload.account_id == account.id,
            HeldUpload.held_at >= _expired_before(),
        )
    ).first()


def release_upload(session: Session, held: HeldUpload) -> None:
    """Drop a held file (its import succeeded, or another file replaced it)."""
    session.delete(held)
