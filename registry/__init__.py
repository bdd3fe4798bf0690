"""registry: China's pilot free-trade zones' data-export negative lists, and exemption checks."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Request, jsonify, send_from_directory
from werkzeug.exceptions import BadRequest

from registry.jsonprovider import OrjsonProvider

__version__ = "0.1.0"


class RegistryRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None):
        """Say why a JSON body was refused (malformed, too deep, a number too large): a 400."""
        if e is None:
            return super().on_json_loading_failed(e)
        raise BadRequest(f"The request body is not valid JSON: {e}.")


class RegistryFlask(Flask):
    json_provider_class = OrjsonProvider
    request_class = RegistryRequest


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: defaults, then ``REGISTRY_*`` settings, then ``test_config``."""
    instance_path = Path(
        (test_config or {}).get("INSTANCE_PATH") or os.environ.get("REGISTRY_INSTANCE_PATH") or Path.cwd() / "instance"
    ).resolve()
    app = RegistryFlask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    with private_files():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        register_config(app, test_config)  # may write the secret key
        register_extensions(app)  # may create the SQLite database and the rate-limit file
    register_blueprints(app)
    register_errorhandlers(app)
    return app


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Create files and folders readable by their owner only (umask 077) for the duration."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


# The register_* functions import the app's parts when the app is made, not at the top of this file:
# importing any registry.* module runs this file first, and those parts import registry.* modules.


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    from registry.config import settings_from_environment

    app.config.update(
        API_TITLE="Registry of pilot free-trade zones' data-export negative lists",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served from the swagger-ui-bundle package: no CDN at run time.
        OPENAPI_SWAGGER_UI_URL="/api/v1/docs/assets/",
        JSON_SORT_KEYS=False,
    )
    app.config.update(settings_from_environment(Path(app.instance_path)))
    app.config.update(test_config or {})
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only as many X-Forwarded-* hops as there are proxies of ours: a client cannot name itself.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_extensions(app: Flask) -> None:
    from registry import api, bodylimit, db, headers, limits, metrics

    bodylimit.init_app(app)  # first: an oversized body is refused before anything else looks at it
    headers.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    app.extensions["registry.api"] = api.init_app(app)
    limits.init_app(app)


def register_blueprints(app: Flask) -> None:
    import swagger_ui_bundle

    from registry.checks.api import blp as checks_blp
    from registry.checks.api import search_blp
    from registry.lists.api import blp as lists_blp
    from registry.zones.api import blp as zones_blp

    api = app.extensions["registry.api"]
    for blueprint in (zones_blp, lists_blp, checks_blp, search_blp):
        api.register_blueprint(blueprint)

    from registry.web import init_app as init_web

    init_web(app)

    from registry.lists.views import feeds_bp

    app.register_blueprint(feeds_bp)

    @app.get("/healthz")
    def healthz():
        """Answer that the process is up; touches nothing else (the benchmarks' baseline)."""
        return jsonify(status="ok")

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)


def register_errorhandlers(app: Flask) -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from registry.errors import DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE, problem_response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)  # every pooled connection busy for pool_timeout seconds: a 503, not a 500
    def _database_unavailable(error: Exception):
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
        return problem_response(503, DATABASE_UNAVAILABLE, headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        return problem_response(500, "The server failed to answer this request; it has been logged.")
