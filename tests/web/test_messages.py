"""Validation messages in the reader's language, translated at the source by code — and the API's
English unchanged.

Every message the schemas and services raise carries a code (``registry.messages.Message``); the
pages show the code's label (``registry/web/messages.py``). These tests fail if a message reaches
a Chinese page in English, an English page in Chinese, or the API in anything but its English.
"""

from __future__ import annotations

import ast
import io
import re
from html import unescape
from pathlib import Path

import marshmallow as ma
import pytest

from registry.checks import schemas as check_schemas
from registry.fields import RegistrySchema
from registry.lists import schemas as list_schemas
from registry.messages import Message
from registry.web.messages import COMPOSED, MESSAGE_LABELS, reader_text
from registry.zones import schemas as zone_schemas
from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import post_form, sign_in, take_step

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
CJK = re.compile(r"[\u4e00-\u9fff]")
FORM = "/check?zone=CN-TJ-FTZ&on=2024-06-01"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _codes_in_source() -> set[str]:
    """Every code written beside a message in the registry's code: ``Message(text, "code")``, ``coded(text, …)``."""
    codes: set[str] = set()
    for path in REGISTRY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Message", "coded")
            if called and len(node.args) >= 2:
                codes |= {c.value for c in ast.walk(node.args[1]) if isinstance(c, ast.Constant)}
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_FIELD_CODES" for t in node.targets):
                codes |= {c.value for c in node.value.values}
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_INVALID_CODES":
                codes |= {c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    return {code for code in codes if isinstance(code, str)}


def test_every_code_in_the_source_has_a_label_in_both_languages(app):
    codes = _codes_in_source()
    assert {"required", "one_of", "duplicate_code", "before_filing", "not_count"} <= codes  # the scan finds them
    assert codes - set(MESSAGE_LABELS) - set(COMPOSED) == set()
    for language in ("zh", "en"):
        with app.test_request_context(headers={"Cookie": f"registry_lang={language}"}):
            for code, label in MESSAGE_LABELS.items():
                shown = str(label)
                if language == "zh":
                    assert CJK.search(shown), code
                else:
                    assert shown != label._args[0], f"{code} has no English"  # the Chinese msgid, untranslated
                    assert not CJK.search(shown.replace("说明", "")), code


# Values a client might send for any field: each kind of field refuses some of them.
_HOSTILE = (None, "", " ", "x" * 6000, "not a date", -1, 1.5, 10**16, True, [], {}, ["a"] * 300, {"a": 1}, "a b")


def _request_schemas() -> list[type[ma.Schema]]:
    found = []
    for module in (check_schemas, list_schemas, zone_schemas):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, RegistrySchema) and value.__module__ == module.__name__:
                found.append(value)
    return found


def _leaves(errors):
    if isinstance(errors, dict):
        for value in errors.values():
            yield from _leaves(value)
    elif isinstance(errors, list):
        for value in errors:
            yield from _leaves(value)
    else:
        yield errors


def test_every_message_a_request_schema_gives_is_coded_and_labelled():
    """marshmallow's own messages (required, type, length, range, one-of, pattern) included."""
    seen: set[str] = set()
    schemas = _request_schemas()
    assert len(schemas) >= 10
    for schema_class in schemas:
        schema = schema_class()
        payloads = [{}, {"unknown_field": 1}, [], "x"]
        payloads += [{name: value} for name in schema.fields for value in _HOSTILE]
        payloads += [{name: [value] for name in schema.fields} for value in _HOSTILE]
        for payload in payloads:
            try:
                schema.load(payload)
            except ma.ValidationError as error:
                for message in _leaves(error.messages):
                    assert isinstance(message, Message), (schema_class.__name__, payload, message)
                    assert message.code in MESSAGE_LABELS, message.code
                    seen.add(message.code)
    # The kinds the forms meet most are among them.
    assert {"required", "unknown_field", "not_text", "one_of", "range_between", "not_count", "invalid_date",
            "too_long", "not_list", "pattern", "blank", "not_true_or_false"} <= seen  # fmt: skip


def test_a_message_keeps_its_code_through_copies_and_formatting():
    import copy
    import pickle

    message = Message("Longer than maximum length {max}.", "too_long")
    formatted = message.format(max=5)
    assert formatted == "Longer than maximum length 5." and formatted.code == "too_long"
    assert formatted.params == {"max": 5}
    for again in (copy.deepcopy(formatted), pickle.loads(pickle.dumps(formatted))):
        assert again == formatted and again.code == "too_long" and again.params == {"max": 5}


def test_labels_fill_in_values_in_the_readers_language(app):
    message = Message("Parent categories not declared: A, A.B.", "parents_not_declared", codes=["A", "A.B"])
    with app.test_request_context(headers={"Cookie": "registry_lang=zh"}):
        assert reader_text(message) == "上级类别尚未列出：A、A.B。"
        assert reader_text("An uncoded message") == "An uncoded message"
    with app.test_request_context(headers={"Cookie": "registry_lang=en"}):
        assert reader_text(message) == "Parent categories are not listed: A, A.B."


