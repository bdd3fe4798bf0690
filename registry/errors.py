"""Domain errors and their problem+json (RFC 9457) rendering.

Services raise a :class:`DomainError`; the HTTP layer turns every error, ours or werkzeug's, into
``application/problem+json`` so that clients see one shape whatever went wrong.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, json

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """An expected refusal with the HTTP status the contract gives it."""

    status: int = 400

    def __init__(self, detail: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The version's state does not allow the action."""

    status = 409


class PreconditionFailed(DomainError):
    """A stale ``If-Match``."""

    status = 412


class PreconditionRequired(DomainError):
    """``If-Match`` is required and missing."""

    status = 428


class InvalidInput(DomainError):
    """Field-level validation errors, keyed as the request is nested."""

    status = 422

    def __init__(self, errors: dict[str, Any], detail: str = "The request has invalid fields.") -> None:
        super().__init__(detail, errors=errors)


def problem_body(status: int, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    """Build an RFC 9457 problem document for ``status``."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def problem_response(
    status: int, detail: str | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """Return a ``application/problem+json`` response."""
    response = Response(json.dumps(problem_body(status, detail, **extra)), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# The database cannot be reached or written right now (PostgreSQL restarting, a read-only or full
# SQLite file, a lock held too long): answered 503 with Retry-After, never 500, and the next request
# tries again on a fresh connection (pool_pre_ping), so the app recovers without a restart.
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "The registry's database is unavailable for the moment; nothing was changed. Try again shortly."
