"""Signed receipts of checks: self-contained, verifiable with the instance's secret alone.

A receipt carries the request, the result (without the long explanation texts, which follow from
the request, the result and the list version), the list version's digest and the time of the check.
Verifying it needs no database row.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadData, URLSafeSerializer

RECEIPT_SALT = "registry.check-receipt.v1"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=RECEIPT_SALT)


def issue_receipt(secret_key: str, request: dict[str, Any], result: dict[str, Any], checked_at: str) -> str:
    """Sign ``request`` and ``result`` into a compact, URL-safe receipt."""
    article6 = result["article6"]
    payload = {
        "request": request,
        "result": {
            "article6": {key: article6[key] for key in ("status", "list", "matched_items")},
            "outcome": result["outcome"],
            "basis": result["basis"],
            "duties": result["duties"],
            "missing_facts": result.get("missing_facts", []),
        },
        "list_digest": (article6.get("list") or {}).get("digest"),
        "checked_at": checked_at,
    }
    return _serializer(secret_key).dumps(payload)


def verify_receipt(secret_key: str, receipt: str) -> dict[str, Any] | None:
    """Return the signed check if ``receipt`` is intact and ours, else None."""
    try:
        payload = _serializer(secret_key).loads(receipt)
    except (BadData, ValueError, TypeError, UnicodeError):
        return None
    return payload if isinstance(payload, dict) else None
