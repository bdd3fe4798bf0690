"""The determination (结论书): what a check decided, as a page, a permalink and a PDF a company can file.

Everything a determination states comes from the signed receipt: the facts, the outcome, the list's
zone, version and digest, the labels, the time of the check. The database only adds what the receipt
does not carry (the list's title and items, the zone's name, the explanation, which a fresh run of the
same request on the same list reproduces), so the verification page, given a receipt, shows the
determination again even where that list is no longer on record.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import segno
from flask import Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import Session

from registry.checks.articles import load_articles
from registry.checks.receipts import verify_receipt
from registry.checks.services import run_check
from registry.db import get_session
from registry.errors import NotFound
from registry.limits import anonymous_check_limit, limiter
from registry.lists import services
from registry.web.auth import staff_exempt
from registry.web.blueprint import bp
from registry.zones.services import get_zone

OTHER_CATEGORY = "OTHER"  # a code no list declares: data of a kind the list does not name
STATIC = Path(__file__).resolve().parent / "static"
REFERENCE_LENGTH = 10  # hex characters of the receipt's SHA-256: 40 bits, ample to tell one's filings apart
PDF_STYLESHEETS = ("site.css", "determination.css")  # what the printed page loads, in its order
_STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="[^"<>]*">')
# The stylesheets are the browsers': what WeasyPrint does not support it skips, with a warning per rule.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
MAX_RECEIPT_CHARS = 200_000  # as the API's verify: longer than any receipt we issue, refused before it is checked


def _without_receipt() -> bool:
    return staff_exempt() or not request.values.get("receipt")


# Verifying and drawing a PDF cost a signature check and a rerun of the check (and a layout): the
# anonymous limit of checks applies to them too, but not to the empty form.
receipt_limit = limiter.limit(anonymous_check_limit, exempt_when=_without_receipt)


# --- what the determination states -----------------------------------------------------------


def reference_number(receipt: str) -> str:
    """The receipt's short reference (回执编号): its SHA-256's first ten hex digits, ``3F2A9-C41B7``."""
    digest = hashlib.sha256(receipt.encode("utf-8")).hexdigest()[:REFERENCE_LENGTH].upper()
    return f"{digest[:5]}-{digest[5:]}"


def verification_url(receipt: str) -> str:
    """The permalink of a determination: the verification page, given its receipt."""
    return url_for("web.verify", receipt=receipt, _external=True)


def qr_code_svg(text: str, title: str) -> Markup | None:
    """``text`` as a QR code in inline SVG (drawn here: no script, no image request); None if too long."""
    try:
        code = segno.make(text, error="l", micro=False)  # segno raises the error level where it costs no size
    except segno.DataOverflowError:
        return None
    svg = code.svg_inline(scale=1, border=4, dark="#000", light="#fff", title=title, svgclass="qr", omitsize=True)
    # An image named by its <title>; segno's own markup, whose title segno escapes.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


def official_source(ref: dict[str, Any] | None, whole: dict[str, Any] | None) -> dict[str, Any]:
    """Where the list was officially published, as far as the registry knows it.

    ``url`` is the official text's address when on record; otherwise ``record_url`` points to the
    version's page, which lists the sources the record rests on.
    """
    record = (whole or {}).get("record") or {}
    url = (ref or {}).get("full_text_url") or record.get("full_text_url")
    record_url = None
    if ref and whole:
        record_url = url_for("web.version_page", zone=ref["zone"], version=ref["version"], _external=True)
    return {
        "url": url,
        "record_url": record_url,
        "official_title": record.get("official_title"),
        "document_no": record.get("document_no"),
        "issuers": list(record.get("issuers") or []),
    }


def basis_quotes(result: dict[str, Any]) -> list[dict[str, str]]:
    """The articles the outcome rests on, quoted from the Order's text (no list or database needed)."""
    articles = load_articles()
    quoted, seen = [], set()
    for basis in result.get("basis") or ():
        number, _dot, clause = basis.removeprefix("art").partition(".")
        if not number.isdigit() or int(number) not in articles or (number, clause) in seen:
            continue  # reg35.6 is another regulation's: the Order's text does not hold it
        seen.add((number, clause))
        article = articles[int(number)]
        if clause.isdigit() and article.clauses:
            with contextlib.suppress(KeyError):
                part = article.clause(int(clause))
                quoted.append({"basis": basis, "article": number, "zh": part.zh, "en": f"({part.number}) {part.en}"})
                continue
        quoted.append({"basis": basis, "article": number, "zh": article.zh, "en": article.en})
    return quoted