# --- the pages, in both languages, and the API beside them -------------------------------------


@pytest.fixture
def tianjin_published(app, as_user):
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    return app


def _check_form(**changes: str) -> dict[str, object]:
    form: dict[str, object] = {
        "zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor.in_zone": "yes", "processor.ciio": "no",
        "dataset.categories": ["AUTO.VEH.TRACK"], "dataset.personal_info_subjects": "50000",
        "dataset.sensitive_pi_subjects": "0", "dataset.important_data": "no",
        "cumulative.personal_info_subjects": "120000", "cumulative.sensitive_pi_subjects": "0",
    }  # fmt: skip
    form.update(changes)
    return form


# (form changes, the Chinese page's words, the English page's words, the API's English)
CHECK_CASES = [
    ({"cumulative.personal_info_subjects": "10"}, "不得小于本次出境数据涉及的人数（50000）",
     "smaller than the number of people in this transfer (50000)",
     "May not be smaller than the dataset's own"),
    ({"dataset.other_categories": "AUTO..X"}, "“AUTO..X”不是有效的类别代码", "is not a category code",
     "is not a category code (dot-separated, e.g."),
    ({"on": "2024-01-05"}, "本系统不对此前的数据出境作出判断", "applies from 22 March 2024", "applies from 2024-03-22"),
    ({"dataset.sensitive_pi_subjects": "many"}, "请填写人数：不小于0的整数", "Enter a number of people",
     "Must be a whole number of people"),
    ({"cumulative.personal_info_subjects": "", "cumulative.sensitive_pi_subjects": ""},
     "须填写当年1月1日起累计（含本次）的人数", "enter the totals since 1 January",
     "Required when the dataset holds personal"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "zh", "en", "api"), CHECK_CASES)
def test_check_form_messages_follow_the_page_language(tianjin_published, changes, zh, en, api):
    for language, expected, absent in (("zh", zh, en), ("en", en, zh)):
        client = tianjin_published.test_client()
        client.set_cookie("registry_lang", language)
        page = text(post_form(client, "/check", _check_form(**changes), token_from=FORM))
        assert expected in page, (language, changes)
        assert absent not in page, (language, changes)
        assert api not in page, (language, changes)  # never the API's English


