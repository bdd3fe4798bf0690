"""The pages: server-rendered, over the same services as the API.

Public pages (zones, list versions, search, checks, receipts, inventories) and staff pages (drafts,
approvals, filings, publication, the audit trail) live on one blueprint, ``web``. Everything under
``/api/`` is left exactly as the API set it up: no CSRF, no HTML errors, no session.
"""

from __future__ import annotations

from flask import Flask

from registry.web import (  # noqa: F401  (routes)
    account,
    auth,
    checking,
    determination,
    errors,
    i18n,
    inventory,
    pages,
    security,
    sitemeta,
    staff,
    templating,
)
from registry.web.blueprint import bp


def init_app(app: Flask) -> None:
    """Register the pages, their languages, sessions, CSRF protection and HTML error pages."""
    security.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(bp)
    errors.init_app(app)
