"""Signing in to the pages with a name and password (argon2), and who is signed in.

The session cookie holds only the account's id and the time of the last request; an inactive
account, or eight idle hours, signs the person out.
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
from registry.db import get_session, writing
from registry.limits import limiter
from registry.web.blueprint import bp
from registry.web.i18n import safe_next

IDLE_LIMIT_SECONDS = 8 * 3600
# Verified against when the name is unknown, so that a wrong name takes as long as a wrong password.
_DECOY_HASH = hash_password("registry-decoy-password")


def current_user() -> Account | None:
    """Return the signed-in, active account of this request, or None."""
    if "web_user" in g:
        return g.web_user
    account = None
    account_id = session.get("account_id")
    if account_id is not None:
        seen = session.get("seen", 0)
        if time.time() - seen > IDLE_LIMIT_SECONDS:
            session.clear()
        else:
            account = get_session().get(Account, account_id)
            if account is None or not account.active:
                session.clear()
                account = None
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


def _sign_in_limit() -> str:
    return "20/minute"


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
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
    session["account_id"] = account.id
    session["seen"] = int(time.time())
    return redirect(next_url, code=303)


@bp.post("/sign-out")
def sign_out():
    """Forget who was signed in."""
    session.clear()
    g.pop("web_user", None)
    return redirect(url_for("web.home"), code=303)
