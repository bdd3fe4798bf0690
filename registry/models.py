"""Every table, imported in one place so Alembic and the app see the same metadata."""

from sqlmodel import SQLModel

from registry.accounts.models import Account, ApiToken, WebSession
from registry.audit.models import AuditEvent
from registry.lists.models import Filing, HeldUpload, ListCategory, ListItem, ListVersion, RegistryState
from registry.zones.models import Zone

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "Filing",
    "HeldUpload",
    "ListCategory",
    "ListItem",
    "ListVersion",
    "RegistryState",
    "WebSession",
    "Zone",
    "metadata",
]
