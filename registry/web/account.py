"""One's own account (role and scope, API token, password, two-factor sign-in) and, for
administrators, everyone's accounts and their tokens.

Every change goes through :mod:`registry.accounts.services` or :mod:`registry.accounts.totp`, which
audit it; a new API token is shown once, on the answer to the request that made it, never stored.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.accounts import totp
from registry.accounts.passwords import MIN_PASSWORD_LENGTH
from registry.accounts.permissions import may_manage_accounts
from registry.accounts.services import (
    account_named,
    change_own_password,
    list_accounts,
    revoke_tokens,
    rotate_token,
)
from registry.audit.services import Actor
from registry.db import get_session
from registry.errors import InvalidInput
from registry.web.auth import begin_session, current_user, enrolment_context, sign_in_required, writes
from registry.web.blueprint import bp
from registry.web.forms import FieldErrors


def _actor() -> Actor:
    user = current_user()
    return Actor(name=user.name, role=user.role)


def _account_page(status: int = 200, **context):
    user = current_user()
    body = render_template(
        "web/staff/account.html",
        user=user,
        two_factor=totp.is_enabled(user),
        two_factor_required=bool(current_app.config.get("REQUIRE_2FA")),
        new_token=context.pop("new_token", None),
        password_errors=FieldErrors({k: [v] for k, v in context.pop("password_errors", {}).items()}),
        code_errors=FieldErrors({"code": [context["code_error"]]} if context.get("code_error") else {}),
    )
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"  # a new token is on this page once
    return response


@bp.get("/account")
@sign_in_required
def account():
    """One's role and scope, API token, password and two-factor sign-in."""
    return _account_page()


@bp.post("/account/token")
@writes
@sign_in_required
def account_token():
    """Replace one's API tokens with a new one, shown on this answer only."""
    token = rotate_token(get_session(), current_user(), _actor())
    get_session().commit()
    return _account_page(new_token=token)


@bp.post("/account/password")
@writes
@sign_in_required
def account_password():
    """Change one's password (the current one first); other sessions of the account end, this one goes on."""
    user = current_user()
    current = request.form.get("current_password") or ""
    new, again = request.form.get("password") or "", request.form.get("password_again") or ""
    errors: dict[str, str] = {}
    if new != again:
        errors["password_again"] = _("两次输入的新密码不一致。")
    else:
        try:
            change_own_password(get_session(), user, current, new)
        except InvalidInput as error:
            get_session().rollback()
            if "current_password" in error.errors:
                errors["current_password"] = _("当前密码不正确。")
            if "password" in error.errors:
                errors["password"] = _(
                    "新密码太弱：至少%(count)s个字符，且不能主要由少数几个字符重复组成（可以用几个词组成的短语）。",
                    count=MIN_PASSWORD_LENGTH,
                )
    if errors:
        return _account_page(422, password_errors=errors)
    begin_session(user)  # every session ended with the new password; this person stays signed in
    get_session().commit()
    flash(_("密码已修改。此账户在其他设备上的登录均已退出。"), "success")
    return redirect(url_for("web.account"), code=303)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@writes
@sign_in_required
def account_two_factor():
    """Turn on two-factor sign-in: scan the QR code, then type the first code."""
    user = current_user()
    if totp.is_enabled(user):
        return redirect(url_for("web.account"), code=303)
    error = None
    if request.method == "POST":
        if totp.confirm_enrolment(get_session(), user, request.form.get("code") or "", _actor()):
            get_session().commit()
            flash(_("已开启两步验证。以后登录时，请同时填写认证器应用显示的验证码。"), "success")
            return redirect(url_for("web.account"), code=303)
        error = _("验证码不正确。请输入认证器应用当前显示的6位数字。")
    secret = totp.pending_secret(get_session(), user, _actor())
    get_session().commit()
    body = render_template(
        "web/staff/two_factor.html", **enrolment_context(user, secret), error=error, during_sign_in=False
    )
    return body, 422 if error else 200


@bp.post("/account/two-factor/disable")
@writes
@sign_in_required
def account_two_factor_disable():
    """Turn two-factor sign-in off, with a current code; not while the registry requires it."""
    user = current_user()
    if current_app.config.get("REQUIRE_2FA"):
        flash(_("本系统要求所有工作人员使用两步验证，不能关闭。"), "error")
        return redirect(url_for("web.account"), code=303)
    if not totp.is_enabled(user):
        return redirect(url_for("web.account"), code=303)
    if not totp.verify_code(user, request.form.get("code") or ""):
        get_session().rollback()
        return _account_page(422, code_error=_("验证码不正确。请输入认证器应用当前显示的6位数字。"))
    totp.disable(get_session(), user, _actor())
    get_session().commit()
    flash(_("已关闭两步验证。"), "success")
    return redirect(url_for("web.account"), code=303)


# --- the administrators' list of accounts --------------------------------------------------


def _administrator_only() -> None:
    if not may_manage_accounts(current_user()):
        abort(403)


@bp.get("/staff/accounts")
@sign_in_required
def accounts():
    """Every account with its role, scope, two-factor sign-in and working API tokens."""
    _administrator_only()
    return render_template("web/staff/accounts.html", summaries=list_accounts(get_session()))


@bp.post("/staff/accounts/<name>/revoke-tokens")
@writes
@sign_in_required
def account_revoke_tokens(name: str):
    """Revoke every API token of an account (as ``registry users revoke NAME``); it may still sign in."""
    _administrator_only()
    session = get_session()
    target = account_named(session, name)
    revoked = revoke_tokens(session, target, _actor())
    session.commit()
    flash(_("已撤销%(name)s的%(count)s个API令牌。", name=target.name, count=revoked), "success")
    return redirect(url_for("web.accounts"), code=303)
