"""Languages of the pages: Chinese (the source text, default) and English (``translations/en``).

The interface is written in Chinese and translated to English by the ``en`` catalogue; list content
is shown in the language it exists in. The choice is a cookie, set by ``/language/<code>``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, has_request_context, redirect, request
from flask_babel import Babel, get_locale

from registry.web.blueprint import bp

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "registry_lang"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def select_language() -> str:
    """The remembered choice, else Chinese."""
    if has_request_context():
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in LANGUAGES:
            return chosen
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """``zh`` or ``en``, as the page is being rendered."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@bp.get("/language/<code>")
def switch_language(code: str):
    """Remember a language for a year and go back to the page the reader was on."""
    target = safe_next(request.args.get("next"))
    response = redirect(target, code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True, secure=request.is_secure
        )
    return response


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the cookie's language.

    The compiled catalogue (``messages.mo``) is committed beside its ``messages.po`` and built with
    ``pybabel compile`` (see ``babel.cfg``); nothing is written into the package at start-up.
    """
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(
        app,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=str(TRANSLATIONS),
        default_timezone="Asia/Shanghai",
        locale_selector=select_language,
    )
