"""The approval and filing state machine of Article 6, as plain data.

draft → submitted → approved → filed → published → revoked; a rejection sends a submitted version
back to draft, and a draft may be withdrawn. A version is ``filed`` only once both CAC and NDA
have it on file.
"""

from __future__ import annotations

from enum import StrEnum

from registry.errors import Conflict
from registry.messages import Message


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    FILED = "filed"
    PUBLISHED = "published"
    REVOKED = "revoked"
    # A draft its zone withdrew (v1.1): gone from every listing; only the audit trail keeps it.
    WITHDRAWN = "withdrawn"


# The statuses of the versions ever published: the ones that can be or have been in force.
EVER_PUBLISHED = (Status.PUBLISHED, Status.REVOKED)
REQUIRED_AUTHORITIES = frozenset({"CAC", "NDA"})

# action → (statuses it may start from, status it leads to; None = decided by the step itself)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "edit": (frozenset({Status.DRAFT}), Status.DRAFT),
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "approve": (frozenset({Status.SUBMITTED}), Status.APPROVED),
    "reject": (frozenset({Status.SUBMITTED}), Status.DRAFT),
    "file": (frozenset({Status.APPROVED}), None),
    "publish": (frozenset({Status.FILED}), Status.PUBLISHED),
    "revoke": (frozenset({Status.PUBLISHED}), Status.REVOKED),
    "withdraw": (frozenset({Status.DRAFT}), Status.WITHDRAWN),
}

_WHY_NOT = {  # the API's English; the codes name them on pages
    "edit": Message("Only a draft can be edited; this version is {status} and frozen.", "cannot_edit"),
    "submit": Message("Only a draft can be submitted; this version is {status}.", "cannot_submit"),
    "approve": Message("Only a submitted version can be approved; this version is {status}.", "cannot_approve"),
    "reject": Message("Only a submitted version can be rejected; this version is {status}.", "cannot_reject"),
    "file": Message("Only an approved version can be filed; this version is {status}.", "cannot_file"),
    "publish": Message(
        "Only a version filed with both CAC and NDA can be published; this version is {status}.", "cannot_publish"
    ),
    "revoke": Message("Only a published version can be revoked; this version is {status}.", "cannot_revoke"),
    "withdraw": Message(
        "Only a draft can be withdrawn; this version is {status}, so it stays on record.", "cannot_withdraw"
    ),
}


def next_status(action: str, current: str, *, authorities_on_file: frozenset[str] = frozenset()) -> Status:
    """Return the status after ``action`` on a version in ``current`` status.

    For ``file``, ``authorities_on_file`` are the authorities on file *including* this filing:
    the version becomes ``filed`` once both are there, and stays ``approved`` until then.

    :raise Conflict: the action is not allowed in the current status.
    """
    allowed_from, target = TRANSITIONS[action]
    if Status(current) not in allowed_from:
        raise Conflict(_WHY_NOT[action].format(status=str(current)))
    if action == "file":
        return Status.FILED if authorities_on_file >= REQUIRED_AUTHORITIES else Status.APPROVED
    assert target is not None
    return target
