"""Accounts on the pages: one's own role, token, password and two-factor sign-in; the
administrators' list of accounts; two-factor sign-in required by REGISTRY_REQUIRE_2FA."""

from __future__ import annotations

import re
import time
from html import unescape

import pyotp
import pytest
from sqlmodel import select

from registry.accounts.models import Account
from registry.audit.models import AuditEvent
from registry.db import get_session
from tests.web.conftest import PASSWORD, add_people, csrf_token, post_form, sign_in

NEW_PASSWORD = "seven bridges over the river"
API_DRAFTS = "/api/v1/zones/CN-TJ-FTZ/lists"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def account_row(app, name: str) -> Account:
    with app.app_context():
        return get_session().exec(select(Account).where(Account.name == name)).one()


def audited(app) -> list[str]:
    with app.app_context():
        return [e.action for e in get_session().exec(select(AuditEvent).order_by(AuditEvent.id))]


def signed_in(client) -> bool:
    return client.get("/staff").status_code == 200


def secret_on(page: str) -> str:
    return re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def code_for(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol(client) -> str:
    """Turn two-factor sign-in on from the account page; return the secret."""
    page = text(client.get("/account/two-factor"))
    assert "<svg" in page and "qr" in page
    secret = secret_on(page)
    done = post_form(client, "/account/two-factor", {"code": code_for(secret)})
    assert done.status_code == 303, text(done)
    return secret


def test_the_account_page_shows_role_and_scope(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-commission")
    page = text(client.get("/account"))
    assert "省级网络安全和信息化委员会" in page and "CN-TJ" in page and "未开启" in page
    assert "/account" in text(client.get("/staff"))


def test_rotating_ones_token_shows_the_new_one_once_and_revokes_the_old(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    old = people["tianjin-admin"]
    assert app.test_client().post(API_DRAFTS, json={}, headers={"Authorization": f"Bearer {old}"}).status_code == 422
    response = post_form(client, "/account/token", token_from="/account")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = re.search(r'id="new-token"[^>]*>([^<]+)<', text(response)).group(1)
    assert new.startswith("reg_") and new != old
    assert new not in text(client.get("/account"))  # shown once
    api = app.test_client()
    assert api.post(API_DRAFTS, json={}, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert api.post(API_DRAFTS, json={}, headers={"Authorization": f"Bearer {new}"}).status_code == 422
    assert audited(app)[-2:] == ["tokens_revoked", "token_issued"]


def test_changing_ones_password(app, people):
    client, elsewhere = app.test_client(), app.test_client()
    sign_in(client, "tianjin-admin")
    sign_in(elsewhere, "tianjin-admin")
    change = {"current_password": "not it at all", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    wrong = post_form(client, "/account/password", change, token_from="/account")
    assert wrong.status_code == 422 and "当前密码不正确" in text(wrong)
    unequal = {**change, "current_password": PASSWORD, "password_again": "something else"}
    mismatch = post_form(client, "/account/password", unequal, token_from="/account")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in text(mismatch)
    weak = post_form(client, "/account/password", {"current_password": PASSWORD, "password": "short",
                                                   "password_again": "short"}, token_from="/account")  # fmt: skip
    assert weak.status_code == 422 and "新密码太弱" in text(weak)
    assert "password_set" not in audited(app)

    done = post_form(client, "/account/password", {**change, "current_password": PASSWORD}, token_from="/account")
    assert done.status_code == 303
    assert signed_in(client) and not signed_in(elsewhere)  # this session goes on, the others end
    assert "password_set" in audited(app)
    assert post_form(app.test_client(), "/sign-in", {"name": "tianjin-admin", "password": PASSWORD}).status_code == 401
    sign_in(app.test_client(), "tianjin-admin", NEW_PASSWORD)


def test_two_factor_sign_in(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    page = text(client.get("/account/two-factor"))
    secret = secret_on(page)
    wrong = post_form(client, "/account/two-factor", {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码不正确" in text(wrong)
    assert account_row(app, "tianjin-admin").totp_enabled_at is None
    assert secret_on(text(client.get("/account/two-factor"))) == secret  # the same, until confirmed
    assert post_form(client, "/account/two-factor", {"code": code_for(secret)}).status_code == 303
    stored = account_row(app, "tianjin-admin")
    assert stored.totp_enabled_at is not None and secret not in (stored.totp_secret or "")
    assert "totp_enrolment_started" in audited(app) and "totp_enabled" in audited(app)
    assert "已开启" in text(client.get("/account"))

    # Signing in now needs the code, and every failure reads the same.
    browser = app.test_client()
    attempts = ({"password": PASSWORD}, {"password": PASSWORD, "code": "12345x"},
                {"password": "wrong", "code": code_for(secret, 1)})  # fmt: skip
    for form in attempts:
        refused = post_form(browser, "/sign-in", {"name": "tianjin-admin", **form})
        assert refused.status_code == 401 and "用户名、密码或验证码不正确" in text(refused)
    code = code_for(secret, 1)  # the next step's code (the last one was used to enrol)
    signed = post_form(browser, "/sign-in", {"name": "tianjin-admin", "password": PASSWORD, "code": code})
    assert signed.status_code == 303
    replay = post_form(app.test_client(), "/sign-in", {"name": "tianjin-admin", "password": PASSWORD, "code": code})
    assert replay.status_code == 401  # a code signs in once

    # Not turned off without a current code.
    off = post_form(client, "/account/two-factor/disable", {"code": "99999"}, token_from="/account")
    assert off.status_code == 422 and "验证码不正确" in text(off)
    assert account_row(app, "tianjin-admin").totp_enabled_at is not None


def test_two_factor_can_be_turned_off_with_a_fresh_code(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    secret = enrol(client)
    off = post_form(client, "/account/two-factor/disable", {"code": code_for(secret, 1)}, token_from="/account")
    assert off.status_code == 303
    assert account_row(app, "tianjin-admin").totp_secret is None and "totp_disabled" in audited(app)
    sign_in(app.test_client(), "tianjin-admin")


def test_a_secret_sealed_under_another_key_is_useless(make_app, app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    secret = enrol(client)
    other = make_app("other-instance", TOTP_KEY="another-totp-key-" + "x" * 40)
    refused = post_form(other.test_client(), "/sign-in",
                        {"name": "tianjin-admin", "password": PASSWORD, "code": code_for(secret, 1)})  # fmt: skip
    assert refused.status_code == 401


def test_required_two_factor_enrols_before_signing_in(make_app):
    app = make_app(REQUIRE_2FA=True)
    add_people(app, "tianjin-admin")
    client = app.test_client()
    answer = post_form(client, "/sign-in", {"name": "tianjin-admin", "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["Location"] == "/sign-in/two-factor"
    assert not signed_in(client)  # not yet
    page = text(client.get("/sign-in/two-factor"))
    secret = secret_on(page)
    assert post_form(client, "/sign-in/two-factor", {"code": "abc"}).status_code == 401
    assert not signed_in(client)
    done = post_form(client, "/sign-in/two-factor", {"code": code_for(secret)})
    assert done.status_code == 303 and signed_in(client)
    # It cannot be turned off while required.
    refused = post_form(client, "/account/two-factor/disable", {"code": code_for(secret, 1)}, token_from="/account")
    assert refused.status_code == 303 and account_row(app, "tianjin-admin").totp_enabled_at is not None
    # Without a pending password, the enrolment page sends one to sign in.
    assert app.test_client().get("/sign-in/two-factor").headers["Location"] == "/sign-in"


def test_a_session_begun_before_2fa_was_required_no_longer_counts(make_app, database_url):
    relaxed = make_app()
    add_people(relaxed, "tianjin-admin")
    client = relaxed.test_client()
    sign_in(client, "tianjin-admin")
    cookie = client.get_cookie("registry_session").value
    strict = make_app(REQUIRE_2FA=True)
    later = strict.test_client()
    later.set_cookie("registry_session", cookie)
    assert later.get("/staff").status_code == 303


def test_administrators_list_accounts_and_revoke_tokens(app, people):
    admin, other = app.test_client(), app.test_client()
    sign_in(admin, "registry-admin")
    sign_in(other, "tianjin-admin")
    assert other.get("/staff/accounts").status_code == 403
    token = csrf_token(other, "/account")
    assert other.post("/staff/accounts/cac-filer/revoke-tokens", data={"csrf_token": token}).status_code == 403
    page = text(admin.get("/staff/accounts"))
    for name in people:
        assert name in page
    assert "账户管理" in text(admin.get("/staff"))
    done = post_form(admin, "/staff/accounts/cac-filer/revoke-tokens", token_from="/staff/accounts")
    assert done.status_code == 303 and "已撤销cac-filer的1个API令牌" in text(admin.get("/staff/accounts"))
    api = app.test_client()
    headers = {"Authorization": f"Bearer {people['cac-filer']}"}
    assert api.post(f"{API_DRAFTS}/2026/filings", json={}, headers=headers).status_code == 401
    assert audited(app)[-1] == "tokens_revoked"
    assert post_form(admin, "/staff/accounts/nobody/revoke-tokens", token_from="/staff/accounts").status_code == 404


@pytest.mark.parametrize("setting", ["maybe", "2"])
def test_an_unreadable_require_2fa_setting_is_refused(monkeypatch, tmp_path, setting):
    from registry import create_app

    monkeypatch.setenv("REGISTRY_REQUIRE_2FA", setting)
    with pytest.raises(RuntimeError, match="REGISTRY_REQUIRE_2FA must be on or off"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_sign_in_is_throttled_per_client_whatever_the_name(make_app):
    app = make_app(RATE_LIMIT="1000/minute")
    browser = app.test_client()
    answers = [post_form(browser, "/sign-in", {"name": f"guess-{n}", "password": "x"}).status_code for n in range(21)]
    assert answers == [401] * 20 + [429]


def test_the_command_line_lists_accounts_revokes_tokens_and_resets_two_factor(app, people):
    from tests.accounts.test_sessions_and_accounts import _registry

    client = app.test_client()
    sign_in(client, "tianjin-admin")
    enrol(client)
    listed = _registry(app, "users", "list")
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.startswith("tianjin-admin\t"))
    assert line.split("\t")[1:] == ["zone_admin", "CN-TJ-FTZ", "active", "2fa on", "1 token(s)"]

    revoked = _registry(app, "users", "revoke", "tianjin-admin")
    assert revoked.exit_code == 0 and "revoked 1 token(s)" in revoked.output
    headers = {"Authorization": f"Bearer {people['tianjin-admin']}"}
    assert app.test_client().post(API_DRAFTS, json={}, headers=headers).status_code == 401

    reset = _registry(app, "users", "reset-2fa", "tianjin-admin")
    assert reset.exit_code == 0, reset.output
    assert account_row(app, "tianjin-admin").totp_enabled_at is None
    sign_in(app.test_client(), "tianjin-admin")  # the password alone again
    assert audited(app)[-1] == "totp_disabled"


def test_an_altered_stored_secret_signs_nobody_in(app, people):
    from registry.db import writing

    client = app.test_client()
    sign_in(client, "tianjin-admin")
    secret = enrol(client)
    with app.app_context(), writing():
        session = get_session()
        account = session.exec(select(Account).where(Account.name == "tianjin-admin")).one()
        account.totp_secret = account.totp_secret[:-6] + "!!!!!!"
        session.commit()
    refused = post_form(app.test_client(), "/sign-in",
                        {"name": "tianjin-admin", "password": PASSWORD, "code": code_for(secret, 1)})  # fmt: skip
    assert refused.status_code == 401
