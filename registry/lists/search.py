"""Search the lists in force: their items (codes, names, category names, descriptions) and the
sectors and categories they cover (scope and category names), on any date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from registry.lists.models import ListCategory, ListItem, ListVersion
from registry.lists.services import in_force_ref, item_dict
from registry.zones.models import Zone
from registry.zones.services import get_zone

MAX_RESULTS = 200
MAX_SECTORS = 100  # category and scope hits listed (all are counted)
_CONDITIONS_PER_QUERY = 200


def _outermost(categories: set[tuple[int, str]]) -> list[tuple[int, str]]:
    """Drop categories under another matching one of the same version: its items are found already."""
    return sorted(
        (version_id, code)
        for version_id, code in categories
        if not any(
            (version_id, ".".join(code.split(".")[:depth])) in categories for depth in range(1, code.count(".") + 1)
        )
    )


def _contains(column, needle: str):
    # lower() on both sides: case-insensitive for Latin text, harmless for Chinese; LIKE's own
    # wildcards in the query are escaped.
    return func.lower(column).contains(needle, autoescape=True)


def _rank(item: ListItem, category_names: list[str], needle: str) -> tuple:
    """Exact code first, then matches in the code, the names, the category names, the description."""
    fields = [
        item.code.lower() == needle,
        needle in item.code.lower(),
        needle in (item.name_zh or "").lower() or needle in (item.name_en or "").lower(),
        any(needle in name.lower() for name in category_names),
        needle in (item.description or "").lower(),
    ]
    return (*[not hit for hit in fields], len(item.name_zh or ""), item.code)


@dataclass
class SearchResults:
    """One page of item hits with the true total, and the sectors and categories that match."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    sectors: list[dict[str, Any]] = field(default_factory=list)
    sector_total: int = 0


def search_items(session: Session, text: str, on: date, zone_code: str | None = None) -> list[dict[str, Any]]:
    """Return ``[{"zone", "version", "item", "category_names"}]`` of the versions in force on ``on``.

    The best :data:`MAX_RESULTS` hits (the API's answer); :func:`search` pages through all of them.

    :raise NotFound: ``zone_code`` names no zone.
    """
    return search(session, text, on, zone_code, limit=MAX_RESULTS).items


def _covers(code: str, other: str) -> bool:
    return other == code or other.startswith(code + ".")


