"""Signing in to the pages with a name and password (argon2), and who is signed in.

The signed session cookie holds a session id and the time of the last request; the session itself
is held on the server (``registry.accounts.sessions``), so signing out ends it for good: the old
cookie, replayed, signs nobody in. Two idle hours, twelve hours since signing in, deactivation or a
new password sign the person out. Sign-in attempts are throttled per client and, for failures, per
account name, and the answer never says which of the two was wrong.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlmodel import select

from registry.accounts.models import Account
from registry.accounts.passwords import check_password, hash_password
from registry.accounts.sessions import end_session, session_account, start_session
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
            if account is None:
                session.clear()
            else:
                session["seen"] = int(time.time())
    g.web_user = account
    return account


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


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/sign-in", methods=["GET", "POST"])
# Per client: enough for a person, not for guessing. Per account name, failures only, from any
# client: guessing one official's password from many addresses is slowed too, while people sharing a
# proxy's address (a ministry's network) do not lock each other out by signing in correctly.
@limiter.limit("20/minute", methods=["POST"])
@limiter.limit("10/15 minutes", methods=["POST"], key_func=_attempted_name, deduct_when=_failed)
@writes
def sign_in():
    """The staff sign-in form."""
    next_url = safe_next(request.values.get("next"), url_for("web.staff_home"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url, code=303)
        return render_template("web/sign_in.html", next_url=next_url, name="", error=None)
    name = (request.form.get("name") or "").strip()
    password = request.form.get("password") or ""
    account = get_session().exec(select(Account).where(Account.name == name)).first() if name else None
    if account is None or not account.password_hash:
        check_password(_DECOY_HASH, password)
        account = None
    elif not check_password(account.password_hash, password) or not account.active:
        account = None
    if account is None:
        error = _("用户名或密码不正确。")
        return render_template("web/sign_in.html", next_url=next_url, name=name, error=error), 401
    session.clear()  # a fresh session: no fixation of a session begun before signing in
    session["sid"] = start_session(get_session(), account)
    session["seen"] = int(time.time())
    get_session().commit()
    return redirect(next_url, code=303)


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
