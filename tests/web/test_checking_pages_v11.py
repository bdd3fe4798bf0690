"""Contract v1.1 on the pages: reasoning in the page's language, what holds if the list does not
exempt, unknown category codes, early dates, and records whose approval no source states."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest

from tests.lifecycle_helpers import Tianjin
from tests.web.conftest import post_form
from tests.web.test_checking_pages import FORM, answers


def text(response) -> str:
    """The page's visible text, tags stripped."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", unescape(response.get_data(as_text=True))))


@pytest.fixture
def tianjin_published(app, as_user):
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10")
    return app


def test_the_reasoning_is_in_chinese_on_chinese_pages_and_in_english_on_english_pages(tianjin_published):
    client = tianjin_published.test_client()
    page = text(post_form(client, "/check", answers(), token_from=FORM))
    assert "判断过程（英文）" not in page
    assert "第七条第（二）项要求申报数据出境安全评估" in page  # Art. 2 designation via AUTO-001: text_zh
    assert "Article 7(2) requires a security assessment" not in page
    client.set_cookie("registry_lang", "en")
    page = text(post_form(client, "/check", answers(), token_from=FORM))
    assert "Reasoning" in page and "Article 7(2) requires a security assessment" in page


def test_an_unknown_category_is_a_visible_warning_with_the_nearest_codes(tianjin_published):
    client = tianjin_published.test_client()
    form = answers(**{"dataset.categories": ["AUTOO"], "dataset.attributes.vehicle_count": None})
    page = text(post_form(client, "/check", form, token_from=FORM))
    assert "AUTOO不是本清单的类别——是否指AUTO" in page
    client.set_cookie("registry_lang", "en")
    page = text(post_form(client, "/check", form, token_from=FORM))
    assert "AUTOO is not a category of this list — did you mean AUTO" in page


def test_an_open_answer_says_what_holds_if_the_data_are_not_outside_the_list(app, as_user):
    Tianjin(as_user).bring_to("published", "2024", effective_from="2024-05-10", scope_complete=False)
    client = app.test_client()
    form = answers(**{"dataset.categories": ["FIN.PAY"], "dataset.personal_info_subjects": "150000",
                      "cumulative.personal_info_subjects": "150000",
                      "dataset.attributes.vehicle_count": None})  # fmt: skip
    response = post_form(client, "/check", form, token_from=FORM)
    raw, page = response.get_data(as_text=True), text(response)
    assert "若该数据属于负面清单外的数据：免予申报" in page
    assert "否则：须订立个人信息出境标准合同或者通过个人信息保护认证" in page or "否则：" in page and "第八条" in page
    assert 'id="national-outcome"' in raw and "/zones/CN-TJ-FTZ/lists/2024#record-title" in raw
    client.set_cookie("registry_lang", "en")
    page = text(post_form(client, "/check", form, token_from=FORM))
    assert "If the data are outside the list: exempt" in page and "Otherwise:" in page and "Article 8" in page


def test_a_check_dated_before_order_16_is_refused_on_the_pages(tianjin_published):
    client = tianjin_published.test_client()
    response = post_form(client, "/check", answers(on="2024-03-21"), token_from=FORM)
    assert response.status_code == 422
    assert 'id="f-on-error"' in response.get_data(as_text=True)
    assert post_form(client, "/check", answers(on="2024-03-22"), token_from=FORM).status_code == 200
    inventory = (
        "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data\r\nx,AUTOO,0,0,false\r\n"
    )
    data = {"zone": "CN-TJ-FTZ", "on": "2024-03-21", "in_zone": "yes", "ciio": "no",
            "file": (io.BytesIO(inventory.encode()), "inventory.csv")}  # fmt: skip
    response = post_form(client, "/check/inventory", data, content_type="multipart/form-data")
    assert response.status_code == 422 and "2024年3月22日" in text(response)
    data.update(on="2024-03-22", file=(io.BytesIO(inventory.encode()), "inventory.csv"))
    response = post_form(client, "/check/inventory", data, content_type="multipart/form-data")
    assert response.status_code == 303
    data.update(on="2024-06-01", file=(io.BytesIO(inventory.encode()), "inventory.csv"))  # the list is in force
    response = post_form(client, "/check/inventory", data, content_type="multipart/form-data", follow_redirects=True)
    assert "“AUTOO”不是本清单的类别——是否指 AUTO" in text(response)
    assert "若不属于清单外的数据" in text(response)


def test_a_seeded_record_without_a_stated_approval_says_so(seeded_app):
    client = seeded_app.test_client()
    for url in ("/zones/CN-GX-FTZ", "/zones/CN-GX-FTZ/lists/2025"):
        page = text(client.get(url))
        assert "未见公开来源载明" in page, url
        assert "已批准（文号未公开）" not in page, url
    client.set_cookie("registry_lang", "en")
    page = text(client.get("/zones/CN-GX-FTZ/lists/2025"))
    assert "not stated in the sources" in page and "number not published" not in page
