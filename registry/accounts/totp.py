"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238: 6 digits every 30 seconds).

An account enrols by scanning a QR code (drawn here as SVG, nothing fetched from elsewhere) and
typing its first code; only then is two-factor sign-in on. The secret is stored encrypted
(AES-GCM under the instance's ``TOTP_KEY``, bound to the account's id), so the database alone
does not yield anyone's codes. A code is accepted once: the step it belongs to is remembered.
Every change is audited.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlmodel import Session

from registry.accounts.models import Account
from registry.audit.services import SYSTEM, Actor, record_event
from registry.clock import utcnow

ISSUER = "Registry"
_VERSION = "v1:"  # the stored form's version, in case the scheme ever changes
STEP_SECONDS = 30


def _cipher() -> AESGCM:
    # Any length of configured key, stretched to the 256 bits AES-GCM takes.
    return AESGCM(hashlib.sha256(current_app.config["TOTP_KEY"].encode()).digest())


def _bound_to(account: Account) -> bytes:
    return f"totp:{account.id}".encode()


def _seal(account: Account, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, secret.encode(), _bound_to(account))
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(account: Account) -> str | None:
    """The account's secret in clear, or None (none set, or not readable under this key)."""
    stored = account.totp_secret
    if not stored or not stored.startswith(_VERSION):
        return None
    try:
        raw = base64.urlsafe_b64decode(stored[len(_VERSION) :])
        return _cipher().decrypt(raw[:12], raw[12:], _bound_to(account)).decode()
    except (InvalidTag, ValueError):  # another key, or a stored value someone altered
        return None


def is_enabled(account: Account) -> bool:
    """Whether the account signs in with a code."""
    return account.totp_enabled_at is not None


def pending_secret(session: Session, account: Account, actor: Actor = SYSTEM) -> str:
    """The secret to enrol with: the one awaiting its first code, or a new one (audited).

    :raise ValueError: two-factor sign-in is already on (disable it first).
    """
    if is_enabled(account):
        raise ValueError("Two-factor sign-in is already on for this account.")
    secret = _open(account)
    if secret is None:
        secret = pyotp.random_base32()
        account.totp_secret = _seal(account, secret)
        account.totp_last_step = None
        record_event(session, actor, "totp_enrolment_started", details={"account": account.name})
    return secret


def provisioning_uri(account: Account, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.name, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (with a title for screen readers)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, title=title, svgclass="qr", dark="#000")


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step (now, or one either side for clock drift) whose code is ``code``, if not used."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in (now - 1, now, now + 1):
        if (after is None or step > after) and pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_enrolment(session: Session, account: Account, code: str, actor: Actor = SYSTEM) -> bool:
    """Turn two-factor sign-in on if ``code`` is the current code of the pending secret (audited)."""
    secret = _open(account)
    step = _matching_step(secret, code, None) if secret and not is_enabled(account) else None
    if step is None:
        return False
    account.totp_enabled_at = utcnow()
    account.totp_last_step = step
    record_event(session, actor, "totp_enabled", details={"account": account.name})
    return True


def verify_code(account: Account, code: str) -> bool:
    """Whether ``code`` signs ``account`` in now; a code once accepted is not accepted again."""
    secret = _open(account) if is_enabled(account) else None
    step = _matching_step(secret, code, account.totp_last_step) if secret else None
    if step is None:
        return False
    account.totp_last_step = step
    return True


def disable(session: Session, account: Account, actor: Actor = SYSTEM) -> None:
    """Turn two-factor sign-in off and forget the secret (audited)."""
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    record_event(session, actor, "totp_disabled", details={"account": account.name})
