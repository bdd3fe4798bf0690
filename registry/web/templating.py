"""What every template can use: the reader's language, who is signed in, labels and formats."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import has_request_context, request, url_for

from registry.web import formats
from registry.web.auth import current_user
from registry.web.blueprint import bp
from registry.web.i18n import HTML_LANG, LANGUAGE_NAMES, LANGUAGES, current_language
from registry.web.security import is_api_path

STATIC = Path(__file__).resolve().parent / "static"


@cache
def _fingerprint(name: str) -> str:
    path = STATIC / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"


def asset(name: str) -> str:
    """The address of a static file, with its content's fingerprint so caches never serve a stale one."""
    return url_for("web.static", filename=name, v=_fingerprint(name))


def field_id(name: str) -> str:
    """An element id for a form field path: ``dataset.categories`` → ``f-dataset-categories``."""
    return "f-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    if has_request_context() and is_api_path(request.path):
        return {}  # the API's own pages (Swagger UI) are none of ours
    lang = current_language()
    return {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "signed_in": current_user(),
    }


# Globals (not context) so that imported macro files see them too.
for _name, _function in {
    "asset": asset,
    "label_of": formats.label_of,
    "loc": formats.localized,
    "condition_text": formats.condition_text,
}.items():
    bp.add_app_template_global(_function, _name)


for _name, _function in formats.FILTERS.items():
    bp.add_app_template_filter(_function, _name)
bp.add_app_template_filter(field_id, "field_id")
