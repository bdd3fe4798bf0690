"""How ``registry serve`` runs gunicorn: a worker model that slow and idle clients cannot exhaust.

gunicorn's ``gevent`` worker gives each connection a greenlet instead of a thread, so thousands of
idle or trickling connections cost a few kilobytes each and never stop ``/healthz`` answering.
Request headers must arrive within ``keepalive`` seconds (the gevent worker reads them under that
timeout), a body within ``REGISTRY_BODY_TIMEOUT_SECONDS`` (``registry.bodylimit``). psycopg 3
waits cooperatively once ``select`` is patched, SQLite calls are short and run to completion (so
each request first lets the worker's other connections take their turn: :func:`_take_turns`).

The process is patched by :func:`patch_for_gevent` before anything imports the app, as gevent
requires. Files the server creates are private (umask 077); the access log leaves out the values
of query parameters that may carry a secret; responses carry no ``Server`` banner.
"""

from __future__ import annotations

import gc
import json
import os
import re
from datetime import UTC, datetime
from typing import Any

import gevent
from gunicorn.glogging import Logger

# Parameters whose values are never logged: a receipt is a signed determination, a token a credential.
SECRET_PARAMETERS = frozenset({"receipt", "token", "access_token", "password", "key", "secret", "signature"})
WORKER_CONNECTIONS = 4096
HEADER_TIMEOUT_SECONDS = 5
FILE_UMASK = 0o077
_QUERY_PART = re.compile(r"([^&=;]*)=([^&;]*)")


def patch_for_gevent() -> None:
    """Make blocking calls cooperative; must run before the app and its drivers are imported."""
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


def redact_query(query: str) -> str:
    """``receipt=eyJ…&zone=CN-TJ-FTZ`` → ``receipt=[redacted]&zone=CN-TJ-FTZ``."""

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        secret = name.lower().replace("%5f", "_") in SECRET_PARAMETERS
        return f"{name}=[redacted]" if secret else match[0]

    return _QUERY_PART.sub(replace, query)


class RedactingLogger(Logger):
    """gunicorn's logger: one JSON object a request in the access log, with the request id the app
    answered with (``X-Request-Id``) and secret query values left out of the query and the referer."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        atoms = self.atoms(resp, req, environ, request_time)
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "request_id": atoms.get("{x-request-id}o", "-"),
            "client": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"] or 0,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "referer": atoms["f"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(json.dumps(record, ensure_ascii=False))
        except Exception:  # noqa: BLE001  (as gunicorn's own: a log line must never fail a request)
            self.error(f"Failed to log the request: {record!r}")

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        query = environ.get("QUERY_STRING") or ""
        if query:
            redacted = redact_query(query)
            atoms["q"] = redacted
            atoms["r"] = atoms["r"].replace(query, redacted)
        referer = atoms.get("f") or ""
        if "?" in referer:  # a page's own address, receipt included, is sent as the next request's Referer
            address, _, rest = referer.partition("?")
            atoms["f"] = f"{address}?{redact_query(rest)}"
        return atoms


def _without_server_banner() -> None:
    """Send no ``Server: gunicorn`` header (it names the software and nothing a client needs)."""
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "registry_patched", False):
        return
    original = wsgi.Response.default_headers

    def default_headers(self: Any) -> list[str]:
        return [line for line in original(self) if not line.startswith("Server:")]

    default_headers.registry_patched = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = default_headers


def _freeze_the_loaded_app(worker: Any) -> None:
    """Keep what a worker loaded at start (the app, its libraries: some 250,000 objects) out of the
    cyclic GC's full collections, which otherwise walk it all again and again under load; see
    ``registry.checks.services._spare_from_the_collector`` for the measurement."""
    gc.collect()
    gc.freeze()


def _take_turns(worker: Any, request: Any) -> None:
    """Let the worker's other connections run before each request (gunicorn's ``pre_request``).

    A request on SQLite never waits on a socket: its queries are calls into the C library, so a
    greenlet gave the hub back only when its connection had nothing to read. A client that sends its
    next request while the answer is being logged (wrk on the other core does, nearly every time) kept
    the worker for hundreds of requests in a row while its other connections waited: wrk saw checks at
    p50 1 ms but p90 0.3–0.5 s and p99 0.9–1.4 s, while the server's own time for each check stayed
    near 1 ms (p99.9 3–13 ms). PostgreSQL's queries wait on its socket, so there the requests took
    turns already (p99 64–91 ms). Side by side on the 2-core machine (bench_checks' load: 32
    connections, 5 rounds of 5 s, a test run sharing the machine), checks before: p90 284–450 ms, p99
    0.92–1.36 s, 0–3 answers slower than 2 s a round; after: p90 44–77 ms, p99 141–748 ms, none slower
    than 2 s; /healthz p99 205–286 ms before, 19–69 ms after; one connection's checks unchanged (p50
    0.83–0.87 ms, 1,090–1,150 a second). ``sleep(0)`` puts the greenlet after the others that are
    ready. Rejected: a 0.1 ms sleep (a timer: libev then waits at least 1 ms in epoll, one connection
    fell to 350–460 checks/s) and ``gevent.idle()`` (checks p99 73–76 ms, but a streamed batch keeps
    the loop busy, and /healthz beside it went from p99 45–99 ms to 0.87–0.95 s).
    """
    gevent.sleep(0)


def gunicorn_settings(host: str, port: int, workers: int | None) -> dict[str, Any]:
    """The settings ``registry serve`` gives gunicorn."""
    _without_server_banner()
    return {
        "bind": f"{host}:{port}",
        "workers": workers or os.cpu_count() or 1,
        "worker_class": "gevent",
        "worker_connections": WORKER_CONNECTIONS,
        "keepalive": HEADER_TIMEOUT_SECONDS,  # the gevent worker reads each request's headers within this
        "timeout": 120,
        "graceful_timeout": 10,
        "umask": FILE_UMASK,
        "accesslog": "-",
        "logger_class": RedactingLogger,
        "post_worker_init": _freeze_the_loaded_app,
        "pre_request": _take_turns,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
    }
