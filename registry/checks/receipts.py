"""Signed receipts of checks: self-contained, verifiable with the instance's secret alone.

A receipt carries the request, the result (without the long explanation texts, which follow from
the request, the result and the list version), the list version's digest and the time of the check.
It is ``base64url(JSON) "." HMAC-SHA256`` (itsdangerous's Signer): verifying it needs no database
row, and changing one character of it breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import orjson
from itsdangerous import BadSignature, Signer

RECEIPT_SALT = "registry.check-receipt.v1"


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt=RECEIPT_SALT, digest_method=hashlib.sha256)


def issue_receipt(secret_key: str, request: dict[str, Any], result: dict[str, Any], checked_at: str) -> str:
    """Sign ``request`` and ``result`` into a URL-safe receipt."""
    article6 = result["article6"]
    payload = {
        "request": request,
        "result": {
            "label": result.get("label"),
            "processor_name": result.get("processor_name"),
            "article6": {key: article6[key] for key in ("status", "list", "matched_items")},
            "outcome": result["outcome"],
            "national_outcome": result.get("national_outcome"),
            "basis": result["basis"],
            "duties": result["duties"],
            "missing_facts": result.get("missing_facts", []),
        },
        "list_digest": (article6.get("list") or {}).get("digest"),
        "checked_at": checked_at,
    }
    body = base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=")
    return _signer(secret_key).sign(body).decode("ascii")


def verify_receipt(secret_key: str, receipt: str, retired_keys: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """Return the signed check if ``receipt`` is intact and ours, else None.

    A receipt signed with one of ``retired_keys`` (keys rotated out, still listed) verifies too, so
    rotating the key does not invalidate the determinations companies already hold.
    """
    for key in (secret_key, *retired_keys):
        payload = _verified_with(key, receipt)
        if payload is not None:
            return payload
    return None


def _verified_with(secret_key: str, receipt: str) -> dict[str, Any] | None:
    signer = _signer(secret_key)
    try:
        token = receipt.encode("utf-8")
        body = signer.unsign(token)
        # base64 leaves spare bits in the last character of the signature: several spellings
        # decode to the same bytes. Only the one spelling we issue counts, so no altered string
        # ever verifies.
        if signer.sign(body) != token:
            return None
        payload = orjson.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
    except (BadSignature, binascii.Error, orjson.JSONDecodeError, ValueError, UnicodeError):
        return None
    return payload if isinstance(payload, dict) else None
