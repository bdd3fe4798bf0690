"""Officials' sessions and accounts: signing out ends a session on the server, deactivation ends
everything at once, tokens rotate, passwords are set from a prompt and must be strong enough,
sign-in is throttled per account, and keys are separate and rotatable."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import select

from registry.accounts.models import WebSession
from registry.cli import main
from registry.db import get_session, writing
from tests.web.conftest import PASSWORD, add_people, post_form, sign_in

CHECK = {
    "zone": "CN-TJ-FTZ",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _registry(app, *args: str, input: str | None = None):
    env = {
        "REGISTRY_DATABASE_URL": app.config["DATABASE_URL"],
        "REGISTRY_INSTANCE_PATH": app.instance_path,
        "REGISTRY_AUDIT_KEY": app.config["AUDIT_KEY"],
    }
    return CliRunner().invoke(main, list(args), env=env, input=input)


def _signed_in(client) -> bool:
    return client.get("/staff").status_code == 200


def test_a_cookie_replayed_after_signing_out_signs_nobody_in(app):
    add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    stolen = browser.get_cookie("registry_session").value
    post_form(browser, "/sign-out", token_from="/staff")
    assert not _signed_in(browser)

    replay = app.test_client()
    replay.set_cookie("registry_session", stolen)
    assert not _signed_in(replay)


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(app):
    add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    assert _signed_in(browser)
    with app.app_context(), writing():
        row = get_session().exec(select(WebSession)).one()
        row.started_at = row.started_at - timedelta(hours=12, minutes=1)
        get_session().commit()
    assert not _signed_in(browser)


def test_an_idle_session_ends(app, monkeypatch):
    add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    later = time.time() + 2 * 3600 + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert not _signed_in(browser)


def test_deactivating_an_account_stops_its_sessions_and_tokens_at_once(app):
    tokens = add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {tokens['tianjin-admin']}"}
    assert api.get("/api/v1/zones/CN-TJ-FTZ/lists", headers=bearer).status_code == 200
    assert api.post("/api/v1/zones/CN-TJ-FTZ/lists", json={}, headers=bearer).status_code == 422

    outcome = _registry(app, "users", "deactivate", "tianjin-admin")
    assert outcome.exit_code == 0, outcome.output
    assert not _signed_in(browser)
    assert api.post("/api/v1/zones/CN-TJ-FTZ/lists", json={}, headers=bearer).status_code == 401
    response = post_form(app.test_client(), "/sign-in", {"name": "tianjin-admin", "password": PASSWORD})
    assert response.status_code == 401


def test_rotating_a_token_revokes_the_old_one(app):
    tokens = add_people(app, "tianjin-admin")
    outcome = _registry(app, "users", "token", "tianjin-admin")
    assert outcome.exit_code == 0, outcome.output
    new_token = outcome.output.strip().splitlines()[-1]
    assert new_token.startswith("reg_") and new_token != tokens["tianjin-admin"]
    api = app.test_client()

    def create(token: str) -> int:
        return api.post(
            "/api/v1/zones/CN-TJ-FTZ/lists", json={}, headers={"Authorization": f"Bearer {token}"}
        ).status_code

    assert create(tokens["tianjin-admin"]) == 401
    assert create(new_token) == 422  # accepted as the administrator; the empty draft is refused

    revoked = _registry(app, "users", "revoke", "tianjin-admin")
    assert revoked.exit_code == 0 and "revoked 1 token" in revoked.output
    assert create(new_token) == 401


def test_a_password_is_read_from_standard_input_and_must_be_strong(app):
    add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    weak = _registry(app, "users", "password", "tianjin-admin", input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert _signed_in(browser), "a refused password changes nothing"

    new_password = "a river of seven bridges"
    outcome = _registry(app, "users", "password", "tianjin-admin", input=new_password + "\n")
    assert outcome.exit_code == 0, outcome.output
    assert not _signed_in(browser), "a new password ends the open sessions"
    assert post_form(app.test_client(), "/sign-in", {"name": "tianjin-admin", "password": PASSWORD}).status_code == 401
    sign_in(app.test_client(), "tianjin-admin", new_password)


def test_an_unknown_account_is_a_clear_error(app):
    outcome = _registry(app, "users", "deactivate", "nobody")
    assert outcome.exit_code == 1 and "No account is named 'nobody'" in outcome.output


def test_sign_in_is_throttled_per_account_from_any_address(make_app):
    app = make_app(RATE_LIMIT="1000/minute", TRUSTED_PROXIES=1)
    add_people(app, "tianjin-admin", "beijing-admin")
    browser = app.test_client()

    def attempt(name: str, password: str, address: str) -> int:
        return post_form(browser, "/sign-in", {"name": name, "password": password},
                         headers={"X-Forwarded-For": address}).status_code  # fmt: skip

    failures = [attempt("tianjin-admin", "wrong guess", f"203.0.113.{n}") for n in range(11)]
    assert failures == [401] * 10 + [429]
    # Another official is not locked out by it, from the same addresses.
    assert attempt("beijing-admin", PASSWORD, "203.0.113.3") == 303


def test_successful_sign_ins_do_not_count_against_the_account(make_app):
    app = make_app(RATE_LIMIT="1000/minute")
    add_people(app, "tianjin-admin")
    for _ in range(12):
        sign_in(app.test_client(), "tianjin-admin")


def test_session_cookies_are_not_signed_with_the_receipt_key(make_app):
    app = make_app(SESSION_KEY="session-key-" + "s" * 40)
    add_people(app, "tianjin-admin")
    browser = app.test_client()
    sign_in(browser, "tianjin-admin")
    cookie = browser.get_cookie("registry_session").value
    # The same app with another session key, and the receipt key unchanged, rejects the cookie.
    other = make_app(SESSION_KEY="another-session-key-" + "t" * 40)
    replay = other.test_client()
    replay.set_cookie("registry_session", cookie)
    assert not _signed_in(replay)


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    from registry import create_app

    monkeypatch.setenv("REGISTRY_SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_receipts_signed_with_a_retired_key_verify_while_it_is_listed(make_app):
    old_key, new_key = "old-receipt-key-" + "o" * 40, "new-receipt-key-" + "n" * 40
    receipt = make_app(SECRET_KEY=old_key).test_client().post("/api/v1/checks", json=CHECK).get_json()["receipt"]

    def valid(app) -> bool:
        return app.test_client().post("/api/v1/checks/verify", json={"receipt": receipt}).get_json()["valid"]

    assert valid(make_app(SECRET_KEY=new_key, RETIRED_SECRET_KEYS=(old_key,)))
    assert not valid(make_app(SECRET_KEY=new_key))
