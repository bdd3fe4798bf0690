"""Prometheus metrics at ``/metrics`` and a request id on every answer.

Counted: requests by endpoint, method and status; their latency; checks by outcome; datasets per
batch. ``registry serve`` runs several worker processes, so it points ``PROMETHEUS_MULTIPROC_DIR`` at
a folder of the instance (emptied at each start) and ``/metrics`` adds up every worker's counts.
``/metrics`` answers only addresses in ``REGISTRY_METRICS_ALLOW`` (loopback by default); to anyone
else it does not exist (404).

Every answer carries ``X-Request-Id``: the one a trusted proxy sent (when ``REGISTRY_TRUSTED_PROXIES``
is set and the value is a plain token), else a new one. The access log records it too.
"""

from __future__ import annotations

import collections
import ipaddress
import os
import re
import time
import uuid
from collections.abc import Mapping

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

REQUESTS = Counter("registry_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CHECKS = Counter("registry_checks_total", "Determinations made, single or in a batch", ["outcome"])
BATCH_SIZES = Histogram(
    "registry_batch_datasets", "Datasets in one batch", buckets=(1, 10, 100, 1000, 5000, 10000, 50000)
)


def count_outcomes(results: list[dict]) -> None:
    """Count each result's outcome (``invalid`` for a dataset the batch refused)."""
    count_tally(collections.Counter(result.get("outcome", "invalid") for result in results))


def count_tally(outcomes: Mapping[str, int]) -> None:
    """Add ``{outcome: how many}`` to the counts at once.

    A batch tallies its results and adds them here when it ends: one increment a dataset (a lock
    and a shared-memory write each, in multiprocess mode) was 11 % of a 10,000-dataset batch's time.
    """
    for outcome, count in outcomes.items():
        CHECKS.labels(outcome=outcome).inc(count)


def count_batch(size: int) -> None:
    """Record the number of datasets of one batch."""
    BATCH_SIZES.observe(size)


def allowed_networks(value: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse ``REGISTRY_METRICS_ALLOW`` (comma-separated addresses or networks).

    :raise RuntimeError: a part is neither.
    """
    networks = []
    for part in (value or "127.0.0.1/32,::1/128").split(","):
        if not part.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError as error:
            raise RuntimeError(f"REGISTRY_METRICS_ALLOW: {part.strip()!r} is not an address or network") from error
    return tuple(networks)


def _may_read_metrics() -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["METRICS_ALLOW"])


def _start() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = current_app.config.get("TRUSTED_PROXIES") and _REQUEST_ID.fullmatch(offered)
    g.request_id = offered if trusted else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUESTS.labels(method=request.method, endpoint=endpoint, status=str(response.status_code)).inc()
    if "request_started" in g:
        LATENCY.labels(endpoint=endpoint).observe(time.perf_counter() - g.request_started)
    return response


def init_app(app: Flask) -> None:
    """Time and count every request, give it an id, and serve ``/metrics`` to allowed addresses."""
    if not isinstance(app.config.get("METRICS_ALLOW"), tuple):
        app.config["METRICS_ALLOW"] = allowed_networks(app.config.get("METRICS_ALLOW"))
    app.before_request(_start)
    app.after_request(_finish)

    @app.get("/metrics")
    def metrics():
        """The Prometheus exposition of every worker's counts (404 to addresses not allowed)."""
        if not _may_read_metrics():
            abort(404)
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            body = generate_latest(registry)
        else:
            body = generate_latest()
        return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})
