"""Batches: a whole data inventory in one call, as JSON or as CSV (with or without BOM)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.lifecycle_helpers import Tianjin

BATCH = "/api/v1/checks/batch"
HEADER = ("dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,"
          "cumulative_personal_info_subjects,cumulative_sensitive_pi_subjects,grounds,vehicle_count")  # fmt: skip
CSV_BODY = "\r\n".join([
    HEADER,
    "车辆轨迹（华北）,AUTO.VEH.TRACK,50000,0,false,150000,0,,20000",
    "车辆轨迹（未知车辆数）,AUTO.VEH.TRACK,50000,0,false,150000,0,,",
    "坏行,AUTO,很多,0,false,,,,",
    "员工档案,HR,800,0,false,800,0,cross_border_hr,",
    "基因样本,HEALTH.GENE;AUTO.VEH,0,0,false,,,,",
]) + "\r\n"  # fmt: skip


@pytest.fixture
def tianjin_in_force(as_user):
    return Tianjin(as_user).bring_to("published", effective_from="2024-05-10")


def _dataset(categories, pi=0, **extra):
    return {"categories": categories, "personal_info_subjects": pi, "sensitive_pi_subjects": 0,
            "important_data": False, **extra}  # fmt: skip


def test_a_json_batch_answers_in_order_and_isolates_invalid_datasets(tianjin_in_force, anonymous):
    body = {
        "zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
        "datasets": [
            # 1,200 vehicles: below AUTO-001's 10,000, so the list does not designate the data (Art. 2).
            _dataset(["AUTO.VEH.TRACK.GPS"], 10, cumulative={"personal_info_subjects": 10, "sensitive_pi_subjects": 0},
                     attributes={"vehicle_count": 1200}, label="first"),
            _dataset(["AUTO"], -5, label="broken"),
            "not even an object",
            None,
            _dataset(["HEALTH.GENE"], label="genes"),
        ],
    }  # fmt: skip
    response = anonymous.post(BATCH, json=body)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["outcome"] for r in results] == ["exempt", "invalid", "invalid", "invalid", "security_assessment"]
    assert [r.get("label") for r in results] == ["first", "broken", None, None, "genes"]
    assert "personal_info_subjects" in results[1]["errors"]
    assert "_schema" in results[2]["errors"] and "_schema" in results[3]["errors"]
    quotes = response.get_json()["quotes"]
    entry = results[0]["explanation"][0]
    assert "quote_zh" not in entry and quotes[entry["quote"]]["zh"], "each article text once, by key"


def test_a_malformed_batch_is_refused_as_a_whole(anonymous):
    assert anonymous.post(BATCH, json={"zone": "CN-TJ-FTZ", "datasets": []}).status_code == 422
    response = anonymous.post(BATCH, json={"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False}})
    assert response.status_code == 422 and "datasets" in response.get_json()["errors"]
    assert anonymous.client.post(BATCH, data="[", content_type="application/json").status_code == 400
    unknown_zone = {"zone": "CN-XX-FTZ", "processor": {"in_zone": True, "ciio": False}, "datasets": [_dataset(["A"])]}
    assert anonymous.post(BATCH, json=unknown_zone).status_code == 404


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["no BOM", "BOM"])
def test_a_csv_inventory_round_trips_with_chinese_labels(tianjin_in_force, client, bom):
    response = client.post(
        f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false",
        data=(bom + CSV_BODY).encode("utf-8"),
        headers={"Content-Type": "text/csv; charset=utf-8", "Accept": "text/csv"},
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[: len(HEADER.split(","))] == HEADER.split(",")
    assert header[len(HEADER.split(",")) :][:6] == [
        "article6_status", "outcome", "basis", "matched_items", "list_version", "receipt",
    ]  # fmt: skip
    assert [r["dataset"] for r in rows] == [
        "车辆轨迹（华北）",
        "车辆轨迹（未知车辆数）",
        "坏行",
        "员工档案",
        "基因样本",
    ]
    by_label = {r["dataset"]: r for r in rows}
    assert by_label["车辆轨迹（华北）"]["article6_status"] == "inside"
    assert by_label["车辆轨迹（华北）"]["matched_items"] == "AUTO-001"
    assert by_label["车辆轨迹（华北）"]["outcome"] == "security_assessment"
    assert by_label["车辆轨迹（华北）"]["list_version"] == "2024"
    assert by_label["车辆轨迹（未知车辆数）"]["outcome"] == "undetermined", "an empty cell is a missing value"
    assert by_label["坏行"]["outcome"] == "invalid" and "personal_info_subjects" in by_label["坏行"]["errors"]
    assert by_label["员工档案"]["outcome"] == "exempt" and by_label["员工档案"]["basis"] == "art5.2;art5.4"
    assert by_label["基因样本"]["matched_items"] == "HEALTH-001"
    receipt = by_label["车辆轨迹（华北）"]["receipt"]
    assert client.post("/api/v1/checks/verify", json={"receipt": receipt}).get_json()["valid"] is True


def test_a_csv_batch_can_answer_json(tianjin_in_force, client):
    response = client.post(
        f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false",
        data=CSV_BODY.encode(), headers={"Content-Type": "text/csv", "Accept": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200
    assert [r["label"] for r in response.get_json()["results"]][0] == "车辆轨迹（华北）"


@pytest.mark.parametrize(("accept", "mimetype"), [(None, "application/json"), ("*/*", "application/json"),
                                                 ("text/csv", "text/csv"), ("text/*", "text/csv"),
                                                 ("application/json, text/csv;q=0.5", "application/json")])  # fmt: skip
def test_a_csv_batch_answers_csv_only_when_asked_to(tianjin_in_force, client, accept, mimetype):
    headers = {"Content-Type": "text/csv"} | ({"Accept": accept} if accept else {})
    response = client.post(f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false",
                           data=CSV_BODY.encode(), headers=headers)  # fmt: skip
    assert response.status_code == 200
    assert response.mimetype == mimetype
    if mimetype == "application/json":
        assert response.get_json()["results"][0]["label"] == "车辆轨迹（华北）"


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("zone=CN-TJ-FTZ&in_zone=true", CSV_BODY, "ciio"),
        ("zone=CN-TJ-FTZ&in_zone=maybe&ciio=false", CSV_BODY, "in_zone"),
        ("zone=CN-TJ-FTZ&in_zone=true&ciio=false", "dataset,categories\r\nx,AUTO\r\n", "_schema"),
        ("zone=CN-TJ-FTZ&in_zone=true&ciio=false", "", "_schema"),
    ],
)
def test_a_malformed_csv_batch_is_a_422(client, query, body, field):
    response = client.post(f"{BATCH}?{query}", data=body.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_csv_that_is_not_utf8_is_a_422(client):
    response = client.post(f"{BATCH}?zone=CN-TJ-FTZ&in_zone=true&ciio=false", data=CSV_BODY.encode("gb18030"),
                           headers={"Content-Type": "text/csv"})  # fmt: skip
    assert response.status_code == 422 and "UTF-8" in response.get_json()["errors"]["_schema"][0]


def test_batch_size_and_body_size_are_limited(make_app):
    client = make_app(MAX_BATCH_DATASETS=3, MAX_CONTENT_LENGTH=2000).test_client()
    four = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False}, "datasets": [_dataset(["A"])] * 4}
    too_many = client.post(BATCH, json=four)
    assert too_many.status_code == 422 and "At most 3" in too_many.get_json()["errors"]["datasets"][0]
    too_big = client.post(BATCH, json={**four, "datasets": [_dataset(["A" * 100])] * 30})
    assert too_big.status_code == 413 and too_big.content_type == "application/problem+json"


def test_anonymous_checks_are_rate_limited_but_accounts_are_not(make_app):
    from registry.accounts.services import create_account
    from registry.db import get_session, writing

    app = make_app(RATE_LIMIT="2/minute")
    with app.app_context(), writing():
        _account, token = create_account(get_session(), "acme-tool", "admin")
        get_session().commit()
    client = app.test_client()
    body = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False}, "dataset": _dataset(["AUTO"])}
    assert [client.post("/api/v1/checks", json=body).status_code for _ in range(3)] == [200, 200, 429]
    limited = client.post("/api/v1/checks", json=body)
    assert limited.content_type == "application/problem+json" and limited.get_json()["status"] == 429
    signed = {"Authorization": f"Bearer {token}"}
    assert all(client.post("/api/v1/checks", json=body, headers=signed).status_code == 200 for _ in range(3))


def test_a_csv_answer_quotes_cells_a_spreadsheet_would_run(client):
    """Formula injection: a label or unknown column starting with = + - @ (or TAB, CR) is written with a leading '."""
    body = (
        "dataset,categories,personal_info_subjects,sensitive_pi_subjects,important_data,=cmd\r\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",AUTO,0,0,false,1\r\n'
        "+1,AUTO,0,0,false,\r\n"
        '"\t=1+1",AUTO,0,0,false,\r\n'
        "@SUM(A1),AUTO,0,0,false,\r\n"
    )
    response = client.post(f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false", data=body,
                           headers={"Content-Type": "text/csv", "Accept": "text/csv"})  # fmt: skip
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][5] == "'=cmd"
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://evil.example","x")', "'+1", "'=1+1", "'@SUM(A1)"]
    json_body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
                 "datasets": [_dataset(["AUTO"]) | {"label": "-2+3"}]}  # fmt: skip
    answer = client.post(BATCH, json=json_body, headers={"Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(answer.get_data(as_text=True))))[1][0] == "'-2+3"


def test_the_one_escaping_function_quotes_tab_and_cr_starts_too():
    from registry.cells import csv_text

    assert [csv_text(v) for v in ("\t=1", "\r@x", "'=x", "a=b", 12, None)] == [
        "'\t=1", "'\r@x", "''=x", "a=b", "12", ""
    ]  # fmt: skip


def _read(response):
    """Read a streamed answer before the next request (the test client keeps its context open till then)."""
    response.get_data()
    return response


def _without_receipts(body: dict) -> dict:
    return {**body, "results": [{k: v for k, v in r.items() if k != "receipt"} for r in body["results"]]}


def _texts_put_back(body: dict) -> dict:
    """A compact answer with the texts its keys name joined back in place, as a client would."""
    texts = body.pop("texts")

    def joined(refs: list[int]) -> str:
        return "".join(texts[index] for index in refs)

    for result in body["results"]:
        if "article6" in result:
            result["article6"]["reason"] = joined(result["article6"].pop("reason_refs"))
        for entry in result.get("explanation", ()):
            entry["text"], entry["text_zh"] = joined(entry.pop("text_refs")), joined(entry.pop("text_zh_refs"))
    return body


def test_a_batch_sends_each_explanation_text_once_when_asked(tianjin_in_force, client):
    """`explanations=shared`: each clause of reasoning once under `texts`; put back, the full answer exactly."""
    datasets = [
        _dataset(["AUTO.VEH.TRACK.GPS"], 10, cumulative={"personal_info_subjects": 10, "sensitive_pi_subjects": 0},
                 attributes={"vehicle_count": 1200}, label="first"),
        _dataset(["AUTO"], -5, label="broken"),
        _dataset(["HEALTH.GENE"], label="genes"),
        *[_dataset(["HEALTH.GENE"], label=f"genes {n}") for n in range(20)],  # the same facts: the same prose
        # Figures of their own: only the clauses that state them are new.
        *[_dataset(["AUTO.VEH.TRACK"], 1000 + n, cumulative={"personal_info_subjects": 5000 + n,
                   "sensitive_pi_subjects": 0}, attributes={"vehicle_count": 20000 + n}) for n in range(20)],
    ]  # fmt: skip
    body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
            "datasets": datasets}  # fmt: skip
    full = client.post(BATCH, json=body)
    assert full.is_streamed, "sent as it is made"
    full = _read(full)
    compact = _read(client.post(f"{BATCH}?explanations=shared", json=body))
    assert full.status_code == compact.status_code == 200
    assert "texts" not in full.get_json(), "the default answer keeps v1's results as they are"
    compact_body = compact.get_json()
    entries = [e for r in compact_body["results"] for e in r.get("explanation", ())]
    assert entries and all("text" not in e and "text_zh" not in e for e in entries)
    assert all("reason" not in r["article6"] for r in compact_body["results"] if "article6" in r)
    assert len(set(compact_body["texts"])) == len(compact_body["texts"]), "each piece once"
    assert _without_receipts(_texts_put_back(compact_body)) == _without_receipts(full.get_json())
    # About 9.5 KB a dataset in full, 3.3 KB shared (of which the receipt, unique to each row, is 1.1 KB).
    assert len(compact.get_data()) < len(full.get_data()) / 2.5
    explicit = _read(client.post(f"{BATCH}?explanations=full", json=body))
    assert _without_receipts(explicit.get_json()) == _without_receipts(full.get_json())


def test_a_csv_batch_can_share_its_explanation_texts_too(tianjin_in_force, client):
    url = f"{BATCH}?zone=CN-TJ-FTZ&on=2024-06-01&in_zone=true&ciio=false"
    full = _read(client.post(url, data=CSV_BODY.encode(), headers={"Content-Type": "text/csv"}))
    compact = _read(client.post(url + "&explanations=shared", data=CSV_BODY.encode(),
                                headers={"Content-Type": "text/csv"}))  # fmt: skip
    assert _without_receipts(_texts_put_back(compact.get_json())) == _without_receipts(full.get_json())


@pytest.mark.parametrize("query", ["explanations=none", "explanations=", "explanations=shared&explanations=full"])
@pytest.mark.parametrize("form", ["json", "csv"])
def test_an_unknown_explanations_form_is_a_422(client, query, form):
    if form == "json":
        body = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False}, "datasets": [_dataset(["A"])]}
        response = client.post(f"{BATCH}?{query}", json=body)
    else:
        response = client.post(f"{BATCH}?zone=CN-TJ-FTZ&in_zone=true&ciio=false&{query}", data=CSV_BODY.encode(),
                               headers={"Content-Type": "text/csv"})  # fmt: skip
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "explanations" in response.get_json()["errors"]


def test_the_openapi_document_names_the_explanations_parameter_and_texts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    batch = spec["paths"]["/api/v1/checks/batch"]["post"]
    (parameter,) = [p for p in batch["parameters"] if p["name"] == "explanations"]
    assert parameter["schema"]["enum"] == ["full", "shared"] and parameter["in"] == "query"
    schemas = spec["components"]["schemas"]
    assert "texts" in schemas["BatchResult"]["properties"]
    assert {"text_refs", "text_zh_refs"} <= set(schemas["Explanation"]["properties"])
    assert "reason_refs" in schemas["Article6"]["properties"]
