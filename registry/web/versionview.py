"""What a version's page shows, shared by the public version page and the staff steps that re-show it.

The public pages (:mod:`registry.web.pages`) and the staff pages (:mod:`registry.web.staff`) both
render ``web/version.html``; both import its context from here, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from registry import clock
from registry.accounts.permissions import Action, may
from registry.db import get_session
from registry.lists import services
from registry.lists.diff import diff
from registry.lists.lifecycle import EVER_PUBLISHED, TRANSITIONS
from registry.lists.models import ListVersion
from registry.lists.queries import standing_rejections
from registry.web.auth import current_user
from registry.zones.models import Zone
from registry.zones.services import get_zone

# Above this many items a version page opens with its top-level categories folded.
COLLAPSE_AFTER = 40


@dataclass
class CategoryNode:
    """A category of a version, its items and the categories below it."""

    code: str
    name_zh: str
    name_en: str | None
    items: list[dict[str, Any]] = field(default_factory=list)
    children: list[CategoryNode] = field(default_factory=list)
    in_scope: bool = False

    @property
    def item_total(self) -> int:
        return len(self.items) + sum(child.item_total for child in self.children)


def category_tree(whole: dict[str, Any]) -> list[CategoryNode]:
    """Nest a version's categories by their dotted codes and hang each item on its category."""
    nodes: dict[str, CategoryNode] = {}
    roots: list[CategoryNode] = []
    scope = set(whole.get("scope") or ())
    for category in sorted(whole.get("categories") or [], key=lambda c: c["code"].count(".")):
        node = CategoryNode(category["code"], category["name_zh"], category.get("name_en"))
        node.in_scope = any(node.code == s or node.code.startswith(s + ".") for s in scope)
        nodes[node.code] = node
        parent = node.code.rpartition(".")[0]
        (nodes[parent].children if parent in nodes else roots).append(node)
    # Keep the version's own order of categories among siblings.
    order = {c["code"]: n for n, c in enumerate(whole.get("categories") or [])}

    def sort(siblings: list[CategoryNode]) -> None:
        siblings.sort(key=lambda node: order.get(node.code, 0))
        for node in siblings:
            sort(node.children)

    sort(roots)
    orphans = CategoryNode("", _("未归类"), None)
    for item in whole.get("items") or []:
        (nodes[item["category"]].items if item["category"] in nodes else orphans.items).append(item)
    if orphans.items:
        roots.append(orphans)
    return roots


def previous_version(
    version: ListVersion, versions: list[ListVersion], in_force: ListVersion | None
) -> ListVersion | None:
    """The version to compare with: the one published before it, or for unpublished work the one in force.

    ``versions`` are the zone's versions the reader may see; ``in_force`` the one in force today.
    """
    if version.status in EVER_PUBLISHED and version.effective_from:
        earlier = [
            v
            for v in versions
            if v.id != version.id and v.status in EVER_PUBLISHED and v.effective_from
            and (v.effective_from, v.id) < (version.effective_from, version.id)
        ]  # fmt: skip
        return max(earlier, key=lambda v: (v.effective_from, v.id), default=None)
    return in_force if in_force is not None and in_force.id != version.id else None


def version_context(zone: str, version: str) -> dict[str, Any]:
    """Everything the version page shows (and the staff actions panel needs).

    The zone's versions are read once, and the version itself and the one in force come from that
    one reading (the session's identity map), not from a query each.
    """
    session, viewer, today = get_session(), current_user(), clock.today()
    zone_row = get_zone(session, zone)
    found = services.get_version(session, viewer, zone, version)
    versions = services.list_versions(session, viewer, zone_row.code)
    ref = services.in_force_ref(session, zone_row.code, today)
    in_force = next((v for v in versions if ref and v.id == ref.id), None)
    whole = services.version_dict(session, found)
    previous = previous_version(found, versions, in_force)
    return {
        "zone": zone_row,
        "version": found,
        "whole": whole,
        "tree": category_tree(whole),
        "collapse_categories": len(whole.get("items") or ()) > COLLAPSE_AFTER,
        "categories": {c["code"]: c for c in whole["categories"]},
        "previous": previous,
        "diff": diff(found, previous) if previous else None,
        "in_force_today": in_force is not None and in_force.id == found.id,
        "in_force": in_force,
        "today": today,
        "record": whole.get("record") or {},
        "others": [v for v in versions if v.id != found.id],
    }


def state_allows(action: str, version: ListVersion) -> bool:
    """Whether the lifecycle's own table lets ``action`` start from the version's state."""
    return version.status in TRANSITIONS[action][0]


def actions_context(zone: Zone, version: ListVersion, **overrides: Any) -> dict[str, Any]:
    """Which steps the signed-in account may take on ``version`` now (the others are hidden)."""
    user = current_user()
    filed_by = {f.authority for f in version.filings}
    can_file = (
        user is not None
        and user.authority is not None
        and may(user, Action.FILE, zone, user.authority)
        and state_allows("file", version)
        and user.authority not in filed_by
    )
    context = {
        "can_edit": may(user, Action.EDIT, zone) and state_allows("edit", version),
        "can_submit": may(user, Action.SUBMIT, zone) and state_allows("submit", version),
        "can_decide": may(user, Action.DECIDE_APPROVAL, zone) and state_allows("approve", version),
        "can_file": can_file,
        "filing_authority": user.authority if user is not None else None,
        "can_publish": may(user, Action.PUBLISH, zone) and state_allows("publish", version),
        "can_revoke": may(user, Action.REVOKE, zone) and state_allows("revoke", version),
        "can_withdraw": may(user, Action.WITHDRAW, zone) and state_allows("withdraw", version),
        "can_create": may(user, Action.CREATE, zone),
        "rejection": (
            standing_rejections(get_session(), [version]).get(version.id) if may(user, Action.EDIT, zone) else None
        ),
        "action_errors": {},
        "action_values": {},
        "today_iso": clock.today().isoformat(),
    }
    context.update(overrides)
    return context
