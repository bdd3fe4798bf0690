"""Sessions of the pages, held on the server: begun at sign-in, ended at sign-out or deactivation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, select

from registry.accounts.models import Account, WebSession
from registry.clock import utcnow

# However active, a session ends this long after sign-in (idle sessions end sooner: registry.web.auth).
SESSION_ABSOLUTE_SECONDS = 12 * 3600


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Session, account: Account) -> str:
    """Begin a session for ``account``; return its id (for the signed cookie; stored only hashed)."""
    session_id = secrets.token_urlsafe(32)
    db.add(WebSession(account_id=account.id, id_hash=_hash(session_id), started_at=utcnow()))
    return session_id


def _session_row(db: Session, session_id: str) -> WebSession | None:
    return db.exec(select(WebSession).where(WebSession.id_hash == _hash(session_id))).first()


def session_account(db: Session, session_id: str) -> Account | None:
    """Return the active account of a session that has not ended and is not too old, else None."""
    row = _session_row(db, session_id)
    if row is None or row.ended_at is not None:
        return None
    if utcnow().replace(tzinfo=None) - row.started_at.replace(tzinfo=None) > timedelta(
        seconds=SESSION_ABSOLUTE_SECONDS
    ):
        return None
    account = db.get(Account, row.account_id)
    return account if account is not None and account.active else None


def end_session(db: Session, session_id: str) -> None:
    """End one session (signing out): its cookie, replayed, no longer signs anyone in."""
    row = _session_row(db, session_id)
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def end_sessions_of(db: Session, account: Account) -> int:
    """End every open session of ``account``; return how many were open."""
    rows = db.exec(select(WebSession).where(WebSession.account_id == account.id, WebSession.ended_at.is_(None)))
    ended = 0
    for row in rows:
        row.ended_at = utcnow()
        ended += 1
    return ended
