"""Staff pages through the test client: the Tianjin administrator drafts, the commission approves,
CAC and NDA file, the administrator publishes and revokes — and everyone else is refused.
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from registry.web.security import RegistrySessionInterface
from tests.web.conftest import PASSWORD, post_form, sign_in, take_step

ZONE = "CN-TJ-FTZ"
VERSION_URL = f"/zones/{ZONE}/lists/2026"
STAFF = f"/staff/zones/{ZONE}/lists/2026"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def draft_form(**changes: str) -> dict[str, str]:
    """The draft editor filled in with a small Tianjin list."""
    form = {
        "version": "2026",
        "title": "中国（天津）自由贸易试验区数据出境管理清单（负面清单）（测试）",
        "scope": "AUTO",
        "excludes_ciio": "yes",
        "items_complete": "yes",
        "scope_complete": "yes",
        "categories.0.code": "AUTO",
        "categories.0.name_zh": "汽车",
        "categories.0.name_en": "Automotive",
        "categories.1.code": "AUTO.TRACK",
        "categories.1.name_zh": "车辆轨迹",
        "attributes.0.name": "vehicle_count",
        "attributes.0.type": "integer",
        "attributes.0.label_zh": "车辆数",
        "items.0.code": "AUTO-001",
        "items.0.category": "AUTO.TRACK",
        "items.0.name_zh": "车辆行驶轨迹数据",
        "items.0.level": "important_data",
        "items.0.mechanism": "security_assessment",
        "items.0.conditions": "vehicle_count >= 10000",
    }
    form.update(changes)
    return form


@pytest.fixture
def clients(app, people):
    """One signed-in browser session per person."""
    made = {}
    for name in people:
        made[name] = app.test_client()
        sign_in(made[name], name)
    return made


def test_anonymous_readers_are_sent_to_sign_in(app):
    response = app.test_client().get("/staff")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=/staff")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, people):
    client = app.test_client()
    for name, password in (("tianjin-admin", "wrong"), ("nobody", PASSWORD)):
        response = post_form(client, "/sign-in", {"name": name, "password": password})
        assert response.status_code == 401
        assert "用户名、密码或验证码不正确" in text(response)


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_forgets_it(app, people):
    client = app.test_client()
    response = post_form(client, "/sign-in", {"name": "tianjin-admin", "password": PASSWORD, "next": "/staff"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("registry_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "tianjin-admin" in text(client.get("/staff"))
    post_form(client, "/sign-out", token_from="/staff")
    assert client.get("/staff").status_code == 303


def test_sign_in_never_redirects_off_site(app, people):
    client = app.test_client()
    response = post_form(client, "/sign-in", {"name": "tianjin-admin", "password": PASSWORD,
                                              "next": "https://evil.example/"})  # fmt: skip
    assert response.headers["Location"] == "/staff"


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [("http://127.0.0.1:8000", False), ("http://localhost:8000", False), ("http://[::1]:8000", False),
     ("https://registry.example.gov.cn", True), ("http://registry.example.gov.cn", True)],
)  # fmt: skip
def test_the_session_cookie_is_secure_except_over_plain_loopback(app, base_url, secure):
    app.testing = False
    try:
        with app.test_request_context("/", base_url=base_url):
            assert RegistrySessionInterface().get_cookie_secure(app) is secure
    finally:
        app.testing = True


def test_the_draft_editor_puts_each_message_next_to_its_field(app, clients):
    admin = clients["tianjin-admin"]
    form = draft_form(**{"items.0.category": "AUTO.NOPE", "items.0.conditions": "vehicle_count is big",
                         "items.1.code": "AUTO-001", "items.1.category": "AUTO", "items.1.name_zh": "重复",
                         "items.1.level": "important_data", "items.1.mechanism": "security_assessment"})  # fmt: skip
    response = post_form(admin, f"/staff/zones/{ZONE}/drafts/new", form)
    assert response.status_code == 422
    page = text(response)
    assert 'id="f-items-0-category-error"' in page and "类别“AUTO.NOPE”尚未在类别表中列出" in page
    assert 'id="f-items-0-conditions-error"' in page and "无法识别的条件" in page
    assert 'id="f-items-1-code-error"' in page and "代码重复" in page
    assert 'href="#f-items-1-code"' in page  # the summary links to the field
    assert 'value="AUTO.NOPE"' in page  # what was typed is kept


def test_adding_rows_without_a_script_keeps_what_was_typed(app, clients):
    admin = clients["tianjin-admin"]
    response = post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form(add_items="1"))
    assert response.status_code == 200
    page = text(response)
    assert 'value="车辆行驶轨迹数据"' in page
    assert 'name="items.2.code"' in page  # one filled, one blank, one more asked for


def test_the_whole_lifecycle_through_the_pages(app, clients):
    admin, commission = clients["tianjin-admin"], clients["tianjin-commission"]
    created = post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    assert created.status_code == 303 and created.headers["Location"] == VERSION_URL
    page = text(admin.get(VERSION_URL))
    assert "草稿" in page and "提交审批" in page and "修改草稿" in page

    # Edit: rename the item, then a stale form (older ETag) is refused rather than merged.
    editor = text(admin.get(f"{STAFF}/edit"))
    etag = re.search(r'name="etag" value="([^"]+)"', editor).group(1)
    edit = {k: v for k, v in draft_form(**{"items.0.name_zh": "车辆轨迹数据"}).items() if k != "version"}
    assert post_form(admin, f"{STAFF}/edit", {**edit, "etag": etag}).status_code == 303
    stale = post_form(admin, f"{STAFF}/edit", {**edit, "etag": etag})
    assert stale.status_code == 412 and "已有他人保存了修改" in text(stale)

    # The commission cannot see a draft; once submitted it can, and decides.
    assert commission.get(VERSION_URL).status_code == 404
    assert take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL).status_code == 303
    queue = text(commission.get("/staff/approvals"))
    assert "2026" in queue and "中国（天津）自由贸易试验区" in queue
    missing_number = post_form(commission, f"{STAFF}/approval", {"decision": "approved", "document_no": ""},
                               token_from=VERSION_URL)  # fmt: skip
    assert missing_number.status_code == 422
    assert 'id="f-document_no-error"' in text(missing_number) and "批准须填写省级网信委的批准文号" in text(
        missing_number
    )
    approved = take_step(commission, f"{STAFF}/approval",
                         {"decision": "approved", "document_no": "津网信委〔2026〕7号", "decided_on": "2026-01-05"},
                         token_from=VERSION_URL)  # fmt: skip
    assert approved.status_code == 303

    # CAC and NDA each file; each sees only its own authority's step.
    for name, number in (("cac-filer", "CAC-2026-001"), ("nda-filer", "NDA-2026-001")):
        filer = clients[name]
        authority = name[:3].upper()
        assert "2026" in text(filer.get("/staff/filings"))
        page = text(filer.get(VERSION_URL))
        assert f'name="authority" value="{authority}"' in page
        filing = {"authority": authority, "filing_no": number, "filed_on": "2026-01-08"}
        assert take_step(filer, f"{STAFF}/filing", filing, token_from=VERSION_URL).status_code == 303
        assert "/zones/CN-TJ-FTZ/lists/2026" not in text(filer.get("/staff/filings")).split("<main")[1]

    published = take_step(admin, f"{STAFF}/publish", {"effective_from": "2099-01-10"}, token_from=VERSION_URL)
    assert published.status_code == 303
    public = text(app.test_client().get(VERSION_URL))
    assert "津网信委〔2026〕7号" in public and "CAC-2026-001" in public and "NDA-2026-001" in public
    assert "已发布" in public and "2099年1月10日" in public

    revoked = post_form(admin, f"{STAFF}/revoke", {"revoked_on": "2099-01-09", "reason": "测试"},
                        token_from=VERSION_URL)  # fmt: skip
    assert revoked.status_code == 422 and "废止日期不得早于生效日期" in text(revoked)
    revoked = post_form(admin, f"{STAFF}/revoke", {"revoked_on": "2026-01-09", "reason": "测试"},
                        token_from=VERSION_URL)  # fmt: skip
    assert revoked.status_code == 422 and "不得早于今日" in text(revoked)  # v1.1: never in the past
    assert take_step(admin, f"{STAFF}/revoke", {"revoked_on": "2099-02-01", "reason": "测试"},
                     token_from=VERSION_URL).status_code == 303  # fmt: skip
    assert "已废止" in text(app.test_client().get(VERSION_URL))


def test_actions_are_hidden_from_those_who_may_not_take_them(app, clients, as_user):
    post_form(clients["tianjin-admin"], f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(clients["tianjin-admin"], f"{STAFF}/submit", token_from=VERSION_URL)
    for name in ("beijing-admin", "cac-filer", "registry-admin"):
        page = text(clients[name].get(VERSION_URL))
        assert "审批决定" not in page and "提交审批</button>" not in page, name
    assert "审批决定" in text(clients["tianjin-commission"].get(VERSION_URL))
    anonymous = app.test_client()
    assert anonymous.get(VERSION_URL).status_code == 404  # submitted, not published


def test_the_services_refuse_what_the_pages_would_not_offer(app, clients):
    post_form(clients["tianjin-admin"], f"/staff/zones/{ZONE}/drafts/new", draft_form())
    beijing = clients["beijing-admin"]
    # A crafted POST (with a valid CSRF token of Beijing's own session) is refused by the service.
    response = post_form(beijing, f"{STAFF}/submit", token_from="/staff")
    assert response.status_code == 403
    assert response.mimetype == "text/html" and "无权访问" in text(response)
    assert beijing.get(f"/staff/zones/{ZONE}/drafts/new").status_code == 403
    # A step the state does not allow is explained, not executed.
    commission = clients["tianjin-commission"]
    refused = post_form(commission, f"{STAFF}/approval", {"decision": "approved", "document_no": "X"},
                        token_from="/staff", follow_redirects=True)  # fmt: skip
    assert refused.status_code in (404, 200)


def test_the_audit_history_shows_only_what_each_may_see(app, clients):
    post_form(clients["tianjin-admin"], f"/staff/zones/{ZONE}/drafts/new", draft_form())
    own = text(clients["tianjin-admin"].get("/staff/audit"))
    assert "创建草稿" in own and "审计链完整性：已验证" not in own  # verifying is its own action
    verified = post_form(clients["tianjin-admin"], "/staff/audit/verify", token_from="/staff/audit")
    assert verified.status_code == 303
    assert "审计链完整性：已验证" in text(clients["tianjin-admin"].get(verified.headers["Location"]))
    assert "2026" in own
    for name in ("beijing-admin", "tianjin-commission", "cac-filer"):
        page = text(clients[name].get(f"/staff/audit?zone={ZONE}"))
        assert f"{STAFF.split('/staff')[1]}" not in page
        assert "/zones/CN-TJ-FTZ/lists/2026" not in page, name
    assert "/zones/CN-TJ-FTZ/lists/2026" in text(clients["registry-admin"].get("/staff/audit"))


def test_a_draft_can_be_created_from_a_spreadsheet(app, clients):
    from registry.lists import spreadsheet

    admin = clients["tianjin-admin"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    workbook = admin.get(f"{VERSION_URL}/download.xlsx").data
    assert spreadsheet.import_spreadsheet(workbook, "list.xlsx").content is not None
    data = {"version": "2027", "file": (io.BytesIO(workbook), "list.xlsx")}
    response = post_form(admin, f"/staff/zones/{ZONE}/drafts/import", data, content_type="multipart/form-data")
    assert response.status_code == 303, text(response)
    assert "车辆行驶轨迹数据" in text(admin.get(f"/zones/{ZONE}/lists/2027"))
    broken = {"version": "2028", "file": (io.BytesIO(b"not a workbook"), "list.xlsx")}
    refused = post_form(admin, f"/staff/zones/{ZONE}/drafts/import", broken, content_type="multipart/form-data")
    assert refused.status_code == 422 and "未创建草稿" in text(refused)


def test_the_commission_returns_a_draft_with_a_reason(app, clients):
    admin, commission = clients["tianjin-admin"], clients["tianjin-commission"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    no_reason = post_form(commission, f"{STAFF}/approval", {"decision": "rejected"}, token_from=VERSION_URL)
    assert no_reason.status_code == 422
    assert 'id="f-reason-error"' in text(no_reason) and "退回须说明理由" in text(no_reason)
    returned = take_step(
        commission,
        f"{STAFF}/approval",
        {"decision": "rejected", "reason": "请补充医药类条目。"},
        token_from=VERSION_URL,
    )
    assert returned.status_code == 303
    page = text(admin.get(VERSION_URL))
    assert "草稿" in page and "退回修改" in page and "请补充医药类条目。" in page  # the reason in the history
    assert "修改草稿" in page  # editable again
    assert "/zones/CN-TJ-FTZ/lists/2026" not in text(commission.get("/staff/approvals")).split("<main")[1]


@pytest.fixture
def published_2024(app, people):
    """The example Tianjin list published through the API by the same people (their tokens)."""
    from tests.conftest import Caller
    from tests.lifecycle_helpers import Tianjin

    cast = Tianjin.__new__(Tianjin)
    client = app.test_client()
    cast.admin, cast.commission = Caller(client, people["tianjin-admin"]), Caller(client, people["tianjin-commission"])
    cast.cac, cast.nda = Caller(client, people["cac-filer"]), Caller(client, people["nda-filer"])
    cast.bring_to("published", "2024", effective_from="2024-05-10")
    return cast


def test_a_draft_is_compared_with_the_version_in_force(app, clients, published_2024):
    admin = clients["tianjin-admin"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form(), token_from="/staff")
    page = text(admin.get(VERSION_URL))
    assert "与现行版本（2024）比较" in page
    assert "HEALTH-001" in page  # in force, gone from the draft


def test_a_new_draft_can_start_from_the_version_in_force(app, clients, published_2024):
    page = text(clients["tianjin-admin"].get(f"/staff/zones/{ZONE}/drafts/new?from=2024"))
    assert 'value="AUTO.VEH.TRACK"' in page and 'value="vehicle_count &gt;= 10000"' in page.replace(">=", "&gt;=")
    assert 'name="version" value=""' in page


@pytest.mark.parametrize("page", ["²", "abc", "-1", "1.5"])
def test_a_page_number_that_is_not_one_is_refused_plainly(app, clients, page):
    response = clients["tianjin-admin"].get("/staff/audit", query_string={"page": page})
    assert response.status_code == 200
    assert "页码无效，已显示第1页。" in text(response)


def test_adding_rows_to_the_draft_editor_takes_a_bounded_whole_number(app, clients):
    admin = clients["tianjin-admin"]
    url = f"/staff/zones/{ZONE}/drafts/new"
    refused = post_form(admin, url, draft_form(add_items="abc"), token_from=url)
    assert refused.status_code == 200 and "要添加的行数无效" in text(refused)
    many = text(post_form(admin, url, draft_form(add_items="100000"), token_from=url))
    assert 'name="items.51.code"' in many and 'name="items.52.code"' not in many


def test_a_draft_may_say_its_scope_names_only_some_sectors(app, clients):
    admin = clients["tianjin-admin"]
    form = {k: v for k, v in draft_form().items() if k != "scope_complete"}  # the box left unticked
    assert post_form(admin, f"/staff/zones/{ZONE}/drafts/new", form).status_code == 303
    editor = text(admin.get(f"{STAFF}/edit"))
    assert 'id="f-scope_complete"' in editor and 'name="scope_complete" value="yes" checked' not in editor
    with app.app_context():
        from sqlmodel import select

        from registry.db import get_session
        from registry.lists.models import ListVersion

        stored = get_session().exec(select(ListVersion).where(ListVersion.version == "2026")).one()
        assert stored.scope_complete is False
