"""Run checks: find the list in force, reuse its compiled index, determine, sign a receipt."""

from __future__ import annotations

import gc
import re
import threading
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from marshmallow import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlmodel import Session

from registry import clock, metrics
from registry.checks.engine import CheckRequest, Cumulative, Dataset, Processor, determine
from registry.checks.fastload import plain_valid_dataset
from registry.checks.index import CompiledList, compile_list
from registry.checks.receipts import issue_receipt
from registry.checks.schemas import BatchDatasetSchema
from registry.clock import iso_utc, utcnow
from registry.db import verified_by_its_first_statement
from registry.freshread import FreshRead
from registry.lists.models import ListVersion, RegistryState
from registry.lists.services import InForceRef, content_of, in_force_ref

_CACHE_SIZE = 64
_YIELD_EVERY = 50
# Keyed by database too: ids and generations are per database, and one process may serve several
# (the tests do; so would two apps in one process).
_compiled: OrderedDict[tuple[str, int, str | None], CompiledList] = OrderedDict()
_compiled_lock = threading.Lock()
_building: dict[tuple[str, int, str | None], threading.Lock] = {}


def compiled_version(session: Session, version_id: int, digest: str | None) -> CompiledList:
    """Return the compiled index of a version, built once per (version, digest) and process.

    Only versions that were published are compiled here, and they are frozen, so the digest
    names their content for good: every check and every thread reuses the same index.
    """
    key = (_database(session), version_id, digest)
    with _compiled_lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
        building = _building.setdefault(key, threading.Lock())
    # One build per version and process; the other requests for it wait for that one. Loading and
    # compiling a 10,000-item version takes seconds, and each of a worker's 16 connections under
    # load built it again (bench_checks on PostgreSQL: no check answered for the first 30 s, and
    # requests waiting for a pooled connection meanwhile timed out).
    with building:
        with _compiled_lock:
            found = _compiled.get(key)
        if found is not None:
            return found
        version = session.get(ListVersion, version_id)
        compiled = compile_list(
            content_of(version), zone=version.zone_code, version=version.version, digest=digest,
            full_text_url=None if version.items_complete else version.record.get("full_text_url"),
        )  # fmt: skip
        with _compiled_lock:
            _compiled[key] = compiled
            _building.pop(key, None)
            while len(_compiled) > _CACHE_SIZE:
                _compiled.popitem(last=False)
        _spare_from_the_collector()
    return compiled


def _spare_from_the_collector() -> None:
    """Move what the process holds now, a newly compiled index included, out of the cyclic GC's sight.

    A compiled 10,000-item version is some 200,000 objects; every full collection walked them all,
    and a batch allocates enough to run many (py-spy put a third of a 10,000-dataset batch on the
    line that happened to allocate when they ran). Frozen, they are still freed by reference
    counting once evicted. Measured in one process on the 2-core machine, the bench's batch against
    a 10,000-item list: 1,257 datasets/s with the collector as it was, 2,636 frozen, 2,756 with
    the collector off. Garbage is collected first so that none is frozen with the rest (a compile
    is rare and takes longer than this collection).
    """
    gc.collect()
    gc.freeze()


def _database(session: Session) -> str:
    """Which database ``session`` reads (its URL without the password)."""
    return str(session.get_bind().url)


def list_in_force(session: Session, zone: str, on: date) -> CompiledList | None:
    """Return the compiled list in force in ``zone`` on ``on``, or None.

    The answer for (zone, day) is kept per process while the database's in-force generation is
    unchanged (see :func:`_in_force_ref_cached`); the compiled index is kept per version.

    :raise NotFound: unknown zone.
    """
    ref = _in_force_ref_cached(session, zone, on)
    return compiled_version(session, ref.id, ref.digest) if ref else None


_IN_FORCE_CACHE_SIZE = 4096
_in_force: OrderedDict[tuple[str, str, date], tuple[int, InForceRef | None]] = OrderedDict()
_GENERATION = select(RegistryState.in_force_generation).where(RegistryState.id == 1)


def _in_force_ref_cached(session: Session, zone: str, on: date) -> InForceRef | None:
    """:func:`in_force_ref`, reused while ``registry_state.in_force_generation`` stands still.

    Buys one primary-key read a check instead of the in-force query (and the zone's lookup when no
    version is in force). Never stale: the database bumps the generation in the same transaction as
    any change of a version's status or dates, so the first check after a publication or revocation
    commits — in this process or on another host — reads a new generation and looks again. A new
    day is a new key, so an effective date passing midnight needs no event.
    """
    generation = _generation(session)
    key = (_database(session), zone, on)
    with _compiled_lock:
        cached = _in_force.get(key)
        if cached is not None and cached[0] == generation:
            _in_force.move_to_end(key)
            return cached[1]
    ref = in_force_ref(session, zone, on)  # NotFound for an unknown zone: not kept
    with _compiled_lock:
        _in_force[key] = (generation, ref)
        while len(_in_force) > _IN_FORCE_CACHE_SIZE:
            _in_force.popitem(last=False)
    return ref