def determination_context(
    session: Session, checked: dict[str, Any], result: dict[str, Any], checked_at: str | None
) -> dict[str, Any]:
    """What a determination shows: outcome, facts, the list and its source, articles, duties, receipt."""
    zone = None
    with contextlib.suppress(NotFound):
        zone = get_zone(session, checked["zone"])
    ref = (result.get("article6") or {}).get("list")
    version, whole = None, None
    if ref:
        try:
            version = services.get_version(session, None, ref["zone"], ref["version"])
            whole = services.version_dict(session, version)
        except NotFound:
            version = None
        if whole is not None and whole.get("digest") != ref.get("digest"):
            version, whole = None, None  # not the content the receipt names: show the receipt's own words only
    items = {i["code"]: i for i in (whole or {}).get("items", [])}
    categories = {c["code"]: c for c in (whole or {}).get("categories", [])}
    matched = [items.get(code, {"code": code}) for code in result["article6"].get("matched_items", [])]
    a6_entry = next((e for e in result.get("explanation") or () if e.get("article") == "6"), {})
    receipt = result.get("receipt") or ""
    permalink = verification_url(receipt) if receipt else None
    return {
        "reason_zh": a6_entry.get("text_zh"),
        # v1.1: where the zone published the list (partial records and unknown scopes point there).
        "publication_url": (ref or {}).get("full_text_url") or ((whole or {}).get("record") or {}).get("full_text_url"),
        "source": official_source(ref, whole),
        "zone": zone,
        "checked": checked,
        "result": result,
        "dataset_label": (checked.get("dataset") or {}).get("label") or result.get("label"),
        "processor_name": (checked.get("processor") or {}).get("name") or result.get("processor_name"),
        "basis_articles": {_article_key(b) for b in result.get("basis", [])},
        "basis_quotes": basis_quotes(result),
        "version": version,
        "whole": whole,
        "matched": matched,
        "categories": categories,
        "other_category": OTHER_CATEGORY,
        "articles": load_articles(),
        "checked_at": checked_at,
        "receipt": receipt,
        "reference": reference_number(receipt) if receipt else None,
        "permalink": permalink,
        "qr_code": qr_code_svg(permalink, _("扫码核验此结论")) if permalink else None,
        "pdf_url": url_for("web.determination_pdf", receipt=receipt) if receipt else None,
    }


def _article_key(basis: str) -> str:
    """The explanation entry a basis names: ``art5.4`` → ``5``; ``reg35.6`` stays whole."""
    return basis if basis.startswith("reg") else basis.removeprefix("art").split(".")[0]


# --- from a receipt --------------------------------------------------------------------------


def reproduce(session: Session, signed: dict[str, Any]) -> dict[str, Any] | None:
    """Run the signed request again for its explanation; None if the answer would now differ.

    The receipt carries the request and the result but not the long explanation; on the same date,
    against the same list, the engine gives the same answer and so the same explanation.
    """
    checked = dict(signed["request"])
    try:
        checked["on"] = date.fromisoformat(checked["on"])
        again = run_check(session, checked, current_app.config["SECRET_KEY"]).result
    except (KeyError, TypeError, ValueError, AttributeError, NotFound):
        return None
    mine = signed["result"]
    same = (
        again["outcome"] == mine["outcome"]
        and again["basis"] == mine["basis"]
        and again["article6"]["status"] == mine["article6"]["status"]
        and again["article6"]["matched_items"] == mine["article6"]["matched_items"]
        and (again["article6"].get("list") or {}).get("digest") == signed.get("list_digest")
    )
    return again if same else None


