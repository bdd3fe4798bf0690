"""The comparison of two versions of a zone's list, item by item (docs/api.md, "Diff").

One function for the API's diff (item codes) and the pages' (the items and their changed fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from registry.accounts.models import Account
from registry.lists.canonical import item_changes
from registry.lists.models import ListVersion
from registry.lists.services import get_version, item_dict

DIFF_FIELDS = ("name_zh", "name_en", "category", "description", "level", "mechanism", "conditions")


@dataclass
class ChangedItem:
    """An item in both versions whose content differs: the fields that changed, before and after."""

    code: str
    fields: list[tuple[str, Any, Any]]  # (field, before, after)
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class VersionDiff:
    """``version`` against ``other``: added, removed and changed items, each sorted by code."""

    version: str
    other: str
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[ChangedItem]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def codes(self) -> dict[str, list[str]]:
        """The API's answer: the item codes added, removed and changed."""
        return {
            "added": [item["code"] for item in self.added],
            "removed": [item["code"] for item in self.removed],
            "changed": [change.code for change in self.changed],
        }


def diff(version: ListVersion, other: ListVersion) -> VersionDiff:
    """Compare two loaded versions: what ``version`` adds, removes and changes against ``other``.

    Items are compared in their canonical form (:func:`registry.lists.canonical.item_changes`),
    the form the digest covers, so a diff is empty exactly when the items' digests agree.
    """
    mine = {item.code: item_dict(item) for item in version.items}
    theirs = {item.code: item_dict(item) for item in other.items}
    changed = []
    for code in sorted(mine.keys() & theirs.keys()):
        after, before = item_changes(mine[code]), item_changes(theirs[code])
        if after == before:
            continue
        fields = [
            (name, before.get(name), after.get(name)) for name in DIFF_FIELDS if before.get(name) != after.get(name)
        ]
        changed.append(ChangedItem(code, fields, theirs[code], mine[code]))
    return VersionDiff(
        version=version.version,
        other=other.version,
        added=[mine[code] for code in sorted(mine.keys() - theirs.keys())],
        removed=[theirs[code] for code in sorted(theirs.keys() - mine.keys())],
        changed=changed,
    )


def compare(session: Session, viewer: Account | None, zone_code: str, version: str, other: str) -> VersionDiff:
    """Compare two versions of a zone that ``viewer`` may see.

    :raise NotFound: unknown zone, or either version unknown or invisible to ``viewer``.
    """
    return diff(get_version(session, viewer, zone_code, version), get_version(session, viewer, zone_code, other))