def _generation(session: Session) -> int:
    """``registry_state.in_force_generation``, read outside any transaction when the session has none.

    A check that finds its version cached then opens no transaction at all (see
    :func:`_read_generation`). A session already in a transaction (a page that read first) is read
    through, so a request never holds two pooled connections at once.
    """
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        return session.connection().execute(_GENERATION).scalar_one()
    return _generation_reads(bind)()


_fresh_reads: WeakKeyDictionary[Engine, FreshRead[int]] = WeakKeyDictionary()


def _generation_reads(engine: Engine) -> FreshRead[int]:
    """The engine's generation read, shared by the checks that wait for it (:class:`FreshRead`).

    On PostgreSQL under bench_checks' 32 connections a worker has a dozen checks waiting on the
    read at once; sharing it gives each check a read that began after the check arrived, with a
    fraction of the round trips. On SQLite a read never waits, so each check still makes its own.
    """
    with _compiled_lock:
        found = _fresh_reads.get(engine)
        if found is None:
            held = weakref.ref(engine)  # not the engine itself: the value would keep its own key alive
            found = _fresh_reads[engine] = FreshRead(lambda: _read_generation(held()))
        return found


_GENERATION_SQL = "SELECT in_force_generation FROM registry_state WHERE id = 1"


def _read_generation(engine: Engine) -> int:
    """The generation in one statement on a pooled driver connection, in the driver's autocommit.

    Buys a check 8 µs for this read instead of 68 µs through SQLAlchemy's ``AUTOCOMMIT`` connection
    (SQLite, in-process; which also sent BEGIN and ROLLBACK around the statement there). On
    PostgreSQL the statement is a check's only round trip: no BEGIN, no ROLLBACK (the pool's reset
    sends nothing for an idle connection) and no ping on checkout (``registry.db._ping_on_checkout``):
    a connection found dropped is discarded and the read made once more on a pinged one. The
    driver's errors are raised as SQLAlchemy's, as its own execution would raise them.
    """
    try:
        return _generation_on(engine, pinged=False)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return _generation_on(engine, pinged=True)  # the server restarted: this connection is a fresh one


def _generation_on(engine: Engine, pinged: bool) -> int:
    dbapi_error = engine.dialect.loaded_dbapi.Error
    token = verified_by_its_first_statement.set(not pinged)
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:  # the server is unreachable: a 503, as for any other query
        raise DBAPIError.instance(None, None, error, dbapi_error) from error
    finally:
        verified_by_its_first_statement.reset(token)
    driver = connection.dbapi_connection
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres:
            driver.autocommit = True  # SQLite's connections are in the driver's autocommit already (registry.db)
        try:
            cursor = connection.cursor()
            cursor.execute(_GENERATION_SQL)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if postgres and not driver.closed:
                driver.autocommit = False
    except dbapi_error as error:
        dropped = engine.dialect.is_disconnect(error, driver, None)
        if dropped:
            connection.invalidate(error)
        raise DBAPIError.instance(_GENERATION_SQL, None, error, dbapi_error, connection_invalidated=dropped) from error
    finally:
        connection.close()
    if row is None:
        raise NoResultFound("registry_state holds no row: the database is not migrated")
    return row[0]


def _engine_request(request: dict[str, Any], on: date) -> CheckRequest:
    """The engine's view of a normalised request (see :func:`_normalised`)."""
    processor, dataset, cumulative = request["processor"], request["dataset"], request["cumulative"]
    return CheckRequest(
        zone=request["zone"],
        on=on,
        processor=Processor(in_zone=processor["in_zone"], ciio=processor["ciio"]),
        dataset=Dataset(
            categories=tuple(dataset["categories"]),
            personal_info_subjects=dataset["personal_info_subjects"],
            sensitive_pi_subjects=dataset["sensitive_pi_subjects"],
            important_data=dataset["important_data"],
            attributes=dataset["attributes"],
        ),
        cumulative=Cumulative(cumulative["personal_info_subjects"], cumulative["sensitive_pi_subjects"]),
        grounds=frozenset(request["grounds"]),
    )