def search(
    session: Session, text: str, on: date, zone_code: str | None = None, *, offset: int = 0, limit: int = MAX_RESULTS
) -> SearchResults:
    """Search the versions in force on ``on``: the items from ``offset`` (``limit`` of them) and their total,
    and the categories and scope sectors whose code or names contain ``text`` (so a sector the list covers
    is found even where the registry holds none of its items).

    :raise NotFound: ``zone_code`` names no zone.
    """
    needle = text.strip().lower()
    zones = [get_zone(session, zone_code).code] if zone_code else list(session.exec(select(Zone.code)))
    in_force = {}
    for code in zones:
        ref = in_force_ref(session, code, on)
        if ref is not None:
            in_force[ref.id] = (code, ref.version)
    if not in_force or not needle:
        return SearchResults()
    # Category names along each item's path: an item matches when any category above it does.
    category_rows = session.exec(
        select(
            ListCategory.list_version_id,
            ListCategory.code,
            ListCategory.name_zh,
            ListCategory.name_en,
        ).where(ListCategory.list_version_id.in_(in_force))
    ).all()
    names: dict[tuple[int, str], list[str]] = {}
    for version_id, code, name_zh, name_en in category_rows:
        names[(version_id, code)] = [n for n in (name_zh, name_en) if n]
    matching_categories = {
        (version_id, code) for (version_id, code), labels in names.items() if any(needle in n.lower() for n in labels)
    }
    # Filter in SQL: a text match on the item itself, or an item under a matching category.
    text_match = or_(*(_contains(column, needle) for column in
                       (ListItem.code, ListItem.name_zh, ListItem.name_en, ListItem.description)))  # fmt: skip
    under_matching_category = [
        and_(
            ListItem.list_version_id == version_id,
            or_(ListItem.category == code, ListItem.category.startswith(code + ".", autoescape=True)),
        )
        for version_id, code in _outermost(matching_categories)
    ]
    # One query per chunk of categories: a short query can match thousands of category names, and one
    # OR over all of them exceeds the database's expression limits (SQLite: "Expression tree is too large").
    items_by_id: dict[int, ListItem] = {}
    for conditions in [[text_match]] + [
        under_matching_category[start : start + _CONDITIONS_PER_QUERY]
        for start in range(0, len(under_matching_category), _CONDITIONS_PER_QUERY)
    ]:
        found = session.exec(select(ListItem).where(ListItem.list_version_id.in_(in_force), or_(*conditions))).all()
        items_by_id.update((item.id, item) for item in found)
    items = list(items_by_id.values())
    hits = []
    for item in items:
        path = item.category.split(".")
        path_names = [
            n
            for depth in range(1, len(path) + 1)
            for n in names.get((item.list_version_id, ".".join(path[:depth])), [])
        ]
        direct = any(
            needle in (value or "").lower() for value in (item.code, item.name_zh, item.name_en, item.description)
        )
        via_category = any(
            (item.list_version_id, ".".join(path[:depth])) in matching_categories for depth in range(1, len(path) + 1)
        )
        if direct or via_category:
            hits.append((_rank(item, path_names, needle), item, path_names))
    hits.sort(key=lambda hit: hit[0])
    page = [
        {
            "zone": in_force[item.list_version_id][0],
            "version": in_force[item.list_version_id][1],
            "item": item_dict(item),
            "category_names": path_names,
        }
        for _rank_key, item, path_names in hits[max(0, offset) : max(0, offset) + max(0, limit)]
    ]
    sectors = _sectors(session, in_force, names, needle, category_rows)
    return SearchResults(items=page, total=len(hits), sectors=sectors[:MAX_SECTORS], sector_total=len(sectors))


def _sectors(
    session: Session, in_force: dict[int, tuple[str, str]], names: dict[tuple[int, str], list[str]], needle: str,
    category_rows: list,
) -> list[dict[str, Any]]:  # fmt: skip
    """The categories (scope sectors among them) of the versions in force whose code or names hold ``needle``."""
    matching = [
        (version_id, code, name_zh, name_en)
        for version_id, code, name_zh, name_en in category_rows
        if needle in code.lower() or any(needle in n.lower() for n in names[(version_id, code)])
    ]
    if not matching:
        return []
    wanted = sorted({version_id for version_id, *_names in matching})
    versions = {v.id: v for v in session.exec(select(ListVersion).where(ListVersion.id.in_(wanted)))}
    item_categories: dict[int, list[str]] = {}
    for version_id, category in session.exec(
        select(ListItem.list_version_id, ListItem.category).where(ListItem.list_version_id.in_(list(versions)))
    ):
        item_categories.setdefault(version_id, []).append(category)
    by_code = {(version_id, code): (name_zh, name_en) for version_id, code, name_zh, name_en in category_rows}
    found = []
    for version_id, code, name_zh, name_en in matching:
        version = versions[version_id]
        scope = list(version.scope or [])
        parts = code.split(".")
        found.append(
            {
                "zone": in_force[version_id][0],
                "version": in_force[version_id][1],
                "title": version.title,
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                # the names along the path, outermost first: [(code, name_zh, name_en)]
                "path": [
                    (prefix, *by_code[(version_id, prefix)])
                    for prefix in (".".join(parts[:n]) for n in range(1, len(parts) + 1))
                    if (version_id, prefix) in by_code
                ],
                "is_scope": code in scope,
                "in_scope": any(_covers(s, code) or _covers(code, s) for s in scope),
                "scope_complete": version.scope_complete,
                "items_complete": version.items_complete,
                "item_count": sum(1 for c in item_categories.get(version_id, ()) if _covers(code, c)),
            }
        )
    found.sort(key=lambda hit: (not hit["is_scope"], hit["zone"], hit["code"].count("."), hit["code"]))
    return found
