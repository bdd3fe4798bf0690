"""A batch is counted by its datasets; anonymous batches are small; verification is rate limited;
the web inventory's results folder stays bounded.

A security review sent anonymous 50,000-dataset batches, 120 a minute, each costing 8.5 s and
177.5 MB of answer; and re-ran checks without limit through receipt verification.
"""

from __future__ import annotations

import os
import time

from registry.accounts.services import create_account
from registry.db import get_session, writing

BATCH = "/api/v1/checks/batch"
PROCESSOR = {"in_zone": True, "ciio": False}
DATASET = {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0, "important_data": False}


def _batch(count: int) -> dict:
    return {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": PROCESSOR, "datasets": [DATASET] * count}


def _token(app) -> str:
    with app.app_context(), writing():
        _account, token = create_account(get_session(), "acme-tool", "admin")
        get_session().commit()
    return token


def test_a_batch_costs_one_check_per_dataset(make_app):
    client = make_app(RATE_LIMIT="60/minute").test_client()
    assert client.post(BATCH, json=_batch(50)).status_code == 200
    limited = client.post(BATCH, json=_batch(50))  # 100 checks in the minute: over 60
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"


def test_a_csv_batch_costs_one_check_per_row(make_app):
    client = make_app(RATE_LIMIT="30/minute").test_client()
    csv = (
        "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data\r\n"
        + "x,AUTO,0,0,false\r\n" * 25
    )
    url = f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false"
    assert client.post(url, data=csv, content_type="text/csv").status_code == 200
    assert client.post(url, data=csv, content_type="text/csv").status_code == 429


def test_anonymous_batches_are_smaller_than_signed_in_ones(make_app):
    app = make_app(ANONYMOUS_BATCH_MAX_DATASETS=10)
    client = app.test_client()
    refused = client.post(BATCH, json=_batch(11))
    assert refused.status_code == 422 and "At most 10" in refused.get_json()["errors"]["datasets"][0]
    assert client.post(BATCH, json=_batch(10)).status_code == 200
    signed = {"Authorization": f"Bearer {_token(app)}"}
    assert client.post(BATCH, json=_batch(11), headers=signed).status_code == 200


def test_receipt_verification_is_rate_limited(make_app):
    client = make_app(RATE_LIMIT="2/minute").test_client()
    statuses = [client.post("/api/v1/checks/verify", json={"receipt": "x.y"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_verify_page_is_rate_limited_when_it_reruns_a_receipt(make_app):
    client = make_app(RATE_LIMIT="2/minute").test_client()
    assert [client.get("/verify?receipt=abc").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/verify").status_code == 200  # the empty form costs nothing


def test_the_inventory_results_folder_is_bounded_by_age_count_and_size(app):
    from registry.web import inventory as pages

    with app.test_request_context():
        folder = pages._result_folder()
        now = time.time()
        for n in range(pages.RESULT_MAX_FILES + 50):
            path = folder / f"r{n:04}.csv"
            path.write_bytes(b"x" * 10)
            os.utime(path, (now - 1000 + n, now - 1000 + n))  # r0000 the oldest
        expired = folder / "expired.csv"
        expired.write_bytes(b"x")
        os.utime(expired, (now - pages.RESULT_LIFETIME_SECONDS - 1,) * 2)
        pages._sweep(folder)
        names = sorted(p.name for p in folder.iterdir())
        assert len(names) == pages.RESULT_MAX_FILES
        assert "expired.csv" not in names and names[0] == "r0050.csv"
        big = folder / "big.csv"
        big.write_bytes(b"x" * (pages.RESULT_MAX_BYTES + 1))
        pages._sweep(folder)
        assert not big.exists() or sum(p.stat().st_size for p in folder.iterdir()) <= pages.RESULT_MAX_BYTES


def test_an_anonymous_inventory_upload_costs_one_check_per_row(make_app):
    import io

    from tests.web.conftest import post_form

    client = make_app(RATE_LIMIT="6/minute").test_client()
    rows = "".join(f"row {n},AUTO,0,0,false\n" for n in range(4))
    inventory = "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data\n" + rows

    def upload() -> int:
        data = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "in_zone": "yes", "ciio": "no",
                "file": (io.BytesIO(inventory.encode()), "inventory.csv")}  # fmt: skip
        return post_form(client, "/check/inventory", data, token_from="/check/inventory",
                         content_type="multipart/form-data").status_code  # fmt: skip

    assert upload() == 303  # to the results
    assert upload() == 429  # 8 checks in the minute: over 6, though only the second request


def test_a_batch_asked_for_shared_texts_carries_its_prose_once(make_app):
    """Each result's reasoning repeats a few KB of prose in two languages; `explanations=shared` sends it once.

    Measured here (no list in force, 500 alike datasets): about 5.3 KB a dataset in full, 2.1 KB shared,
    of which 0.8 KB is the receipt each dataset keeps, the rest its own fields and the indexes of its texts.
    """
    client = make_app(ANONYMOUS_BATCH_MAX_DATASETS=500).test_client()
    datasets = [DATASET | {"label": f"row {n}"} for n in range(500)]
    body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": PROCESSOR, "datasets": datasets}
    full = client.post(BATCH, json=body)
    full.get_data()  # a streamed answer: read before the next request
    shared = client.post(f"{BATCH}?explanations=shared", json=body)
    assert full.status_code == shared.status_code == 200
    per_dataset_full, per_dataset_shared = len(full.get_data()) / 500, len(shared.get_data()) / 500
    receipt = len(shared.get_json()["results"][0]["receipt"])
    print(f"bytes a dataset: {per_dataset_full:,.0f} full, {per_dataset_shared:,.0f} shared (receipt {receipt:,})")
    assert per_dataset_shared < per_dataset_full / 2.4
    assert per_dataset_shared < receipt + 1_400, "beyond its receipt, a row carries only its own facts and keys"
    texts = shared.get_json()["texts"]
    assert sum(map(len, texts)) < per_dataset_full, "the prose of one row, not of 500"