def _normalised(zone: str, on: date, processor: dict[str, Any], dataset: dict[str, Any],
                cumulative: dict[str, Any] | None, grounds: list[str]) -> dict[str, Any]:  # fmt: skip
    # Contract: without personal information, cumulative defaults to zeros.
    cumulative = cumulative or {"personal_info_subjects": 0, "sensitive_pi_subjects": 0}
    # v1.1 labels: echoed in the receipt's request only when sent.
    named = {"name": processor["name"]} if processor.get("name") is not None else {}
    labelled = {"label": dataset["label"]} if dataset.get("label") is not None else {}
    return {
        "zone": zone,
        "on": on.isoformat(),
        "processor": {"in_zone": processor["in_zone"], "ciio": processor["ciio"], **named},
        "dataset": {
            **labelled,
            "categories": list(dataset["categories"]),
            "personal_info_subjects": dataset["personal_info_subjects"],
            "sensitive_pi_subjects": dataset["sensitive_pi_subjects"],
            "important_data": dataset["important_data"],
            "attributes": dict(dataset.get("attributes") or {}),
        },
        "cumulative": dict(cumulative),
        "grounds": sorted(set(grounds)),
    }


def _check_one(
    compiled: CompiledList | None, request: dict[str, Any], on: date, secret_key: str, checked_at: str
) -> dict[str, Any]:
    # Only the version's declared attributes count and are signed; any other is reported as ignored.
    declared = frozenset() if compiled is None else compiled.declared_attributes
    attributes = request["dataset"]["attributes"]
    ignored = sorted(name for name in attributes if name not in declared)
    if ignored:
        request["dataset"]["attributes"] = {name: value for name, value in attributes.items() if name in declared}
    result = {
        "label": request["dataset"].get("label"),
        "processor_name": request["processor"].get("name"),
        **determine(_engine_request(request, on), compiled).to_dict(),
    }
    if ignored:
        result["ignored_attributes"] = ignored
    if compiled is not None and not compiled.items_complete:
        _point_to_the_full_list(result, compiled)
    result["receipt"] = issue_receipt(secret_key, request, result, checked_at)
    return result


def _point_to_the_full_list(result: dict[str, Any], compiled: CompiledList) -> None:
    """Say plainly that the registry holds only part of the list, and where the whole is published."""
    url = compiled.full_text_url
    listed = result["article6"]["list"]
    if listed is not None:
        listed["items_complete"] = False
        listed["full_text_url"] = url
    where = f" The full list is published at {url}." if url else " Consult the full list as the zone published it."
    result["article6"]["reason"] += " The registry holds only part of this list's items." + where


class Checked(NamedTuple):
    """A check done: the normalised request the receipt signs, the result, and when it was checked."""

    request: dict[str, Any]
    result: dict[str, Any]
    checked_at: str


def run_check(session: Session, checked: dict[str, Any], secret_key: str) -> Checked:
    """Determine one validated check request (docs/api.md, "Checks") and sign the receipt.

    Returns the result (the API's answer) with the normalised request it determined and signed.

    :raise NotFound: unknown zone.
    """
    on = checked.get("on") or clock.today()
    compiled = list_in_force(session, checked["zone"], on)
    request = _normalised(checked["zone"], on, checked["processor"], checked["dataset"],
                          checked.get("cumulative"), checked.get("grounds", []))  # fmt: skip
    checked_at = iso_utc(utcnow())
    result = _check_one(compiled, request, on, secret_key, checked_at)
    metrics.count_outcomes([result])
    return Checked(request, result, checked_at)


_dataset_schema = BatchDatasetSchema()


def run_batch(
    session: Session,
    zone: str,
    on: date | None,
    processor: dict[str, Any],
    datasets: Iterable[Any],
    secret_key: str,
) -> list[dict[str, Any]]:
    """Check every dataset against one list lookup; an invalid dataset gets its errors in place.

    :raise NotFound: unknown zone.
    """
    return list(iter_batch(session, zone, on, processor, datasets, secret_key))


def iter_batch(
    session: Session,
    zone: str,
    on: date | None,
    processor: dict[str, Any],
    datasets: Iterable[Any],
    secret_key: str,
) -> Iterator[dict[str, Any]]:
    """:func:`run_batch`, one result at a time, so an answer can be sent while the rest is checked.

    The list in force is looked up now (an unknown zone raises here, before any result); the
    datasets are checked as the results are taken.

    :raise NotFound: unknown zone.
    """
    on = on or clock.today()
    compiled = list_in_force(session, zone, on)
    return _checked(compiled, zone, on, processor, datasets, secret_key, iso_utc(utcnow()))


