"""One vocabulary and one round trip through the pages: what a version page offers for download
imports again unchanged (CSV and XLSX, same digest); the import page reads every label the forms
show, names the accepted values when it refuses one, keeps a file that failed, and says each row's
problems in the page's language."""

from __future__ import annotations

import io
from html import unescape

import pytest
from sqlmodel import select

from registry.accounts.passwords import hash_password
from registry.accounts.services import create_account
from registry.db import get_session, writing
from registry.lists import services
from registry.lists.canonical import content_digest
from registry.lists.labels import LEVELS, MECHANISMS
from registry.lists.models import HeldUpload, ListVersion
from tests.web.conftest import PASSWORD, add_people, post_form, sign_in

ZONE = "CN-TJ-FTZ"
IMPORT = f"/staff/zones/{ZONE}/drafts/import"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def upload(client, data: bytes, filename: str, version: str = "", **extra: str):
    form = {"version": version, "file": (io.BytesIO(data), filename), **extra}
    return post_form(client, IMPORT, form, token_from=IMPORT, content_type="multipart/form-data")


def resend(client, version: str, held: str):
    return post_form(client, IMPORT, {"version": version, "held": held}, token_from=IMPORT,
                     content_type="multipart/form-data")  # fmt: skip


def imported_digest(app, zone: str, version: str) -> str:
    """The digest the draft ``version`` will have when it is submitted."""
    with app.app_context():
        statement = select(ListVersion).where(ListVersion.zone_code == zone, ListVersion.version == version)
        return content_digest(services.content_of(get_session().exec(statement).one()))


@pytest.fixture
def admin(app, people):
    client = app.test_client()
    sign_in(client, "tianjin-admin")
    return client


def test_every_published_list_of_record_comes_back_from_its_page_downloads_with_its_digest(seeded_app):
    """Tianjin's lists of record, downloaded from their public pages and uploaded as drafts."""
    add_people(seeded_app, "tianjin-admin")
    client = seeded_app.test_client()
    sign_in(client, "tianjin-admin")
    with seeded_app.app_context():
        versions = [(v.version, v.digest) for v in services.list_versions(get_session(), None, ZONE)]
    assert versions
    for number, (label, digest) in enumerate(versions):
        for fmt in ("csv", "xlsx"):
            downloaded = client.get(f"/zones/{ZONE}/lists/{label}/download.{fmt}")
            assert downloaded.status_code == 200
            if fmt == "csv":
                assert downloaded.data.startswith(b"\xef\xbb\xbf#") and downloaded.data.count(b"\xef\xbb\xbf") == 1
            copy = f"copy-{number}-{fmt}"
            answer = upload(client, downloaded.data, f"{ZONE}-{label}.{fmt}", copy)
            assert answer.status_code == 303, text(answer)[-3000:]
            assert imported_digest(seeded_app, ZONE, copy) == digest, (label, fmt)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_label_a_form_shows_is_read_back(admin, language):
    admin.get(f"/language/{language}")
    form = admin.get(f"/staff/zones/{ZONE}/drafts/new").get_data(as_text=True)
    rows = []
    for n, (level, mechanism) in enumerate(zip(list(LEVELS) + ["important_data"], list(MECHANISMS) * 2, strict=True)):
        level_label, mechanism_label = LEVELS[level].in_language(language), MECHANISMS[mechanism].in_language(language)
        assert f">{level_label}</option>" in form and f">{mechanism_label}</option>" in form
        rows.append(f"AUTO,A-{n},车辆数据{n},{level_label},{mechanism_label},")
    csv = "\r\n".join(["# version: 2030", "# title: 测试", "# scope: AUTO", "# category: AUTO | 汽车",
                       "类别代码,编号,数据项,级别,管理要求,触发条件", *rows])  # fmt: skip
    answer = upload(admin, csv.encode(), "hand.csv")
    assert answer.status_code == 303, text(answer)[-2000:]


def test_a_refused_label_names_the_accepted_values_in_the_pages_language(admin):
    csv = "\r\n".join(["# version: 2030", "# title: 测试", "# scope: AUTO", "# category: AUTO | 汽车",
                       "类别代码,编号,数据项,级别,管理要求,触发条件",
                       "AUTO,A-1,车辆数据,一般数据,Security assessment,",
                       "AUTO,A-2,车辆数据2,重要数据,数据出境安全评估,vehicle_count is big"])  # fmt: skip
    refused = text(upload(admin, csv.encode(), "hand.csv"))
    assert "“一般数据”不是可以接受的级别" in refused
    for label in LEVELS.values():
        assert label.zh in refused
    assert "第6行" in refused and "第7行" in refused and "无法识别的条件“vehicle_count is big”" in refused
    admin.get("/language/en")
    refused = text(upload(admin, csv.encode(), "hand.csv"))
    assert "is not an accepted level" in refused and "Important data (important_data)" in refused
    assert "row 6" in refused and "Cannot read the condition" in refused


def test_a_failed_import_keeps_the_file_for_another_try(app, admin, people):
    exported = "\r\n".join(["# title: 测试", "# scope: AUTO", "# category: AUTO | 汽车",
                            "类别代码,编号,数据项,级别,管理要求,触发条件",
                            "AUTO,A-1,车辆数据,重要数据,数据出境安全评估,"]).encode()  # fmt: skip
    refused = upload(admin, exported, "no-version.csv")
    page = text(refused)
    assert refused.status_code == 422 and "no-version.csv" in page and 'id="held-file"' in page
    held = page.split('name="held" value="')[1].split('"')[0]
    # Another administrator of the same zone cannot use the token: the file is its uploader's.
    with app.app_context(), writing():
        create_account(get_session(), "tianjin-colleague", "zone_admin", zone=ZONE,
                       password_hash=hash_password(PASSWORD))  # fmt: skip
        get_session().commit()
    other = app.test_client()
    sign_in(other, "tianjin-colleague")
    answer = text(resend(other, "2031", held))
    assert "held-file" not in answer and "请选择要上传的电子表格文件" in answer
    # The same person sends the form again with a version label, and no new file.
    done = resend(admin, "2031", held)
    assert done.status_code == 303 and done.headers["Location"] == f"/zones/{ZONE}/lists/2031"
    with app.app_context():
        assert get_session().exec(select(HeldUpload)).first() is None  # used, then dropped
    assert "held-file" not in text(resend(admin, "2032", held))
