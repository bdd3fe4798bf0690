"""The canonical content of a version and its SHA-256 digest.

The digest covers what the list says (title, categories, scope, clauses, attributes, items) and
nothing of its lifecycle, so two versions with the same content have the same digest. Order does
not matter: categories and items are sorted by code, scope and conditions sorted too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CONTENT_FIELDS = (
    "title",
    "categories",
    "scope",
    "scope_complete",
    "excludes_ciio",
    "items_complete",
    "attributes",
    "items",
)


def _number(value: Any) -> Any:
    # 100000 and 100000.0 are the same threshold; keep one spelling so the digest agrees.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_content(content: dict[str, Any]) -> dict[str, Any]:
    """Return ``content`` reduced to the digest's fields, normalised and sorted."""
    categories = sorted(
        (
            {"code": c["code"], "name_zh": c["name_zh"], "name_en": c.get("name_en")}
            for c in content.get("categories", [])
        ),
        key=lambda c: c["code"],
    )
    attributes = sorted(
        (
            {
                "name": a["name"],
                "type": a.get("type", "integer"),
                "label_zh": a.get("label_zh"),
                "label_en": a.get("label_en"),
            }
            for a in content.get("attributes", [])
        ),
        key=lambda a: a["name"],
    )
    items = sorted(
        (
            {
                "code": i["code"],
                "category": i["category"],
                "name_zh": i["name_zh"],
                "name_en": i.get("name_en"),
                "description": i.get("description"),
                "level": i["level"],
                "mechanism": i["mechanism"],
                "conditions": sorted(
                    (
                        {"attribute": c["attribute"], "op": c["op"], "value": _number(c["value"])}
                        for c in i.get("conditions", [])
                    ),
                    key=lambda c: (c["attribute"], c["op"], json.dumps(c["value"])),
                ),
            }
            for i in content.get("items", [])
        ),
        key=lambda i: i["code"],
    )
    canonical = {
        "title": content["title"],
        "categories": categories,
        "scope": sorted(content.get("scope", [])),
        "excludes_ciio": bool(content.get("excludes_ciio", True)),
        "items_complete": bool(content.get("items_complete", True)),
        "attributes": attributes,
        "items": items,
    }
    # v1.1: present only when false, so every version that says nothing of it (all before v1.1)
    # keeps the digest it was submitted with.
    if not content.get("scope_complete", True):
        canonical["scope_complete"] = False
    return canonical


def content_digest(content: dict[str, Any]) -> str:
    """Return the hex SHA-256 of the canonical JSON of ``content``."""
    canonical = json.dumps(canonical_content(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def item_changes(item: dict[str, Any]) -> dict[str, Any]:
    """Return the comparable form of one item (used by diff)."""
    return canonical_content({"title": "", "items": [item]})["items"][0]
