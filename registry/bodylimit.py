"""Bodies sent without a declared length (``Transfer-Encoding: chunked``) obey the same limit.

Werkzeug refuses a declared ``Content-Length`` over ``MAX_CONTENT_LENGTH`` before anything reads
the body, but a chunked body is only cut off when a reader reaches the limit: JSON then fails to
parse (a misleading 400) and a CSV batch is silently cut short. This middleware reads such a body
up to one byte past the limit first, so every request either has its whole body, with its length
declared, or is refused with 413 like any other body over the limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

_READ_SIZE = 64 * 1024


class ChunkedBodyLimit:
    """WSGI middleware: buffer a chunked request body and hold it to ``limit()`` bytes."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], limit: Callable[[], int | None]) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self.limit()
        if chunked and not environ.get("CONTENT_LENGTH") and limit is not None:
            body = _read_at_most(environ["wsgi.input"], limit + 1)
            # From here on the body is an ordinary one of known length; one over the limit is
            # declared as such and left unread, so Werkzeug answers 413 through the app's handlers.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body if len(body) <= limit else b"")
        return self.wsgi_app(environ, start_response)


def _read_at_most(stream: Any, size: int) -> bytes:
    body = bytearray()
    while len(body) < size:
        chunk = stream.read(min(_READ_SIZE, size - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def init_app(app: Flask) -> None:
    """Hold every request body to ``MAX_CONTENT_LENGTH``, declared or chunked, on every path."""
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, lambda: app.config.get("MAX_CONTENT_LENGTH"))

    @app.before_request
    def refuse_an_oversized_body() -> None:
        # Werkzeug refuses it only when something reads the body; refuse it whatever the view.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()
