"""The JSON API's plumbing: flask-smorest set up for problem+json, and bearer authentication."""

from __future__ import annotations

import functools
import http
from collections.abc import Callable
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, current_app, g, request
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

from registry.accounts.models import Account
from registry.accounts.services import account_for_token
from registry.db import get_session, write_intent
from registry.errors import PROBLEM_JSON, DomainError, Unauthorized, problem_response
from registry.jsonprovider import parse_json

API_PREFIX = "/api/v1"
# POST endpoints anyone may call (the checks); every other mutating API call needs a token.
PUBLIC_MUTATING_PREFIXES = (f"{API_PREFIX}/checks",)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of this API is shaped."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Unprocessable Content"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String(metadata={"example": "The request has invalid fields."})
    errors = ma.fields.Dict(
        metadata={
            "description": "422 only: messages keyed by the request's own fields, nested as the "
            "request is; errors about the body as a whole are under _schema.",
            "example": {"items": {"1": {"code": ["Duplicate code."]}}},
        }
    )


class _Parser(FlaskParser):
    """webargs' parser, except that a body in another format than JSON is a 415.

    webargs reads such a body as absent, and the client then hears that every required field is
    missing from a body it did send.
    """

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if (req.content_length or 0) > 0:
                raise UnsupportedMediaType(
                    f"Send the body as JSON (Content-Type: application/json), not {req.mimetype}."
                )
            return missing
        # The app's parser, with its depth and number limits (webargs' own has none).
        try:
            return parse_json(req.get_data(cache=True))
        except ValueError as error:
            return self._handle_invalid_json_error(error, req)


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, with :class:`_Parser`."""

    ARGUMENTS_PARSER = _Parser()


class Api(SmorestApi):
    """flask-smorest's Api with errors as ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        """Render werkzeug and webargs errors as problem+json."""
        data = getattr(error, "data", None) or {}
        extra: dict[str, Any] = {}
        detail = data.get("message") or error.description
        messages = data.get("errors") or data.get("messages")
        if error.code == 422 and isinstance(messages, dict):
            # webargs keys errors by location ({"json": {...}}); clients want their own fields.
            flattened: dict[str, Any] = {}
            for location_errors in messages.values():
                if isinstance(location_errors, dict):
                    flattened.update(location_errors)
                else:
                    flattened.setdefault("_schema", []).extend(location_errors)
            extra["errors"] = flattened
            detail = "The request has invalid fields: " + ", ".join(sorted(flattened)) + "."
        elif error.code == 400 and isinstance(messages, dict) and "json" in messages:
            detail = "The request body is not valid JSON."
            if isinstance(getattr(error, "exc", None), ValueError):
                detail = f"The request body is not valid JSON: {error.exc}."
        elif error.code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            detail = f"The request body exceeds the limit of {limit} bytes."
        elif error.code == 405:
            detail = f"{request.method} is not allowed on {request.path}."
        headers = dict(data.get("headers") or {})
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 500:
            detail = "The server failed to answer this request; it has been logged."
        return problem_response(error.code or 500, detail, headers=headers, **extra)


ERROR_REASONS = {
    400: "Malformed JSON",
    401: "Missing or bad token",
    403: "The role or scope does not allow the action",
    404: "Unknown zone or version",
    409: "The version's state does not allow the action",
    412: "Stale If-Match",
    413: "Body over the configured limit",
    415: "A body in another format than JSON",
    422: "Invalid fields, keyed as the request is nested",
    428: "If-Match required",
    429: "Too many anonymous checks",
}


def document_errors(blp, *statuses: int, **reasons: str) -> Callable:
    """Document an operation's error responses as problem+json (``reasons`` override, e.g. ``_404=...``)."""

    def decorator(func: Callable) -> Callable:
        for status in statuses:
            description = reasons.get(f"_{status}", ERROR_REASONS[status])
            func = blp.alt_response(status, schema=ProblemSchema, description=description, content_type=PROBLEM_JSON)(
                func
            )
        return func

    return decorator


def handle_domain_error(error: DomainError):
    """Render a service's refusal as problem+json and undo anything it began."""
    get_session().rollback()
    headers = {"WWW-Authenticate": 'Bearer realm="registry"'} if error.status == 401 else None
    return problem_response(error.status, error.detail, headers=headers, errors=error.errors)


def current_account() -> Account | None:
    """Return the account of this request's bearer token, or None for anonymous callers."""
    return g.get("account")


def authenticate_request() -> None:
    """Resolve ``Authorization: Bearer`` before anything else reads the request.

    A bad token is refused on every call; no token is refused on mutating calls other than the
    public checks, so that an anonymous caller hears 401 before any validation message.
    """
    g.account = None
    if not request.path.startswith(API_PREFIX) or request.routing_exception is not None:
        return  # unknown paths and methods answer 404/405 whoever asks
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.path.startswith(PUBLIC_MUTATING_PREFIXES):
        # The whole request is one writer's transaction: on SQLite it takes the write lock at its
        # first statement (BEGIN IMMEDIATE) instead of failing to upgrade a read snapshot later.
        g.write_intent_token = write_intent.set(True)
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use the header Authorization: Bearer <token>.")
        account = account_for_token(get_session(), token.strip())
        if account is None:
            raise Unauthorized("The token is unknown or revoked.")
        g.account = account
    elif request.method not in ("GET", "HEAD", "OPTIONS") and not request.path.startswith(PUBLIC_MUTATING_PREFIXES):
        raise Unauthorized("This call needs a token: Authorization: Bearer <token>.")


def end_write_intent(_exc: BaseException | None) -> None:
    """Undo :func:`authenticate_request`'s write intent (worker threads serve many requests)."""
    token = g.pop("write_intent_token", None)
    if token is not None:
        write_intent.reset(token)


def before_body(check: Callable[..., None]) -> Callable:
    """Run ``check(**view_kwargs)`` before flask-smorest parses the body (so 403 precedes 422).

    Place it above ``@blp.arguments``.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check(**kwargs)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app: Flask) -> Api:
    """Attach the API, its error handlers and authentication to ``app``."""
    api = Api(app)
    app.register_error_handler(DomainError, handle_domain_error)
    app.before_request(authenticate_request)
    app.teardown_request(end_write_intent)
    return api
