"""How many SQL statements the busiest pages and a check run: a budget, so an N+1 shows up as a failure.

Counted with SQLAlchemy's ``before_cursor_execute`` event on the app's engine, on the seeded lists.
The budgets leave a little room above what the pages run today; a loop that queries once per zone
or once per version goes well past them (the home page ran 83 statements before its overview was
read in a few queries).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from registry.db import get_engine

CHECK = {
    "zone": "CN-TJ-FTZ",
    "on": "2025-06-01",
    "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


@contextmanager
def counted(app) -> Iterator[list[str]]:
    """The statements run inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _report(statements: list[str]) -> str:
    return "\n".join(f"{n}: {s.splitlines()[0][:160]}" for n, s in enumerate(statements, start=1))


@pytest.mark.parametrize(
    ("method", "url", "budget"),
    [
        ("get", "/", 5),
        ("get", "/zones/CN-TJ-FTZ", 6),
        ("get", "/zones/CN-TJ-FTZ/lists/2024", 10),
        ("post", "/api/v1/checks", 2),
    ],
)
def test_a_page_stays_within_its_query_budget(seeded_app, method, url, budget):
    client = seeded_app.test_client()
    send = (lambda: client.post(url, json=CHECK)) if method == "post" else (lambda: client.get(url))
    send()  # warm: the first check compiles the list, the first page loads the templates
    with counted(seeded_app) as statements:
        response = send()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert len(statements) <= budget, f"{len(statements)} statements for {url}:\n{_report(statements)}"