def test_the_api_answers_in_its_english_whatever_the_language_cookie(tianjin_published):
    client = tianjin_published.test_client()
    client.set_cookie("registry_lang", "zh")
    body = {
        "zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": ["AUTO..X"], "personal_info_subjects": 50000, "sensitive_pi_subjects": 0,
                    "important_data": False},
        "cumulative": {"personal_info_subjects": 10, "sensitive_pi_subjects": 0}, "grounds": ["nope"],
    }  # fmt: skip
    response = client.post("/api/v1/checks", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert errors["dataset"]["categories"]["0"] == [
        "'AUTO..X' is not a category code (dot-separated, e.g. AUTO.VEH.TRACK)."
    ]
    assert errors["grounds"]["0"][0].startswith("Must be one of: international_trade, ")
    assert not CJK.search(response.get_data(as_text=True))


# --- staff pages ----------------------------------------------------------------------------


@pytest.fixture
def admin(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    return client


def _draft(**changes: str) -> dict[str, str]:
    form = {
        "version": "2026", "title": "测试清单", "scope": "AUTO", "excludes_ciio": "yes", "items_complete": "yes",
        "scope_complete": "yes", "categories.0.code": "AUTO", "categories.0.name_zh": "汽车",
        "items.0.code": "AUTO-001", "items.0.category": "AUTO", "items.0.name_zh": "车辆数据",
        "items.0.level": "important_data", "items.0.mechanism": "security_assessment",
    }  # fmt: skip
    form.update(changes)
    return form


DRAFT_CASES = [
    ({"items.0.category": "AUTO.NOPE"}, "类别“AUTO.NOPE”尚未在类别表中列出", "AUTO.NOPE", "is not declared"),
    ({"categories.1.code": "AUTO.X.Y", "categories.1.name_zh": "某类"}, "上级类别尚未列出：AUTO.X",
     "AUTO.X", "Parent categories not declared"),
    ({"version": "in-force"}, "“in-force”为保留字，不能用作版本号", "is reserved and cannot name",
     "'in-force' is reserved"),
    ({"title": "x" * 501}, "不得超过500个字符", "500", "Longer than maximum length"),
    ({"items.0.code": "A B"}, "格式不正确：只能使用字母", "letters", "does not match expected pattern"),
    ({"items.0.conditions": "personal_info_subjects >= true"}, "不能取 true 或 false", "true or false",
     "is a number."),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "zh", "en_part", "api"), DRAFT_CASES)
def test_draft_editor_messages_follow_the_page_language(app, admin, changes, zh, en_part, api):
    url = "/staff/zones/CN-TJ-FTZ/drafts/new"
    zh_page = text(post_form(admin, url, _draft(**changes)))
    assert zh in zh_page and api not in zh_page
    admin.set_cookie("registry_lang", "en")
    en_page = text(post_form(admin, url, _draft(**changes)))
    summary = en_page.split('class="error-summary', 1)[1].split("</div>", 1)[0]
    assert en_part in summary and not CJK.search(summary.replace("说明", "")), summary
    assert api not in en_page
    admin.set_cookie("registry_lang", "zh")


# --- the staff import page ------------------------------------------------------------------

BROKEN_CSV = (
    "# version: 2030\n# title: 测试清单\n# scope: AUTO\n# bogus: 1\n"
    "领域 sector,类别代码 category code,编号 code,数据项 item,级别 level,管理要求 mechanism,触发条件 conditions\n"
    "汽车,AUTO,A-1,车辆数据,重要级,security_assessment,vehicle_count >> 5\n"
).encode()
# What the file gets wrong, on the Chinese page and on the English one.
# What the file gets wrong, on the Chinese page and on the English one: where (sheet, row, column) and what.
IMPORT_ZH = ("<td>list.csv · 第4行</td><td>无法识别的项目“bogus”",
             "<td>list.csv · 第6行 · 级别 level</td><td>“重要级”不是可以接受的级别。"
             "可以填写（中文、英文或代码均可）：重要数据 (important_data)",
             "<td>list.csv · 第6行 · 触发条件 conditions</td><td>无法识别的条件“vehicle_count >> 5”")  # fmt: skip
IMPORT_EN = ("<td>list.csv · row 4</td><td>Unknown key “bogus”",
             "<td>list.csv · row 6 · 级别 level</td><td>“重要级” is not an accepted level. Write one of (in Chinese, "
             "in English or as the code): Important data (important_data)",
             "<td>list.csv · row 6 · 触发条件 conditions</td>"
             "<td>Cannot read the condition “vehicle_count >> 5”")  # fmt: skip


def test_import_problems_follow_the_page_language_and_the_api_keeps_its_english(app, admin, people):
    url = "/staff/zones/CN-TJ-FTZ/drafts/import"
    pages = {}
    for language in ("zh", "en"):
        admin.set_cookie("registry_lang", language)
        data = {"file": (io.BytesIO(BROKEN_CSV), "list.csv")}
        response = post_form(admin, url, data, content_type="multipart/form-data")
        assert response.status_code == 422
        pages[language] = text(response).split('class="error-summary', 1)[1].split("</div>", 1)[0]
    admin.set_cookie("registry_lang", "zh")
    for expected in IMPORT_ZH:
        assert expected in pages["zh"], pages["zh"]
    for expected in IMPORT_EN:
        assert expected in pages["en"], pages["en"]
    for phrase in ("无法识别", "不是可以接受的", "第6行"):
        assert phrase not in pages["en"]
    for phrase in ("Unknown key", "is not an accepted", "row 6", "Important data", "Cannot read"):
        assert phrase not in pages["zh"]
    # The API answers the same file with the problems' English, as before.
    token = people["tianjin-admin"]
    answer = app.test_client().post(
        "/api/v1/zones/CN-TJ-FTZ/lists/import",
        data={"file": (io.BytesIO(BROKEN_CSV), "list.csv")},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["file"] == [
        "list.csv, row 4: Unknown key 'bogus'; the keys are 自贸试验区 zone, 版本 version, 状态 status, "
        "生效日期 effective_from, 废止日期 revoked_on, 摘要 digest, 标题 title, 适用范围 scope, "
        "关键信息基础设施运营者不适用 excludes_ciio, 条目完整 items_complete, 适用范围完整 scope_complete, "
        "类别 category, 属性 attribute.",
        "list.csv, row 6, 触发条件 conditions: Cannot read the condition 'vehicle_count >> 5': write attribute, "
        "operator (>=, >, <=, <, ==; or ≥, ≤) and a number or true/false, e.g. `personal_info_subjects >= 100000`; "
        "separate conditions with ';'.",
        "list.csv, row 6, 级别 level: '重要级' is not a level; write one of: 重要数据 / Important data / "
        "important_data; 个人信息 / Personal information / personal_information; "
        "敏感个人信息 / Sensitive personal information / sensitive_personal_information.",
    ]


def test_a_step_the_state_does_not_allow_is_refused_in_the_page_language(app, admin):
    post_form(admin, "/staff/zones/CN-TJ-FTZ/drafts/new", _draft())
    version_url, submit = "/zones/CN-TJ-FTZ/lists/2026", "/staff/zones/CN-TJ-FTZ/lists/2026/submit"
    assert take_step(admin, submit, token_from=version_url).status_code == 303
    flashes = {}
    for language in ("zh", "en"):
        admin.set_cookie("registry_lang", language)
        again = post_form(admin, submit, token_from=version_url)  # a second submission: the state refuses it
        assert again.status_code == 303
        flashes[language] = text(admin.get(version_url))
    admin.set_cookie("registry_lang", "zh")
    assert "只有草稿可以提交审批；此版本的状态为“已提交审批”" in flashes["zh"]
    assert "Only a draft can be submitted; this version is “Submitted for approval”" in flashes["en"]
    assert "this version is submitted." not in flashes["zh"] + flashes["en"]  # the API's English
