"""A company checks a dataset through the form, reads the determination, verifies the receipt,
and checks a whole inventory — all without a script, as a screen reader or an old browser would.
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import post_form

FORM = "/check?zone=CN-TJ-FTZ&on=2024-06-01"


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def tianjin_published(app, as_user):
    """The example Tianjin list, in force from 2024-05-10."""
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    return app


def answers(**changes: object) -> dict[str, object]:
    """A complete check form: a Tianjin company sending vehicle trajectories abroad."""
    form: dict[str, object] = {
        "zone": "CN-TJ-FTZ",
        "on": "2024-06-01",
        "processor.in_zone": "yes",
        "processor.ciio": "no",
        "dataset.categories": ["AUTO.VEH.TRACK"],
        "dataset.personal_info_subjects": "5万",
        "dataset.sensitive_pi_subjects": "0",
        "dataset.important_data": "no",
        "dataset.attributes.vehicle_count": "12,000",
        "cumulative.personal_info_subjects": "120000",
        "cumulative.sensitive_pi_subjects": "0",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def test_the_form_offers_the_zone_tree_and_its_attributes(tianjin_published):
    page = text(tianjin_published.test_client().get(FORM))
    assert 'value="AUTO.VEH.TRACK"' in page
    assert 'name="dataset.attributes.vehicle_count"' in page
    assert "车辆数" in page
    # Every input has a label.
    for input_id in re.findall(r'<input class="(?:input|choice__input)[^"]*"[^>]* id="([^"]+)"', page):
        assert f'for="{input_id}"' in page, input_id


def test_an_empty_form_gets_field_level_messages_from_the_api_schema(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", {"zone": "CN-TJ-FTZ"}, token_from=FORM)
    assert response.status_code == 422
    page = text(response)
    assert "提交的内容有误" in page
    # Messages sit next to the fields they are about, linked from the summary.
    for field in ("processor-in_zone", "processor-ciio", "dataset-categories", "dataset-personal_info_subjects"):
        assert f'id="f-{field}-error"' in page, field
        assert f'href="#f-{field}"' in page, field
    assert "此项为必填项" in page or "请至少选择或填写一项" in page


def test_cumulative_figures_may_not_be_smaller_than_the_dataset(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", answers(**{"cumulative.personal_info_subjects": "10"}), token_from=FORM)
    assert response.status_code == 422
    page = text(response)
    assert 'id="f-cumulative-personal_info_subjects-error"' in page
    assert "不得小于本次出境数据涉及的人数（50000）" in page


def test_a_check_shows_outcome_articles_items_duties_and_receipt(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", answers(), token_from=FORM)
    assert response.status_code == 200, text(response)
    page = unescape(text(response))
    assert "须申报数据出境安全评估" in page  # AUTO-001: 12,000 vehicles ≥ 10,000
    assert "AUTO-001" in page and "车辆行驶轨迹数据" in page
    assert "第六条" in page and "第七条" in page
    assert "自由贸易试验区在国家数据分类分级保护制度框架下，可以自行制定" in page  # Art. 6, quoted
    assert "第十条" in page and "第十一条" in page  # duties that remain
    assert "5万" in page  # 50,000 people, as a Chinese reader writes it
    receipt = re.search(r'<textarea[^>]*id="receipt-text"[^>]*>([^<]+)</textarea>', page).group(1).strip()
    assert len(receipt) > 100


def test_no_script_reload_shows_the_chosen_zones_categories(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "action": "reload"},
                         token_from="/check")  # fmt: skip
    assert response.status_code == 200
    assert 'value="AUTO.VEH.TRACK"' in text(response)
    assert "提交的内容有误" not in text(response)


def test_categories_fragment_for_the_script(tianjin_published):
    page = text(tianjin_published.test_client().get("/check/categories?zone=CN-TJ-FTZ&on=2024-06-01"))
    assert "<html" not in page
    assert 'value="HEALTH.GENE"' in page


def _receipt_of(client) -> str:
    page = unescape(text(post_form(client, "/check", answers(), token_from=FORM)))
    return re.search(r'<textarea[^>]*id="receipt-text"[^>]*>([^<]+)</textarea>', page).group(1).strip()


def test_a_receipt_verifies_and_an_altered_one_does_not(tianjin_published):
    client = tianjin_published.test_client()
    receipt = _receipt_of(client)
    valid = post_form(client, "/verify", {"receipt": receipt})
    assert "回执有效" in text(valid)
    assert "须申报数据出境安全评估" in text(valid)
    altered = receipt[:-3] + ("AAA" if receipt[-3:] != "AAA" else "BBB")
    invalid = post_form(client, "/verify", {"receipt": altered})
    assert "回执无效" in text(invalid)
    assert "须申报数据出境安全评估" not in text(invalid)


def test_no_list_in_force_checks_by_the_national_rules(app):
    client = app.test_client()
    form = answers(zone="CN-SD-FTZ", **{"dataset.categories": ["OTHER"], "dataset.attributes.vehicle_count": None})
    page = unescape(text(post_form(client, "/check", form, token_from="/check")))
    assert "不适用负面清单" in page
    # 120,000 people this year: 10万人以上、不满100万人, so Article 8's standard contract or certification.
    assert "须订立个人信息出境标准合同或通过个人信息保护认证" in page
    assert "依据：第八条" in page


INVENTORY = (
    "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,"
    "cumulative_personal_info_subjects,cumulative_sensitive_pi_subjects,grounds,vehicle_count\r\n"
    "轨迹,AUTO.VEH.TRACK,0,0,false,0,0,,20000\r\n"
    "基因,HEALTH.GENE,0,0,true,0,0,,\r\n"
    "订单,AUTO.VEH.IMG,0,0,false,0,0,international_trade,\r\n"
    "坏行,AUTO,many,0,false,,,,\r\n"
)


def test_an_inventory_upload_charts_outcomes_and_offers_the_results(tianjin_published):
    client = tianjin_published.test_client()
    data = {
        "zone": "CN-TJ-FTZ",
        "on": "2024-06-01",
        "in_zone": "yes",
        "ciio": "no",
        "file": (io.BytesIO(INVENTORY.encode("utf-8")), "inventory.csv"),
    }
    response = post_form(client, "/check/inventory", data, content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200, text(response)
    page = text(response)
    assert '<svg class="bars"' in page
    assert "安全评估" in page and "数据有误" in page
    links = re.findall(r'href="(/check/inventory/results/[^"/?]+\.(?:csv|xlsx))"', page)
    assert {link.rsplit(".", 1)[1] for link in links} == {"csv", "xlsx"}
    csv_link = next(link for link in links if link.endswith(".csv"))
    results = client.get(csv_link).data.decode("utf-8-sig")
    assert results.splitlines()[0].startswith("行号,dataset,categories,")
    assert "结论代码,结论,第六条状态代码,第六条（负面清单）" in results.splitlines()[0]
    assert "security_assessment,安全评估" in results and "invalid,数据有误" in results
    assert client.get("/check/inventory/results/not-a-token.csv").status_code == 404


def test_an_inventory_without_required_columns_is_refused_with_a_message(tianjin_published):
    client = tianjin_published.test_client()
    data = {
        "zone": "CN-TJ-FTZ",
        "in_zone": "yes",
        "ciio": "no",
        "file": (io.BytesIO(b"dataset,categories\r\nx,AUTO\r\n"), "inventory.csv"),
    }
    response = post_form(client, "/check/inventory", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "缺少必填的列：个人信息人数、敏感个人信息人数、是否重要数据" in text(response)
    assert 'id="f-file-error"' in text(response)


def test_a_forged_post_without_the_csrf_token_is_refused(tianjin_published):
    client = tianjin_published.test_client()
    for url in ("/check", "/verify", "/sign-in", "/check/inventory"):
        response = client.post(url, data=answers())
        assert response.status_code == 400, url
        assert response.mimetype == "text/html"
        assert "表单已过期或来源无法验证" in text(response)
