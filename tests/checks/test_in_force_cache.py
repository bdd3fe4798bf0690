"""The version in force is remembered per process and checked against the database's in-force
generation on every check: reused while nothing changed, never stale after a publication or a
revocation made through any process, and a new day is looked up afresh."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text

from registry.db import get_engine
from tests.lifecycle_helpers import Tianjin

CHECK = {
    "zone": "CN-TJ-FTZ",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO.VEH.TRACK"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def _in_force_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if "list_version" in s and "effective_from" in s]


@contextmanager
def sent_by_the_driver(app, folder) -> Iterator[list[str]]:
    """Every statement the driver sends inside the block, through SQLAlchemy or on a raw connection.

    SQLite reports each statement to a trace callback; PostgreSQL's libpq writes the protocol's
    messages to a file, of which the frontend's queries are kept.
    """
    statements: list[str] = []
    engine, traced = get_engine(app), []
    trace_file = folder / "libpq-trace.txt"

    def trace(dbapi_connection, _record, _proxy) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(statements.append)
            traced.append((dbapi_connection, None))
        else:
            from psycopg.pq import Trace  # PostgreSQL runs only

            fd = os.open(trace_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            dbapi_connection.pgconn.trace(fd)
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
            traced.append((dbapi_connection, fd))

    event.listen(engine, "checkout", trace, insert=True)  # before the registry's own ping on checkout
    try:
        yield statements
    finally:
        event.remove(engine, "checkout", trace)
        for dbapi_connection, fd in traced:  # the pool keeps these connections: stop tracing them
            if fd is None:
                dbapi_connection.set_trace_callback(None)
            else:
                dbapi_connection.pgconn.untrace()
                os.close(fd)
        if trace_file.exists():
            statements += [line for line in trace_file.read_text().splitlines()
                           if line.startswith("F") and ("\tQuery\t" in line or "\tParse\t" in line)]  # fmt: skip


def _generation(app) -> int:
    with get_engine(app).connect() as connection:
        return connection.execute(text("SELECT in_force_generation FROM registry_state WHERE id = 1")).scalar_one()


def test_a_repeated_check_reads_the_generation_instead_of_looking_again(app, as_user, tmp_path):
    Tianjin(as_user).bring_to("published", version="2030", effective_from="2030-01-01")
    client = app.test_client()
    body = {**CHECK, "on": "2030-02-01"}
    assert client.post("/api/v1/checks", json=body).get_json()["article6"]["list"]["version"] == "2030"
    with sent_by_the_driver(app, tmp_path) as statements:
        assert client.post("/api/v1/checks", json=body).get_json()["article6"]["list"]["version"] == "2030"
    assert _in_force_queries(statements) == []
    # The generation read is all the check sends: no BEGIN or ROLLBACK around it, no ping before it.
    assert len(statements) == 1 and "registry_state" in statements[0], statements


def test_every_step_of_a_version_bumps_the_generation_in_its_own_transaction(app, as_user):
    tianjin = Tianjin(as_user)
    before = _generation(app)
    tianjin.bring_to("published", version="2030", effective_from="2030-01-01")
    published = _generation(app)
    assert published > before
    tianjin.revoke("2030", "2030-06-01")
    assert _generation(app) > published


def test_a_publication_through_another_app_is_used_by_the_very_next_check(make_app, as_user):
    """Two apps on one database (their own engines and connections) share nothing but the database:
    the checking app keeps its answer until the generation moves."""
    checking = make_app("checking").test_client()
    body = {**CHECK, "on": "2031-02-01"}
    assert checking.post("/api/v1/checks", json=body).get_json()["article6"]["list"] is None  # no list yet
    tianjin = Tianjin(as_user)  # acts through the fixture's own app
    tianjin.bring_to("published", version="2031", effective_from="2031-01-01")
    assert checking.post("/api/v1/checks", json=body).get_json()["article6"]["list"]["version"] == "2031"
    tianjin.revoke("2031", "2031-01-15")
    assert checking.post("/api/v1/checks", json=body).get_json()["article6"]["list"] is None


def test_an_effective_date_passing_midnight_needs_no_event(app, as_user):
    Tianjin(as_user).bring_to("published", version="2032", effective_from="2032-03-01")
    client = app.test_client()
    eve = client.post("/api/v1/checks", json={**CHECK, "on": "2032-02-29"}).get_json()
    day = client.post("/api/v1/checks", json={**CHECK, "on": "2032-03-01"}).get_json()
    assert eve["article6"]["list"] is None and day["article6"]["list"]["version"] == "2032"


def test_a_compiled_version_is_kept_out_of_the_cyclic_collectors_sight(app, as_user):
    """A 10,000-item index is some 200,000 objects that every full collection used to walk (services says why)."""
    import datetime
    import gc

    from registry.checks.services import list_in_force
    from registry.db import get_session

    Tianjin(as_user).bring_to("published", version="2030", effective_from="2030-01-01")
    with app.app_context():
        compiled = list_in_force(get_session(), "CN-TJ-FTZ", datetime.date(2030, 2, 1))
    assert compiled is not None and compiled.version == "2030"
    assert not any(obj is compiled for obj in gc.get_objects()), "frozen: in no generation the collector walks"
    assert not any(obj is compiled.items for obj in gc.get_objects())


def test_other_requests_still_ping_the_connection_they_take_on_postgresql(app, tmp_path):
    # Only the check's generation read goes unpinged (it retries on a pinged connection itself);
    # a page or API read through the session is pinged first, so a dropped connection never reaches it.
    client = app.test_client()
    assert client.get("/api/v1/zones").status_code == 200
    with sent_by_the_driver(app, tmp_path) as statements:
        assert client.get("/api/v1/zones").status_code == 200
    if get_engine(app).dialect.name == "postgresql":
        assert statements[0].endswith('Query\t ";"'), statements
    else:
        assert statements and not any(s.strip() == ";" for s in statements)  # SQLite: a file, nothing to ping
