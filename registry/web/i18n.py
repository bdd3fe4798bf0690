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


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` under ``directory`` into its ``messages.mo``; return the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalogue)
        written.append(mo_path)
    return written


# How to find the interface's text: gettext and friends in the package and its templates.
EXTRACT_KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
EXTRACT_METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def extract_messages():
    """Return a babel ``Catalog`` of every interface message in ``registry/web`` (the source, Chinese)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    package = Path(__file__).resolve().parent
    catalogue = Catalog(project="registry", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(package), method_map=EXTRACT_METHODS, keywords=EXTRACT_KEYWORDS
    ):
        catalogue.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalogue


def update_catalogues(directory: Path = TRANSLATIONS) -> None:
    """Merge newly written interface text into each ``messages.po`` (untranslated) and recompile.

    Run ``python -m registry.web.i18n`` after changing the pages' text, then translate the new
    entries (``msgstr ""``) in ``translations/en/LC_MESSAGES/messages.po`` and run it again.
    """
    from babel.messages.pofile import read_po, write_po

    template = extract_messages()
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        catalogue.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(handle, catalogue, width=120, omit_header=False, ignore_obsolete=True)
    compile_catalogues(directory)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the cookie's language (compiling the catalogue if it is missing)."""
    if not (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").exists():
        try:  # the compiled catalogue is committed; this only helps a checkout that lost it
            compile_catalogues()
        except OSError:
            app.logger.warning("could not compile the translations; pages will be shown in Chinese only")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    babel.init_app(
        app,
        default_locale=DEFAULT_LANGUAGE,
        default_translation_directories=str(TRANSLATIONS),
        default_timezone="Asia/Shanghai",
        locale_selector=select_language,
    )


if __name__ == "__main__":
    update_catalogues()
