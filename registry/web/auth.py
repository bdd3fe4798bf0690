"""Signing in to the pages with a name and password (argon2), and who is signed in.

The signed session cookie holds a session id and the time of the last request; the session itself
is held on the server (``registry.accounts.sessions``), so signing out ends it for good: the old
cookie, replayed, signs nobody in. Two idle hours, twelve hours since signing in, deactivation or a
new password sign the person out. Sign-in attempts are throttled per client and, for failures, per
account name, and the answer never says which part (name, password, code) was wrong.

An account with two-factor sign-in (``registry.accounts.totp``) gives its current code on the same
form. With ``REQUIRE_2FA`` on, an account without it enrols right after its password is accepted,
before it is signed in; a session begun before the setting was turned on no longer counts.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import select

from registry.accounts import totp
from registry.accounts.models import Account
from registry.accounts.passwords import check_password, hash_password
from registry.accounts.sessions import end_session, session_account, start_session
from registry.audit.services import Actor
from registry.db import get_session, writing
from registry.limits import limiter
from registry.web.blueprint import bp
from registry.web.i18n import safe_next

IDLE_LIMIT_SECONDS = 2 * 3600
# Verified against when the name is unknown, so that a wrong name takes as long as a wrong password.
_DECOY_HASH = hash_password("registry-decoy-password")


def current_user() -> Account | None:
    """Return the signed-in, active account of this request, or None."""
    if "web_user" in g:
        return g.web_user
    account = None
    session_id = session.get("sid")
    if session_id is not None:
        seen = session.get("seen", 0)
        if time.time() - seen > IDLE_LIMIT_SECONDS:
            session.clear()
        else:
            account = session_account(get_session(), session_id)
            if account is not None and two_factor_missing(account):
                account = None
            if account is None:
                session.clear()
            else:
                session["seen"] = int(time.time())
    g.web_user = account
    return account


def staff_exempt() -> bool:
    """Whether the anonymous limits pass this request by: signed-in staff are not rate limited, as on
    the API (which exempts token holders)."""
    return current_user() is not None


def two_factor_missing(account: Account) -> bool:
    """Whether two-factor sign-in is required (``REQUIRE_2FA``) and ``account`` has not enrolled."""
    return bool(current_app.config.get("REQUIRE_2FA")) and not totp.is_enabled(account)


def begin_session(account: Account) -> None:
    """Sign ``account`` in: a fresh session (no fixation of one begun before signing in)."""
    session.clear()
    session["sid"] = start_session(get_session(), account)
    session["seen"] = int(time.time())
    g.web_user = account


def sign_in_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send anonymous readers to the sign-in page, and back here afterwards."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")), code=303)
        return view(*args, **kwargs)

    return wrapper


def writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run the view as a writer: on SQLite its transaction takes the write lock up front."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method in ("GET", "HEAD"):
            return view(*args, **kwargs)
        get_session().commit()  # end any read transaction begun before the view (objects stay loaded)
        with writing():
            return view(*args, **kwargs)

    return wrapper


def _attempted_name() -> str:
    return "sign-in:" + (request.form.get("name") or "").strip().lower()


def _enrolling_account_key() -> str:
    return "enrol:" + str((session.get("enrol") or {}).get("id"))


def _failed(response) -> bool:
    return response.status_code == 401


ENROL_SECONDS = 10 * 60  # how long an accepted password waits for the first code under REQUIRE_2FA


@bp.route("/sign-in", methods=["GET", "POST"])
# Per client: enough for a person, not for guessing. Per account name, failures only, from any
# client: guessing one official's password from many addresses is slowed too, while people sharing a
# proxy's address (a ministry's network) do not lock each other out by signing in correctly.
@limiter.limit("20/minute", methods=["POST"])
@limiter.limit("10/15 minutes", methods=["POST"], key_func=_attempted_name, deduct_when=_failed)
@writes
def sign_in():
    """The staff sign-in form: name, password and, for accounts that have it, the two-factor code."""
    next_url = safe_next(request.values.get("next"), url_for("web.staff_home"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url, code=303)
        return render_template("web/sign_in.html", next_url=next_url, name="", error=None)
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    code = request.form.get("code") or ""
    account = get_session().exec(select(Account).where(Account.name == name)).first() if name else None
    if account is None or not account.password_hash:
        check_password(_DECOY_HASH, password)
        account = None
    elif not (check_password(account.password_hash, password) and account.active and _code_holds(account, code)):
        account = None
    if account is None:
        error = _("用户名、密码或验证码不正确。")
        return render_template("web/sign_in.html", next_url=next_url, name=name, error=error), 401
    if two_factor_missing(account):
        session.clear()
        session["enrol"] = {"id": account.id, "at": int(time.time()), "next": next_url}
        return redirect(url_for("web.sign_in_enrol"), code=303)
    begin_session(account)
    get_session().commit()  # the session, and the code's step (a code is used once)
    return redirect(next_url, code=303)


def _code_holds(account: Account, code: str) -> bool:
    """No code is asked of an account without two-factor sign-in; else its current code, unused."""
    return not totp.is_enabled(account) or totp.verify_code(account, code)


def _enrolling() -> Account | None:
    """The account whose password was just accepted and which must now enrol, or None."""
    pending = session.get("enrol") or {}
    if not pending.get("id") or time.time() - pending.get("at", 0) > ENROL_SECONDS:
        return None
    account = get_session().get(Account, pending["id"])
    return account if account is not None and account.active and not totp.is_enabled(account) else None


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
@limiter.limit("10/15 minutes", methods=["POST"], key_func=_enrolling_account_key, deduct_when=_failed)
@writes
def sign_in_enrol():
    """Two-factor sign-in is required and this account has none yet: enrol, then be signed in."""
    account = _enrolling()
    if account is None:
        session.pop("enrol", None)
        return redirect(url_for("web.sign_in"), code=303)
    actor = Actor(name=account.name, role=account.role)
    error = None
    if request.method == "POST":
        if totp.confirm_enrolment(get_session(), account, request.form.get("code") or "", actor):
            next_url = safe_next(session["enrol"].get("next"), url_for("web.staff_home"))
            begin_session(account)
            get_session().commit()
            return redirect(next_url, code=303)
        error = _("验证码不正确。请输入认证器应用当前显示的6位数字。")
    secret = totp.pending_secret(get_session(), account, actor)
    get_session().commit()
    body = render_template(
        "web/staff/two_factor.html", **enrolment_context(account, secret), error=error, during_sign_in=True
    )
    return body, 401 if error else 200


def enrolment_context(account: Account, secret: str) -> dict[str, Any]:
    """What the enrolment page shows: the QR code (SVG) and the secret for typing in by hand."""
    uri = totp.provisioning_uri(account, secret)
    return {
        "account": account,
        "qr": Markup(totp.qr_svg(uri, _("两步验证二维码：用认证器应用扫描"))),
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


@bp.post("/sign-out")
@writes
def sign_out():
    """End the session on the server and forget it in the browser."""
    if session.get("sid"):
        end_session(get_session(), session["sid"])
        get_session().commit()
    session.clear()
    g.pop("web_user", None)
    return redirect(url_for("web.home"), code=303)