def signed_check(receipt: str) -> dict[str, Any] | None:
    """The check a receipt signs, if the receipt is ours, unaltered and whole; else None."""
    if not receipt or len(receipt) > MAX_RECEIPT_CHARS:
        return None
    config = current_app.config
    signed = verify_receipt(config["SECRET_KEY"], receipt, config["RETIRED_SECRET_KEYS"])
    if signed is None or not isinstance(signed.get("request"), dict) or not isinstance(signed.get("result"), dict):
        return None
    result = signed["result"]
    if not isinstance(result.get("article6"), dict) or "outcome" not in result:
        return None
    return signed


def context_from_receipt(session: Session, receipt: str) -> dict[str, Any] | None:
    """The determination a receipt signs, explained again where the registry can reproduce it."""
    signed = signed_check(receipt)
    if signed is None:
        return None
    again = reproduce(session, signed)
    result = dict(signed["result"])
    result["receipt"] = receipt
    if again is not None:
        result["explanation"] = again["explanation"]
        result["article6"] = {**again["article6"], **result["article6"], "reason": again["article6"]["reason"]}
    context = determination_context(session, signed["request"], result, signed.get("checked_at"))
    context["reproduced"] = again is not None
    return context


@bp.route("/verify", methods=["GET", "POST"])
@receipt_limit
def verify():
    """Paste a receipt (or follow a determination's permalink): is it ours and unaltered, what did it determine?"""
    receipt = (request.values.get("receipt") or "").strip()
    context: dict[str, Any] = {"receipt": receipt, "checked": False, "valid": False}
    if request.method == "GET" and not receipt:
        return render_template("web/verify.html", **context)
    context["checked"] = True
    if not receipt:
        context["error"] = _("请粘贴回执。")
        return render_template("web/verify.html", **context), 422
    found = context_from_receipt(get_session(), receipt)
    if found is not None:
        context.update(found, valid=True)
    # A permalink carries the company's facts: for those who hold it, not for search engines' indexes.
    return render_template("web/verify.html", **context), 200, {"X-Robots-Tag": "noindex"}


# --- the PDF ---------------------------------------------------------------------------------


@bp.get("/check/determination.pdf")
@receipt_limit
def determination_pdf():
    """The determination as a PDF (the printed page, laid out by WeasyPrint with a CJK font)."""
    receipt = (request.args.get("receipt") or "").strip()
    if not receipt:
        return _refused(400, _("请提供回执：结论书 PDF 依据回执生成。"))
    context = context_from_receipt(get_session(), receipt)
    if context is None:
        return _refused(422, _("回执无效：签名不符，该回执不是本系统出具的，或其内容已被改动。无法生成结论书。"))
    html = render_template("web/determination.html", **context, document=True)
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable:
        current_app.logger.error("no PDF: WeasyPrint cannot load pango (Debian: libpango-1.0-0 libpangoft2-1.0-0)")
        return _refused(503, _("本服务器暂时无法生成 PDF。请使用浏览器的“打印”另存为 PDF，内容相同。"))
    filename = f"determination-{context['reference']}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, max-age=3600",
            "X-Robots-Tag": "noindex",
        },
    )


def _refused(status: int, explanation: str):
    body = render_template(
        "web/error.html", status=status, title=_("无法生成结论书"), explanation=explanation, detail=None,
        verify_link=True,
    )  # fmt: skip
    return body, status


class PdfUnavailable(RuntimeError):
    """WeasyPrint's system libraries (pango) are missing on this host: answered 503, never 500."""


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` for print (A4, the print styles) as PDF, fetching nothing.

    The stylesheets are handed over from disk and the document has no base address, so the page's own
    ``<link>``s and every link in it stay unresolved: making a PDF never makes the server fetch an address.
    """
    try:
        from weasyprint import CSS, HTML  # a heavy import, needed only here
    except OSError as error:  # the Python package is there, the system's pango is not
        raise PdfUnavailable(str(error)) from error

    stylesheets = [CSS(string=(STATIC / name).read_text(encoding="utf-8")) for name in PDF_STYLESHEETS]
    html = _STYLESHEET_LINK.sub("", html)  # handed over above; unresolvable links would only log errors
    return HTML(string=html, base_url=None, media_type="print").write_pdf(stylesheets=stylesheets)
