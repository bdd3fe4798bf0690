"""The Chinese explanation speaks to a reader: no request paths, ground codes or record flags in it.

``missing`` keeps the request's paths for programs; ``text_zh`` names the same facts in words
(issue #10: no ``grounds.0``, ``contract_with_individual`` or ``items_complete is false`` shown).
"""

from __future__ import annotations

import datetime
import itertools

from registry.checks.engine import GROUNDS, CheckRequest, Cumulative, Dataset, Processor, determine
from tests.checks.test_engine_v11 import compiled

# Codes a reader must never meet; the list's own item codes and attribute names are its content.
INTERNAL = (
    *GROUNDS,
    "processor.", "dataset.", "cumulative.", "items_complete", "scope_complete", "important_data",
    "personal_info_subjects", "sensitive_pi_subjects", "in_zone", "ciio", "is false",
)  # fmt: skip


def _requests():
    answers = (True, False, None)
    for in_zone, ciio, important in itertools.product(answers, answers, answers):
        for pi, sensitive, cumulative in ((None, None, None), (5_000, 0, None), (200_000, 20_000, 2_000_000)):
            for categories, grounds, on in (
                (("PHARMA.TRIAL",), (), datetime.date(2025, 6, 1)),
                (("AUTO.VEH.TRACK", "FIN.X"), tuple(GROUNDS), datetime.date(2024, 6, 1)),
                (("AUTO.SALES",), ("contract_with_individual", "legal_duty"), datetime.date(2025, 6, 1)),
            ):
                yield CheckRequest(
                    zone="CN-TJ-FTZ",
                    on=on,
                    processor=Processor(in_zone=in_zone, ciio=ciio),
                    dataset=Dataset(categories, pi, sensitive, important, {}),
                    cumulative=Cumulative(cumulative, sensitive if cumulative else None),
                    grounds=frozenset(grounds),
                )


def test_the_chinese_explanation_names_facts_in_words():
    lists = (
        compiled(),
        compiled(items_complete=False, scope_complete=False),
        compiled(scope=[], scope_complete=False),
    )
    seen_missing = False
    for request, version in itertools.product(_requests(), lists):
        result = determine(request, version)
        for entry in result.explanation:
            seen_missing = seen_missing or bool(entry.missing)
            found = [code for code in INTERNAL if code in entry.text_zh]
            assert not found, (entry.article, found, entry.text_zh)
    assert seen_missing  # the requests above leave facts open, so the missing-fact sentences were read
