"""The OpenAPI document a zone system developer reads: valid, complete, honest about errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate

PROBLEM_JSON = "application/problem+json"
SPEC_URL = "/api/v1/openapi.json"
LISTS = "/api/v1/zones/{zone}/lists"
VERSION = LISTS + "/{version}"

# Every call of docs/api.md's tables ("List versions"), plus the zone reads it names.
CONTRACT_CALLS = [
    ("get", "/api/v1/zones"),
    ("get", "/api/v1/zones/{zone}"),
    ("get", LISTS),
    ("post", LISTS),
    ("get", VERSION),
    ("put", VERSION),
    ("post", VERSION + "/submit"),
    ("post", VERSION + "/approval"),
    ("post", VERSION + "/filings"),
    ("post", VERSION + "/publish"),
    ("post", VERSION + "/revoke"),
    ("get", LISTS + "/in-force"),
    ("get", VERSION + "/diff/{other}"),
]
MUTATING_LIST_CALLS = [(method, path) for method, path in CONTRACT_CALLS if method != "get"]
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get(SPEC_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"]


@pytest.mark.parametrize(("method", "path"), CONTRACT_CALLS, ids=[f"{m.upper()} {p}" for m, p in CONTRACT_CALLS])
def test_every_contract_call_is_documented(spec, method, path):
    assert path in spec["paths"], sorted(spec["paths"])
    assert method in spec["paths"][path]


def test_every_operation_documents_its_success_response(spec):
    undocumented = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(spec)
        if not any(re.fullmatch(r"2\d\d", status) for status in operation.get("responses", {}))
    ]
    assert undocumented == []


@pytest.mark.parametrize(
    ("method", "path", "success"),
    [("post", LISTS, "201")] + [(m, p, "200") for m, p in MUTATING_LIST_CALLS if p != LISTS],
)
def test_a_lifecycle_call_documents_its_body_and_etag(spec, method, path, success):
    operation = spec["paths"][path][method]
    response = resolve(spec, operation["responses"][success])
    assert "ETag" in response.get("headers", {})
    assert "application/json" in response["content"]
    if not path.endswith("/submit"):
        assert "application/json" in operation["requestBody"]["content"]


@pytest.mark.parametrize(
    ("method", "path"),
    MUTATING_LIST_CALLS,
    ids=[f"{m.upper()} {p}" for m, p in MUTATING_LIST_CALLS],
)
def test_a_mutating_list_call_documents_its_errors(spec, method, path):
    responses = spec["paths"][path][method]["responses"]
    needed = {"401", "403", "404", "409", "422"}
    if method == "put":
        needed |= {"412", "428"}
    assert needed <= set(responses), sorted(needed - set(responses))


@pytest.mark.parametrize("step", ["submit", "approval", "filings", "publish", "revoke"])
def test_a_lifecycle_step_documents_its_optional_if_match(spec, step):
    operation = spec["paths"][f"{VERSION}/{step}"]["post"]
    parameters = [resolve(spec, p) for p in operation.get("parameters", [])]
    assert [p["required"] for p in parameters if p["in"] == "header" and p["name"] == "If-Match"] == [False]
    assert "412" in operation["responses"]


def test_json_taking_calls_document_415(spec):
    for method, path in [*MUTATING_LIST_CALLS, ("post", "/api/v1/checks"), ("post", "/api/v1/checks/batch")]:
        if path.endswith("/submit"):
            continue  # takes no body
        assert "415" in spec["paths"][path][method]["responses"], (method, path)


def test_a_batch_documents_both_of_its_answers(spec):
    answer = spec["paths"]["/api/v1/checks/batch"]["post"]["responses"]["200"]
    assert set(answer["content"]) == {"application/json", "text/csv"}


def test_replacing_a_draft_documents_the_if_match_header(spec):
    parameters = [resolve(spec, p) for p in spec["paths"][VERSION]["put"].get("parameters", [])]
    if_match = [p for p in parameters if p["in"] == "header" and p["name"].lower() == "if-match"]
    assert len(if_match) == 1
    assert if_match[0]["required"] is True


def test_every_read_under_a_zone_documents_404(spec):
    missing = [
        f"{method.upper()} {path}"
        for method, path, operation in operations(spec)
        if method == "get" and "{zone}" in path and "404" not in operation["responses"]
    ]
    assert missing == []


def test_every_error_response_is_documented_as_problem_json(spec):
    wrong = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                content = resolve(spec, response).get("content", {})
                if list(content) != [PROBLEM_JSON]:
                    wrong.append(f"{method.upper()} {path} {status}: {sorted(content)}")
    assert wrong == []


def test_the_problem_schema_has_the_rfc_9457_members(spec):
    default = resolve(spec, {"$ref": "#/components/responses/DEFAULT_ERROR"})
    schema = resolve(spec, default["content"][PROBLEM_JSON]["schema"])
    assert {"type", "title", "status", "detail", "errors"} <= set(schema["properties"])


# --- the Swagger UI ---------------------------------------------------------------------------


class _Assets(HTMLParser):
    """Collect what a page loads: scripts, stylesheets, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "img", "iframe") and found.get("src"):
            self.urls.append(found["src"])
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"])


def test_the_swagger_ui_loads_with_local_assets_only(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)

    parser = _Assets()
    parser.feed(page)
    assert any(url.endswith(".js") for url in parser.urls)
    assert any(url.endswith(".css") for url in parser.urls)
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} comes from another host"
        assert client.get(url).status_code == 200, url
    # Nothing fetched from a CDN in the inline script or styles either.
    assert not re.search(r"""(src|href|url)\s*[=(:]\s*["']?(https?:)?//""", page)
    assert SPEC_URL in page


def test_the_swagger_ui_assets_are_served_with_their_types(client):
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").mimetype in (
        "application/javascript",
        "text/javascript",
    )
    assert client.get("/api/v1/docs/assets/swagger-ui.css").mimetype == "text/css"


def test_withdrawing_a_draft_is_documented(spec):
    operation = spec["paths"][VERSION]["delete"]
    assert {"204", "401", "403", "404", "409", "412"} <= set(operation["responses"])
    assert "content" not in resolve(spec, operation["responses"]["204"])
    parameters = [resolve(spec, p) for p in operation.get("parameters", [])]
    assert [p["required"] for p in parameters if p["in"] == "header" and p["name"] == "If-Match"] == [False]
