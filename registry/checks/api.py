"""``/api/v1/checks``: may this data leave China without a mechanism? And ``/api/v1/search``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, jsonify, request, stream_with_context
from flask.views import MethodView
from marshmallow import ValidationError

from registry import clock
from registry.api import Blueprint, document_errors
from registry.checks import inventory, services
from registry.checks.fastload import plain_valid_check
from registry.checks.receipts import verify_receipt
from registry.checks.schemas import (
    EXPLANATION_FORMS,
    BatchOptionsSchema,
    BatchRequestSchema,
    BatchResultSchema,
    CheckRequestSchema,
    CheckResultSchema,
    CsvBatchQuerySchema,
    ProcessorSchema,
    SearchHitSchema,
    SearchQuerySchema,
    VerifyRequestSchema,
    VerifyResultSchema,
)
from registry.db import get_session
from registry.errors import InvalidInput
from registry.jsonprovider import dumps_bytes
from registry.limits import anonymous_check_limit, limiter, signed_in
from registry.lists.search import search_items

blp = Blueprint(
    "checks",
    __name__,
    url_prefix="/api/v1/checks",
    description="Exemption checks under Articles 3–8",
)
search_blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Search the lists in force")


def _errors(*statuses: int):
    return document_errors(blp, *statuses, _404="Unknown zone")


def _max_batch() -> int:
    """The most datasets one batch may hold: fewer for anonymous callers (``REGISTRY_ANONYMOUS_BATCH_MAX``)."""
    largest = int(current_app.config["MAX_BATCH_DATASETS"])
    if signed_in():
        return largest
    return min(largest, int(current_app.config["ANONYMOUS_BATCH_MAX_DATASETS"]))


def _batch_cost() -> int:
    """What a batch costs against the rate limit: one per dataset, so the limit counts checks, not requests.

    Counted before the body is validated (a body that does not parse costs 1 and is refused as usual).
    """
    if request.mimetype == "text/csv":
        return max(1, request.get_data(cache=True).count(b"\n"))  # one line a dataset, after the header
    body = request.get_json(silent=True)
    datasets = body.get("datasets") if isinstance(body, dict) else None
    return max(1, len(datasets)) if isinstance(datasets, list) else 1


_check_schema = CheckRequestSchema()


def load_json(schema) -> dict[str, Any]:
    """Validate the JSON body with a schema instance made once (webargs would build one per request).

    :raise InvalidInput: 422 with the errors keyed by the request's fields.
    """
    body = request.get_json()  # malformed JSON or another content type: 400 / 415
    try:
        return schema.load(body)
    except ValidationError as error:
        raise InvalidInput(error.normalized_messages()) from None


@blp.route("")
class Check(MethodView):
    decorators = [limiter.limit(anonymous_check_limit, exempt_when=signed_in)]

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": CheckRequestSchema}}})
    @blp.response(200, CheckResultSchema)
    @_errors(400, 404, 413, 415, 422, 429)
    def post(self):
        """Check one dataset: Article 6 against the list in force, then Articles 3–8, with a signed receipt."""
        checked = plain_valid_check(request.get_json())  # 5 µs instead of the schema's 77 µs (registry.checks.fastload)
        if checked is None:
            checked = load_json(_check_schema)  # anything the fast path does not vouch for: the schema's errors
        # Returned as it is (the schema documents it): the engine's result is already plain JSON.
        return jsonify(services.run_check(get_session(), checked, current_app.config["SECRET_KEY"]).result)


_batch_schema = BatchRequestSchema()

BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": BatchRequestSchema},
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "One dataset a row; columns dataset, categories (;-separated), personal_info_subjects, "
                "sensitive_pi_subjects, important_data, and optionally cumulative_personal_info_subjects, "
                "cumulative_sensitive_pi_subjects, grounds (;-separated) and one column per declared attribute. "
                "Query parameters zone, on, in_zone, ciio.",
            }
        },
    },
}


@blp.route("/batch")
class Batch(MethodView):
    decorators = [limiter.limit(anonymous_check_limit, exempt_when=signed_in, cost=_batch_cost)]

    @blp.doc(requestBody=BATCH_BODY, parameters=[
        {"name": name, "in": "query", "required": False, "schema": {"type": kind},
         "description": "CSV bodies only (ignored with a JSON body, but an invalid value is still 422)"}
        for name, kind in (("zone", "string"), ("on", "string"), ("in_zone", "boolean"), ("ciio", "boolean"))
    ] + [{"name": "explanations", "in": "query", "required": False,
          "schema": {"type": "string", "enum": list(EXPLANATION_FORMS), "default": "full"},
          "description": BatchOptionsSchema().fields["explanations"].metadata["description"]}])  # fmt: skip
    # One 200, in two forms (the view answers itself, so there is no blp.response to serialise).
    @blp.doc(responses={"200": {
        "description": "The results in order; with Accept: text/csv, the input columns followed by them",
        "content": {"application/json": {"schema": BatchResultSchema},
                    "text/csv": {"schema": {"type": "string"}}},
    }})  # fmt: skip
    @_errors(400, 404, 413, 415, 422, 429)
    def post(self):
        """Check many datasets at once (JSON or CSV); an invalid dataset gets its own errors."""
        explanations = _explanations()
        if request.mimetype == "text/csv":
            return self._csv(explanations)
        _refuse_invalid_query()
        batch = load_json(_batch_schema)
        if len(batch["datasets"]) > _max_batch():
            raise InvalidInput({"datasets": [f"At most {_max_batch()} datasets per batch."]})
        results = services.iter_batch(
            get_session(), batch["zone"], batch.get("on"), batch["processor"], batch["datasets"],
            current_app.config["SECRET_KEY"],
        )  # fmt: skip
        if _wants_csv():
            results = list(results)
            rows = [inventory.InventoryRow(n, _cells_of(d)) for n, d in enumerate(batch["datasets"], start=1)]
            header = [
                "dataset",
                "categories",
                "personal_info_subjects",
                "sensitive_pi_subjects",
                "important_data",
            ]
            return Response(inventory.write_csv(header, rows, results), mimetype="text/csv")
        return _streamed_batch(results, explanations)

    def _csv(self, explanations: str):
        try:
            query = CsvBatchQuerySchema().load(request.args)
        except ValidationError as error:
            raise InvalidInput(error.normalized_messages()) from None
        try:
            text = request.get_data().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput({"_schema": ["The CSV must be UTF-8 (with or without BOM)."]}) from None
        try:
            header, rows = inventory.read_csv_text(text, max_rows=_max_batch())
        except inventory.InventoryError as error:
            raise InvalidInput({"_schema": [str(error)]}) from None
        if len(rows) > _max_batch():
            raise InvalidInput({"_schema": [f"At most {_max_batch()} datasets per batch."]})
        processor = ProcessorSchema().load({"in_zone": query["in_zone"], "ciio": query["ciio"]})
        results = services.run_batch(
            get_session(), query["zone"], query.get("on"), processor,
            [inventory.row_to_dataset(row) for row in rows], current_app.config["SECRET_KEY"],
        )  # fmt: skip
        if _wants_csv():
            return Response(inventory.write_csv(header, rows, results), mimetype="text/csv")
        return jsonify(services.batch_body(results, explanations))


_STREAM_CHUNK_BYTES = 64 * 1024


def _streamed_batch(results: Iterator[dict[str, Any]], explanations: str) -> Response:
    """The JSON answer of :func:`services.batch_body`, sent as the datasets are checked.

    A signed-in batch of 50,000 datasets built its whole answer in memory first: 1.3 GB of worker
    RSS in benchmarks/attack.py (the goal is under 300 MB). Sent in chunks of about 64 KB as each
    result is made, the answer is the same JSON; the tables of quotes and texts come last, as they
    did, once every result that refers to them has been sent.
    """
    compact = services.BatchCompaction(explanations)

    def body() -> Iterator[bytes]:
        chunk, separator = [b'{"results":['], b""
        size = 0
        for result in results:
            encoded = dumps_bytes(compact(result))
            chunk.append(separator + encoded)
            separator, size = b",", size + len(encoded)
            if size >= _STREAM_CHUNK_BYTES:
                yield b"".join(chunk)
                chunk, size = [], 0
        tables = dumps_bytes(compact.tables())
        yield b"".join(chunk) + b"]," + tables[1:]  # {"quotes": …} continues the object

    return Response(stream_with_context(body()), mimetype="application/json")


_options_schema = BatchOptionsSchema()


def _explanations() -> str:
    """The batch's ``explanations`` query parameter: ``full`` (the default) or ``shared``.

    :raise InvalidInput: 422 under ``explanations`` for any other value, or for one given twice.
    """
    if len(request.args.getlist("explanations")) > 1:
        raise InvalidInput({"explanations": ["Given more than once."]})
    try:
        return _options_schema.load(request.args)["explanations"]
    except ValidationError as error:
        raise InvalidInput(error.normalized_messages()) from None


_csv_query_schema = CsvBatchQuerySchema()


def _refuse_invalid_query() -> None:
    """A JSON batch ignores the CSV query parameters, but never accepts invalid ones (``in_zone=null``).

    :raise InvalidInput: 422 under the parameter.
    """
    sent = {name: request.args.getlist(name) for name in ("zone", "on", "in_zone", "ciio") if name in request.args}
    if not sent:
        return
    errors = {name: ["Given more than once."] for name, values in sent.items() if len(values) > 1}
    try:
        _csv_query_schema.load({name: values[0] for name, values in sent.items()}, partial=True)
    except ValidationError as error:
        errors = error.normalized_messages() | errors
    if errors:
        raise InvalidInput(errors)


def _wants_csv() -> bool:
    """CSV only when asked for with Accept (docs/api.md): JSON otherwise, whatever the body was."""
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


def _cells_of(dataset: Any) -> dict[str, str]:
    if not isinstance(dataset, dict):
        return {}
    return {
        "dataset": str(dataset.get("label") or ""),
        "categories": ";".join(map(str, dataset.get("categories") or [])),
        **{k: str(dataset.get(k, "")).lower() if isinstance(dataset.get(k), bool) else str(dataset.get(k, ""))
           for k in ("personal_info_subjects", "sensitive_pi_subjects", "important_data")},
    }  # fmt: skip


@blp.route("/verify")
class Verify(MethodView):
    decorators = [limiter.limit(anonymous_check_limit, exempt_when=signed_in)]

    @blp.arguments(VerifyRequestSchema)
    @blp.response(200, VerifyResultSchema)
    @_errors(400, 413, 415, 422, 429)
    def post(self, body: dict[str, Any]):
        """Verify a receipt: valid only if this registry signed it and nothing in it was altered."""
        check = verify_receipt(
            current_app.config["SECRET_KEY"], body["receipt"], current_app.config["RETIRED_SECRET_KEYS"]
        )
        if check is None:
            return {
                "valid": False,
                "check": None,
                "reason": "The signature does not match: altered, or not ours.",
            }
        return {"valid": True, "check": check}


@search_blp.route("")
class Search(MethodView):
    @search_blp.arguments(SearchQuerySchema, location="query")
    @search_blp.response(200, SearchHitSchema(many=True))
    @document_errors(search_blp, 404, 422, _404="Unknown zone", _422="Missing or too long q")
    def get(self, query: dict[str, Any]):
        """Search the items of the lists in force today (or ``on``) by code, names, category names or description."""
        return search_items(get_session(), query["q"], query.get("on") or clock.today(), query.get("zone"))
