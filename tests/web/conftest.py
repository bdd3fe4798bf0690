"""Fixtures for the pages: signed-in test clients, a live server and Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from registry.accounts.passwords import hash_password
from registry.accounts.services import create_account
from registry.db import get_session, writing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = REPOSITORY / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
TIANJIN = "CN-TJ-FTZ"

# The cast of the Tianjin scenarios: name → (role, scope).
CAST: dict[str, tuple[str, dict[str, str]]] = {
    "tianjin-admin": ("zone_admin", {"zone": TIANJIN}),
    "tianjin-commission": ("provincial_approver", {"province": "CN-TJ"}),
    "cac-filer": ("national_filer", {"authority": "CAC"}),
    "nda-filer": ("national_filer", {"authority": "NDA"}),
    "beijing-admin": ("zone_admin", {"zone": "CN-BJ-FTZ"}),
    "registry-admin": ("admin", {}),
}

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_people(app, *names: str) -> dict[str, str]:
    """Create sign-in accounts (``registry users add … --password``); return their API tokens."""
    tokens = {}
    with app.app_context(), writing():
        session = get_session()
        for name in names:
            role, scope = CAST[name]
            _account, token = create_account(session, name, role, password_hash=hash_password(PASSWORD), **scope)
            tokens[name] = token
        session.commit()
    return tokens


def csrf_token(client, url: str = "/sign-in") -> str:
    """Read a form's CSRF token from a page, as a browser would."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict[str, Any] | None = None, *, token_from: str | None = None, **kwargs):
    """POST a form with the CSRF token a page gave."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_from or url)
    return client.post(url, data=payload, **kwargs)


def sign_in(client, name: str, password: str = PASSWORD):
    """Sign ``client`` in as ``name``."""
    response = post_form(client, "/sign-in", {"name": name, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def people(app):
    """Sign-in accounts for the Tianjin cast (and a Beijing administrator)."""
    return add_people(app, *CAST)


# --- a live server and Chromium ----------------------------------------------------------------


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def seeded_server(seeded_app) -> Iterator[LiveServer]:
    with LiveServer(seeded_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, launched once per run."""
    if not Path(CHROMIUM).exists():
        # Not a skip: tests/run-all.sh installs Chromium, so its absence is a failed install step.
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageWatch:
    """What went wrong while a page was open: console errors, uncaught exceptions, 5xx answers."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))

    def assert_clean(self, *, expected_statuses: tuple[int, ...] = ()) -> None:
        """No console errors, uncaught exceptions or 5xx; ``expected_statuses`` are answers the test provoked."""
        noise = tuple(f"status of {status} " for status in expected_statuses)
        unexpected = [m for m in self.console_errors if not (noise and any(n in m for n in noise))]
        assert not unexpected, unexpected
        assert not self.page_errors, self.page_errors
        assert not self.server_errors, self.server_errors


@pytest.fixture
def context(browser):
    """A fresh browser profile (cookies and all), in Chinese, the size of a desktop screen."""
    made = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, timezone_id="Asia/Shanghai")
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(context, watch):
    opened = context.new_page()
    watch.attach(opened)
    yield opened
    opened.close()


def screenshot(page, name: str, *, publish: bool = False) -> Path:
    """Save a full-page PNG under test-artifacts/screenshots.

    With ``publish`` and REGISTRY_UPDATE_SCREENSHOTS=1 set, also refresh the README's copy under
    docs/screenshots (a deliberate step, so that a test run leaves the work tree as it found it).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if publish and os.environ.get("REGISTRY_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")
    return path


HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirmation_fields(page: str) -> dict[str, str]:
    """The hidden fields of a confirmation page's form (what its button sends)."""
    from html import unescape

    form = page.split('id="confirm-form"', 1)[1].split("</form>", 1)[0]
    return {name: unescape(value) for name, value in HIDDEN_FIELD.findall(form)}


def take_step(client, url: str, data: dict[str, Any] | None = None, *, token_from: str, **kwargs):
    """POST a lifecycle step's form, check its confirmation page, and confirm it as a person would."""
    shown = post_form(client, url, data, token_from=token_from)
    assert shown.status_code == 200, shown.get_data(as_text=True)[:2000]
    page = shown.get_data(as_text=True)
    assert 'id="confirm-form"' in page and 'name="confirmed" value="yes"' in page
    return client.post(url, data=confirmation_fields(page), **kwargs)
