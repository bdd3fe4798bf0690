"""``/feeds``: Atom feeds of the lists' publications and revocations (contract v1.1)."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from registry.db import get_session
from registry.lists import feeds
from registry.zones.services import get_zone

feeds_bp = Blueprint("feeds", __name__, url_prefix="/feeds")

ATOM = "application/atom+xml"


def _version_url(zone: str, version: str) -> str:
    return url_for("web.version_page", zone=zone, version=version, _external=True)


def _atom(document: bytes) -> Response:
    return Response(document, mimetype=ATOM, headers={"Cache-Control": "public, max-age=300"})


@feeds_bp.get("/lists.atom")
def lists_feed():
    """Every zone's publications and revocations, newest first."""
    entries = feeds.feed_entries(get_session())
    return _atom(
        feeds.atom_feed(
            entries,
            title="自由贸易试验区数据出境负面清单：公布与撤销",
            feed_url=url_for("feeds.lists_feed", _external=True),
            alternate_url=url_for("web.home", _external=True),
            version_url=_version_url,
        )
    )


@feeds_bp.get("/zones/<zone>.atom")
def zone_feed(zone: str):
    """One zone's publications and revocations, newest first; 404 (problem+json) for an unknown zone."""
    session = get_session()
    entries = feeds.feed_entries(session, zone)
    found = get_zone(session, zone)
    return _atom(
        feeds.atom_feed(
            entries,
            title=f"{found.name_zh}数据出境负面清单：公布与撤销",
            feed_url=url_for("feeds.zone_feed", zone=found.code, _external=True),
            alternate_url=url_for("web.zone_page", zone=found.code, _external=True),
            version_url=_version_url,
        )
    )
