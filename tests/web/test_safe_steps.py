"""Safe steps on the staff pages: a confirmation page before every irreversible step, checked again
on the final POST; withdrawing a draft; the approver's reason beside a returned draft."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select

from registry.audit.models import AuditEvent
from registry.db import get_session
from registry.lists.models import ListVersion
from tests.web.conftest import confirmation_fields, post_form, sign_in, take_step
from tests.web.test_staff_pages import STAFF, VERSION_URL, ZONE, draft_form


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def clients(app, people):
    made = {}
    for name in people:
        made[name] = app.test_client()
        sign_in(made[name], name)
    return made


def stored(app) -> ListVersion | None:
    with app.app_context():
        return get_session().exec(select(ListVersion).where(ListVersion.zone_code == ZONE)).first()


def actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in get_session().exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_submitting_shows_what_will_happen_and_changes_nothing_until_confirmed(app, clients):
    admin = clients["tianjin-admin"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    shown = post_form(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    page = text(shown)
    assert shown.status_code == 200
    assert "确认提交审批" in page and "此操作一经确认即不能撤销" in page and "版本内容将冻结" in page
    assert "2026" in page and "中国（天津）自由贸易试验区数据出境管理清单（负面清单）（测试）" in page
    assert stored(app).status == "draft" and "submitted" not in actions(app)
    fields = confirmation_fields(page)
    assert fields["confirmed"] == "yes" and fields["etag"] == stored(app).etag

    # The final POST is a form like any other: no CSRF token, no step.
    without_token = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert admin.post(f"{STAFF}/submit", data=without_token).status_code == 400
    assert stored(app).status == "draft"
    # Another zone's administrator, replaying the confirmation with its own token: refused.
    beijing = clients["beijing-admin"]
    forged = dict(fields, csrf_token=confirmation_token(beijing))
    assert beijing.post(f"{STAFF}/submit", data=forged).status_code == 403
    assert stored(app).status == "draft"

    done = admin.post(f"{STAFF}/submit", data=fields)
    assert done.status_code == 303 and stored(app).status == "submitted"
    assert actions(app).count("submitted") == 1


def confirmation_token(client) -> str:
    page = client.get("/staff").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_version_changed_after_the_confirmation_page_is_not_acted_on(app, clients):
    admin = clients["tianjin-admin"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    fields = confirmation_fields(text(post_form(admin, f"{STAFF}/submit", token_from=VERSION_URL)))
    editor = text(admin.get(f"{STAFF}/edit"))
    etag = re.search(r'name="etag" value="([^"]+)"', editor).group(1)
    edit = {k: v for k, v in draft_form(**{"items.0.name_zh": "改过的名称"}).items() if k != "version"}
    assert post_form(admin, f"{STAFF}/edit", {**edit, "etag": etag}).status_code == 303
    refused = admin.post(f"{STAFF}/submit", data=fields, follow_redirects=True)
    assert "已被他人修改" in text(refused)
    assert stored(app).status == "draft"


def test_the_approval_form_preselects_no_decision_and_each_decision_is_confirmed(app, clients):
    admin, commission = clients["tianjin-admin"], clients["tianjin-commission"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    page = text(commission.get(VERSION_URL))
    form = page.split('action="/staff/zones/CN-TJ-FTZ/lists/2026/approval"')[1].split("</form>")[0]
    assert form.count('type="radio"') == 2 and " checked" not in form
    nothing = post_form(commission, f"{STAFF}/approval", {"document_no": "X"}, token_from=VERSION_URL)
    assert nothing.status_code == 422 and 'id="f-decision-error"' in text(nothing)

    shown = text(post_form(commission, f"{STAFF}/approval", {"decision": "rejected", "reason": "请补充医药类条目。"},
                           token_from=VERSION_URL))  # fmt: skip
    assert "确认退回修改" in shown and "请补充医药类条目。" in shown and "不能撤销" in shown
    assert stored(app).status == "submitted"
    assert commission.post(f"{STAFF}/approval", data=confirmation_fields(shown)).status_code == 303
    assert stored(app).status == "draft"

    # The zone administrator reads the reason on the version's page and on its desk.
    version_page = text(admin.get(VERSION_URL))
    notice = version_page.split('id="rejection"')[1].split("</div>")[0]
    assert "请补充医药类条目。" in notice and "tianjin-commission" in notice
    assert "已被退回修改" in text(admin.get("/staff")) and "请补充医药类条目。" in text(admin.get("/staff"))
    # Submitted again, the reason is no longer standing.
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    assert "已被退回修改" not in text(admin.get("/staff"))


def test_a_refusal_the_service_knows_is_shown_before_the_confirmation(app, clients):
    admin, commission = clients["tianjin-admin"], clients["tianjin-commission"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    future = post_form(commission, f"{STAFF}/approval",
                       {"decision": "approved", "document_no": "津网信委〔2026〕7号", "decided_on": "2999-01-01"},
                       token_from=VERSION_URL)  # fmt: skip
    assert future.status_code == 422 and "不得晚于今日" in text(future) and "confirm-form" not in text(future)
    assert stored(app).status == "submitted" and "approved" not in actions(app)


def test_a_draft_is_withdrawn_from_its_page_after_confirmation_and_the_audit_keeps_it(app, clients):
    admin = clients["tianjin-admin"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    assert "撤回草稿" in text(admin.get(VERSION_URL))
    shown = text(post_form(admin, f"{STAFF}/withdraw", token_from=VERSION_URL))
    assert "确认撤回草稿" in shown and "办理记录（审计日志）保留" in shown
    assert admin.get(VERSION_URL).status_code == 200
    done = admin.post(f"{STAFF}/withdraw", data=confirmation_fields(shown))
    assert done.status_code == 303 and done.headers["Location"] == "/staff"
    assert "草稿2026已撤回" in text(admin.get("/staff"))
    assert admin.get(VERSION_URL).status_code == 404
    assert actions(app)[-1] == "withdrawn"
    # Not offered, and refused, once the version is submitted.
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    assert "撤回草稿" not in text(admin.get(VERSION_URL))
    refused = post_form(admin, f"{STAFF}/withdraw", token_from=VERSION_URL, follow_redirects=True)
    assert "当前状态不允许此操作" in text(refused)


def test_each_irreversible_step_has_its_confirmation(app, clients):
    admin, commission = clients["tianjin-admin"], clients["tianjin-commission"]
    post_form(admin, f"/staff/zones/{ZONE}/drafts/new", draft_form())
    take_step(admin, f"{STAFF}/submit", token_from=VERSION_URL)
    approve = {"decision": "approved", "document_no": "津网信委〔2026〕7号"}
    shown = text(post_form(commission, f"{STAFF}/approval", approve, token_from=VERSION_URL))
    assert "确认批准" in shown and "津网信委〔2026〕7号" in shown
    commission.post(f"{STAFF}/approval", data=confirmation_fields(shown))
    for name, authority in (("cac-filer", "CAC"), ("nda-filer", "NDA")):
        filing = {"authority": authority, "filing_no": f"{authority}-1"}
        shown = text(post_form(clients[name], f"{STAFF}/filing", filing, token_from=VERSION_URL))
        assert "确认记录备案" in shown and f"{authority}-1" in shown and "不能撤销" in shown
        assert clients[name].post(f"{STAFF}/filing", data=confirmation_fields(shown)).status_code == 303
    shown = text(post_form(admin, f"{STAFF}/publish", {"effective_from": "2099-01-10"}, token_from=VERSION_URL))
    assert "确认发布" in shown and "2099年1月10日" in shown and stored(app).status == "filed"
    admin.post(f"{STAFF}/publish", data=confirmation_fields(shown))
    shown = text(post_form(admin, f"{STAFF}/revoke", {"revoked_on": "2099-02-01", "reason": "测试"},
                           token_from=VERSION_URL))  # fmt: skip
    assert "确认废止" in shown and "2099年2月1日" in shown and stored(app).status == "published"
    admin.post(f"{STAFF}/revoke", data=confirmation_fields(shown))
    assert stored(app).status == "revoked"


def test_a_new_draft_starts_complete_and_says_what_the_boxes_mean(app, clients):
    page = text(clients["tianjin-admin"].get(f"/staff/zones/{ZONE}/drafts/new"))
    assert 'name="items_complete" value="yes" checked' in page
    assert 'id="f-items_complete-hint"' in page and 'id="f-scope_complete-hint"' in page


def test_a_draft_started_from_a_partial_record_starts_complete(app, clients):
    from registry.accounts.services import account_named
    from registry.db import writing
    from registry.lists import services
    from registry.lists.schemas import ListVersionCreateSchema
    from tests.factories import tianjin_list

    with app.app_context(), writing():
        session = get_session()
        content = ListVersionCreateSchema().load(tianjin_list(version="2024", items_complete=False))
        services.create_draft(session, account_named(session, "tianjin-admin"), ZONE, content)
    page = text(clients["tianjin-admin"].get(f"/staff/zones/{ZONE}/drafts/new?from=2024"))
    assert 'name="items_complete" value="yes" checked' in page