def _checked(compiled: CompiledList | None, zone: str, on: date, processor: dict[str, Any], datasets: Iterable[Any],
             secret_key: str, checked_at: str) -> Iterator[dict[str, Any]]:  # fmt: skip
    count, tally = 0, Counter[str]()
    try:
        for count, raw in enumerate(datasets, start=1):  # noqa: B007  (the count is the batch's size)
            if count % _YIELD_EVERY == 0:
                time.sleep(0)  # under gevent, let the worker's other connections (/healthz) run between datasets
            dataset = plain_valid_dataset(raw)  # 5 µs instead of the schema's 65 µs (registry.checks.fastload)
            if dataset is None:
                try:
                    dataset = _dataset_schema.load(raw)  # the fast path's rejects: the schema's own errors
                except ValidationError as error:
                    label = raw.get("label") if isinstance(raw, dict) else None
                    tally["invalid"] += 1
                    yield {"label": label, "outcome": "invalid", "errors": error.normalized_messages()}
                    continue
            request = _normalised(zone, on, processor, dataset, dataset.get("cumulative"), dataset["grounds"])
            result = _check_one(compiled, request, on, secret_key, checked_at)
            tally[result["outcome"]] += 1
            yield result
        metrics.count_batch(count)
    finally:  # counted when the batch ends, or when the client leaves before it does
        metrics.count_tally(tally)


SHARED_TEXTS = "shared"  # ``?explanations=shared``: each distinct piece of prose once, under ``texts``
# Where the reasoning is cut into shared pieces: around each figure of two or more digits, and after a
# clause or sentence ends. Any cut would do (the pieces joined give the text back exactly); these
# leave a dataset's own figures as the only pieces new from row to row.
_FIGURES = re.compile(r"(\d[\d,]*\d)")
_CLAUSE_ENDS = re.compile(r"(?<=[;.:] )|(?<=[；。：])")


_SPLIT_MEMO_SIZE = 4096


class _SharedTexts:
    """The ``texts`` table of a compact batch answer: each piece of prose once, by its index."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[str, int] = {}
        self._split: dict[str, list[int]] = {}

    def refs(self, text: str) -> list[int]:
        """The indexes of ``text``'s pieces, in order: ``"".join(texts[i] for i in refs) == text``."""
        found = self._split.get(text)
        if found is not None:
            return found
        if len(self._split) >= _SPLIT_MEMO_SIZE:
            self._split.clear()  # texts with a dataset's own figures never come back: keep the memo small
        refs = []
        for part in _FIGURES.split(text):
            for piece in _CLAUSE_ENDS.split(part):
                if not piece:
                    continue
                index = self._index.get(piece)
                if index is None:
                    index = self._index[piece] = len(self.texts)
                    self.texts.append(piece)
                refs.append(index)
        self._split[text] = refs
        return refs


def batch_body(results: list[dict[str, Any]], explanations: str = "full") -> dict[str, Any]:
    """Return ``{"results", "quotes"}``: each quoted article text once, not once per dataset.

    A batch's results repeat the same article quotes thousands of times; each explanation entry
    keeps its article number and its own reasoning, and refers to its quote by key
    (``"quote": "q3"``), which ``quotes`` maps to ``{"zh", "en"}``.

    With ``explanations="shared"`` (the caller asked for it: v1's results carry their reasoning in
    place) the reasoning is sent once too. Each text is cut into pieces (clauses, and the figures in
    them), each distinct piece is sent once in the list ``texts``, and the result refers to them by
    index, in order: an explanation entry's ``text_refs`` and ``text_zh_refs`` in place of ``text``
    and ``text_zh``, ``article6``'s ``reason_refs`` in place of ``reason``. Joining the pieces gives
    the full answer back; only a dataset's own figures are new from row to row.
    """
    compact = BatchCompaction(explanations)
    return {"results": [compact(result) for result in results], **compact.tables()}


class BatchCompaction:
    """:func:`batch_body` one result at a time: call it on each result in order, then take ``tables()``."""

    def __init__(self, explanations: str = "full") -> None:
        self._quote_keys: dict[tuple[str, str], str] = {}
        self._quotes: dict[str, dict[str, str]] = {}
        self._shared = _SharedTexts() if explanations == SHARED_TEXTS else None

    def __call__(self, result: dict[str, Any]) -> dict[str, Any]:
        """Replace ``result``'s quotes (and shared texts) by their keys, in place; return it."""
        shared = self._shared
        if shared is not None and "reason" in result.get("article6", ()):
            result["article6"]["reason_refs"] = shared.refs(result["article6"].pop("reason"))
        for entry in result.get("explanation", ()):
            if shared is not None and "text" in entry:
                entry["text_refs"] = shared.refs(entry.pop("text"))
                entry["text_zh_refs"] = shared.refs(entry.pop("text_zh", ""))
            if "quote_zh" not in entry:
                continue
            text = (entry.pop("quote_zh"), entry.pop("quote_en", ""))
            key = self._quote_keys.get(text)
            if key is None:
                key = self._quote_keys[text] = f"q{len(self._quote_keys) + 1}"
                self._quotes[key] = {"zh": text[0], "en": text[1]}
            entry["quote"] = key
        return result

    def tables(self) -> dict[str, Any]:
        """``{"quotes": …}``, and ``"texts"`` when shared: what the results seen so far refer to."""
        return {"quotes": self._quotes, **({"texts": self._shared.texts} if self._shared is not None else {})}
