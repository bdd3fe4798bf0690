"""Sessions, CSRF and response headers for the pages (never for ``/api/``).

Session cookies are HTTP-only, ``SameSite=Lax`` and ``Secure`` — except in tests, and when the page
is served over plain http to a loopback address (``registry serve`` on 127.0.0.1), where a browser
would otherwise drop a Secure cookie and nobody could sign in. Behind a TLS-terminating proxy the
public host name is not loopback, so the cookie is Secure there whatever scheme reaches the app.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

API_PREFIX = "/api/"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

csrf = CSRFProtect()

# Same-origin everything; inline SVG is markup, not a resource, so it needs no exception.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def is_api_path(path: str) -> bool:
    """Return whether ``path`` belongs to the JSON API (left to its own handlers)."""
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)


def served_over_plain_loopback() -> bool:
    """Return whether this request came over plain http to a loopback host name."""
    host = request.host
    if host.startswith("["):  # [::1]:8000
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:  # 127.0.0.1:8000
        host = host.rsplit(":", 1)[0]
    return not request.is_secure and host.lower() in LOOPBACK_HOSTS


class RegistrySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the Secure rule of this module's docstring, signed with
    the session key (``SESSION_KEY``), not the key that signs receipts: a leak of one does not
    forge the other, and either can be rotated alone."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return URLSafeTimedSerializer(
            app.config["SESSION_KEY"],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True  # forced on by the operator
        if app.testing:
            return False
        return not served_over_plain_loopback()


def _protect_pages() -> None:
    # Every unsafe request to a page needs the form's token; /api/ uses bearer tokens instead.
    if is_api_path(request.path) or request.routing_exception is not None:
        return
    csrf.protect()


def _page_headers(response):
    if is_api_path(request.path) or response.mimetype != "text/html":
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("SESSION_COOKIE_NAME") in request.cookies or response.headers.get("Set-Cookie"):
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def init_app(app: Flask) -> None:
    """Set the session cookie rules and CSRF protection of every non-API form."""
    app.session_interface = RegistrySessionInterface()
    app.config["SESSION_COOKIE_NAME"] = "registry_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config["WTF_CSRF_SECRET_KEY"] = app.config["SESSION_KEY"]
    # Checked by _protect_pages for every path but /api/, not by the extension's default hook.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_protect_pages)
    app.after_request(_page_headers)
