"""What the site says about itself: ``robots.txt``, ``sitemap.xml`` and the accessibility statement.

The sitemap lists what anyone may read without signing in: the public pages, every zone and every
version in a public status (the same versions an anonymous reader sees on the zone pages).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Response, render_template, url_for

from registry.db import get_session
from registry.lists import services
from registry.web.blueprint import bp
from registry.zones.services import list_zones

# Public pages without parameters, by endpoint (the zones and versions are added from the database).
PUBLIC_PAGES = ("web.home", "web.check_form", "web.inventory_form", "web.search", "web.verify", "web.accessibility")
# Pages with nothing for a search engine: staff work, per-reader results and form targets.
DISALLOWED = ("/staff", "/sign-in", "/language/", "/check/inventory/results/", "/check/categories", "/api/")


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the public pages; the staff desk and per-reader pages are not for them."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {url_for('web.sitemap', _external=True)}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def sitemap_urls() -> list[str]:
    """Absolute URLs of the public pages, the zones and their versions in a public status."""
    session = get_session()
    urls = [url_for(endpoint, _external=True) for endpoint in PUBLIC_PAGES]
    for zone in list_zones(session):
        urls.append(url_for("web.zone_page", zone=zone.code, _external=True))
        for version in services.list_versions(session, None, zone.code):
            urls.append(url_for("web.version_page", zone=zone.code, version=version.version, _external=True))
    return urls


@bp.get("/sitemap.xml")
def sitemap():
    """The sitemap protocol's ``urlset`` (https://www.sitemaps.org/protocol.html)."""
    body = "".join(f"<url><loc>{escape(url)}</loc></url>" for url in sitemap_urls())
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
    )
    return Response(xml, mimetype="application/xml")


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement: what is tested, what is known to fall short, how to report."""
    return render_template("web/accessibility.html")
