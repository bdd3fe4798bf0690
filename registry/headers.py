"""Response headers every answer carries, pages and API alike (the pages add their own policy).

No response may be framed (clickjacking of ``/api/v1/docs`` and its assets included), none may be
sniffed into another type, and over TLS the browser is told to keep to it
(``REGISTRY_HSTS_SECONDS``; 0, the default, sends nothing: set it once TLS is in place for good).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request


def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy.rstrip('; ')}; frame-ancestors 'none'"
    seconds = int(current_app.config.get("HSTS_SECONDS") or 0)
    if seconds > 0 and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(_headers)
