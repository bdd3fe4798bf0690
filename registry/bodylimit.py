"""Bodies sent without a declared length (``Transfer-Encoding: chunked``) obey the same limit.

Werkzeug refuses a declared ``Content-Length`` over ``MAX_CONTENT_LENGTH`` before anything reads
the body, but a chunked body is only cut off when a reader reaches the limit: JSON then fails to
parse (a misleading 400) and a CSV batch is silently cut short. This middleware reads such a body
first, so every request either has its whole body, with its length declared, or is refused (413)
like any other body over the limit.

Only requests that carry a body are read (POST, PUT, PATCH), and the read has a deadline: a client
that stops sending mid-body would otherwise hold a worker thread for good (408). Under
``registry serve`` a body with a declared length is read here too, under the same deadline.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, RequestTimeout

_READ_SIZE = 64 * 1024
# How much of a body over the limit is read and thrown away, so that its sender can hear the 413.
_DRAIN_BYTES = 16 * 1024 * 1024
_METHODS_WITH_A_BODY = frozenset({"POST", "PUT", "PATCH"})
# Why the middleware refused a body; the app raises the matching error, so it is problem+json.
_REFUSED = "registry.body_refused"
_REFUSALS: dict[str, type[Exception]] = {
    "too_large": RequestEntityTooLarge,
    "too_slow": RequestTimeout,
    "unreadable": BadRequest,
}


class ChunkedBodyLimit:
    """WSGI middleware: buffer a chunked request body and hold it to ``limit()`` bytes."""

    def __init__(
        self, wsgi_app: Callable[..., Iterable[bytes]], limit: Callable[[], int | None], timeout: Callable[[], float]
    ) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit
        self.timeout = timeout

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self.limit()
        declared = environ.get("CONTENT_LENGTH") or ""
        # A declared body is read here too when served (gunicorn gives the socket), under the same
        # deadline: a client trickling a declared body byte by byte would otherwise hold it for good.
        trickle_guard = declared.isdigit() and 0 < int(declared) <= (limit or 0) and "gunicorn.socket" in environ
        if (
            limit is not None
            and environ.get("REQUEST_METHOD") in _METHODS_WITH_A_BODY
            and ((chunked and not declared) or trickle_guard)
        ):
            body, refusal, read_to_the_end = _read_body(environ, limit, self.timeout())
            # From here on the body is an ordinary one of known length, or none at all.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(body)
            if refusal:
                environ[_REFUSED] = refusal
            if not read_to_the_end:
                _stop_reading(environ)
        return self.wsgi_app(environ, start_response)


def _read_body(environ: dict[str, Any], limit: int, timeout: float) -> tuple[bytes, str | None, bool]:
    """Read the body within ``timeout`` seconds, keeping up to ``limit`` bytes.

    Returns the body, why it is refused (or None), and whether it was read to its end. A body over
    the limit is still read, and thrown away, up to :data:`_DRAIN_BYTES` more: a client that is
    still sending when the connection closes on unread data gets a reset instead of the 413.
    """
    stream = environ["wsgi.input"]
    sock = environ.get("gunicorn.socket")  # bounded reads need the socket; others serve locally
    previous_timeout = sock.gettimeout() if sock is not None else None
    deadline = time.monotonic() + timeout
    try:
        with _hard_deadline(timeout):
            return _read_until(stream, sock, deadline, limit)
    except TimeoutError:  # socket.timeout is TimeoutError
        return b"", "too_slow", False
    except Exception:  # a malformed chunk or a dropped connection: the server's reader says which
        return b"", "unreadable", False
    finally:
        if sock is not None:
            sock.settimeout(previous_timeout)


def _hard_deadline(seconds: float) -> contextlib.AbstractContextManager[Any]:
    """Under gevent, interrupt the read when ``seconds`` have passed (``TimeoutError``).

    A socket timeout bounds each receive, not the read: gunicorn's body reader keeps receiving until
    it has the bytes it was asked for, so a client sending a byte every few seconds would never time
    out. gevent can interrupt the greenlet wherever it waits.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        import gevent

        return gevent.Timeout(seconds, TimeoutError)
    return contextlib.nullcontext()


def _read_until(stream: Any, sock: Any, deadline: float, limit: int) -> tuple[bytes, str | None, bool]:
    """:func:`_read_body`'s loop, each receive bounded by the time left (``TimeoutError`` past it)."""
    body = bytearray()
    received = 0
    while received <= limit + _DRAIN_BYTES:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", "too_slow", False
        if sock is not None:
            sock.settimeout(left)
        chunk = stream.read(_READ_SIZE)
        if not chunk:
            return (bytes(body), None, True) if received <= limit else (b"", "too_large", True)
        received += len(chunk)
        if received <= limit:
            body += chunk
    return b"", "too_large", False


def _stop_reading(environ: dict[str, Any]) -> None:
    """Read nothing more from this client: the rest of a refused body is still on the wire, and the
    server would otherwise wait for it before reading a next request on the same connection."""
    sock = environ.get("gunicorn.socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # already gone
            sock.shutdown(socket.SHUT_RD)  # the answer can still be written


def init_app(app: Flask) -> None:
    """Hold every request body to ``MAX_CONTENT_LENGTH``, declared or chunked, on every path."""
    app.wsgi_app = ChunkedBodyLimit(
        app.wsgi_app,
        lambda: app.config.get("MAX_CONTENT_LENGTH"),
        lambda: float(app.config["BODY_TIMEOUT_SECONDS"]),
    )

    @app.before_request
    def refuse_a_body_over_the_limit_or_cut_short() -> None:
        refusal = request.environ.get(_REFUSED)
        if refusal:
            raise _REFUSALS[refusal]()
        # Werkzeug refuses a declared length only when something reads the body; refuse it whatever the view.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()
