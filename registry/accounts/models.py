"""Accounts, their one role and scope, and their API tokens (kept only as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    """A person or system acting in one role within one scope."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=32)
    zone_code: str | None = Field(default=None, foreign_key="zone.code", max_length=16)
    province: str | None = Field(default=None, max_length=8)
    authority: str | None = Field(default=None, max_length=8)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    created_at: datetime
    # Two-factor sign-in (registry.accounts.totp): the TOTP secret, encrypted under the instance's
    # TOTP key (never stored in clear); set but not enabled while enrolment awaits its first code.
    totp_secret: str | None = Field(default=None, max_length=255)
    totp_enabled_at: datetime | None = None
    # The last time step whose code signed in: a code is accepted once, never replayed.
    totp_last_step: int | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in session of the pages, held on the server so that signing out really ends it.

    The cookie carries a random id; only its SHA-256 is stored. A session ends when its person
    signs out, when the account is deactivated or its password changes, and at the latest
    ``SESSION_ABSOLUTE_SECONDS`` after it began, however busy it was.
    """

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    id_hash: str = Field(max_length=64, unique=True)
    started_at: datetime
    ended_at: datetime | None = None
