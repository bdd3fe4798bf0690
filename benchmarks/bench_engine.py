"""In-process throughput of the rules engine: ``determine(request, compiled).to_dict()``.

    python benchmarks/bench_engine.py [--seconds 5] [--rounds 5]

No HTTP, no database: compiles a 1,000-item and a 10-item example list (invented test content from
``bench_checks.example_list``, not a real zone's list), then runs a fixed mix of requests — inside
the list, outside it, undetermined, not applicable, and exempt under Arts. 3 and 5 — against each
for about ``--seconds`` (interleaved in ``--rounds`` slices, since shared machines are noisy) and
prints checks per second for each list, the 1,000÷10 ratio and the cost of each kind of request.
Rates are given in wall-clock and in CPU time: on a busy machine the CPU time (this thread's, see
``time.thread_time``) is what compares between runs.

Each kind of request comes in ``VARIANTS`` versions, and every request of the mix has its own head
counts (the kind stays the same), so that no cache keyed on figures can make the mix look cheaper
than a batch whose figures all differ.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_checks import check_body, example_list  # noqa: E402
from registry.checks.engine import (  # noqa: E402
    CheckRequest,
    Cumulative,
    Dataset,
    Processor,
    determine,
)
from registry.checks.index import CompiledList, compile_list  # noqa: E402

ZONE = "CN-XX-FTZ"
VARIANTS = 1000


def compiled_example(item_count: int) -> CompiledList:
    """The example list of ``item_count`` items, compiled as the service compiles it."""
    return compile_list(example_list("bench", item_count), zone=ZONE, version="bench", digest="0" * 64)


def _request(n: int) -> CheckRequest:
    """``check_body(n)`` as the engine sees it: even n matches an item, odd n is outside the list."""
    body = check_body(ZONE, n)
    dataset, cumulative = body["dataset"], body["cumulative"]
    return CheckRequest(
        zone=ZONE,
        on=date(2025, 1, 1),
        processor=Processor(**body["processor"]),
        dataset=Dataset(
            categories=tuple(dataset["categories"]),
            personal_info_subjects=dataset["personal_info_subjects"],
            sensitive_pi_subjects=dataset["sensitive_pi_subjects"],
            important_data=dataset["important_data"],
        ),
        cumulative=Cumulative(**cumulative),
    )


def request_kinds() -> list[tuple[str, str, CheckRequest]]:
    """``(kind, expected Art. 6 status, request)``: one request of each kind."""
    inside, outside = _request(0), _request(1)
    no_pi = replace(outside.dataset, personal_info_subjects=0, sensitive_pi_subjects=0)
    out_of_scope = replace(inside.dataset, categories=("Q.OTHER",))
    return [
        ("inside", "inside", inside),
        ("outside", "outside", outside),
        # The item's condition needs personal_info_subjects, which is not given.
        ("undetermined", "undetermined", replace(inside, dataset=replace(inside.dataset, personal_info_subjects=None))),
        ("undetermined (in_zone?)", "undetermined", replace(inside, processor=Processor(None, False))),
        ("not applicable (out of scope)", "not_applicable", replace(inside, dataset=out_of_scope)),
        ("not applicable (not in zone)", "not_applicable", replace(inside, processor=Processor(False, False))),
        ("exempt art3", "outside", replace(outside, dataset=no_pi, cumulative=None, grounds=frozenset({"marketing"}))),
        # Art. 5 does not lift important data (v1.1): this category matches personal-information items only.
        (
            "exempt art5.1",
            "inside",
            replace(
                inside,
                dataset=replace(inside.dataset, categories=("S0.C1.D0.X",)),
                grounds=frozenset({"contract_with_individual"}),
            ),
        ),  # fmt: skip
    ]


def _variant(request: CheckRequest, n: int) -> CheckRequest:
    """``request`` with its own head counts for ``0 <= n < 10,000`` (in the same bands: the same kind)."""
    dataset, cumulative = request.dataset, request.cumulative
    if dataset.personal_info_subjects:  # 60,000–99,996: still >= 50,000 and < 100,000
        dataset = replace(dataset, personal_info_subjects=dataset.personal_info_subjects + 4 * n)
    if cumulative is not None and cumulative.personal_info_subjects:  # 150,000–999,915: < 1,000,000
        cumulative = replace(cumulative, personal_info_subjects=cumulative.personal_info_subjects + 85 * n)
    return replace(request, dataset=dataset, cumulative=cumulative)


def request_mix(variants: int = VARIANTS) -> list[tuple[str, str, CheckRequest]]:
    """``(kind, expected Art. 6 status, request)``: every kind in ``variants`` versions, interleaved."""
    kinds = request_kinds()
    return [
        (kind, status, _variant(request, n * len(kinds) + k))
        for n in range(variants)
        for k, (kind, status, request) in enumerate(kinds)
    ]


def _run(requests: list[CheckRequest], compiled: CompiledList, seconds: float, start: int = 0) -> tuple[int, float]:
    """Call determine()+to_dict() round the mix from ``start`` for ``seconds`` of wall time.

    Return how many calls were made and the CPU seconds this thread spent on them.
    """
    done, count = 0, len(requests)
    cpu_started = time.thread_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for n in range(start + done, start + done + 16):  # look at the clock every 16 checks
            determine(requests[n % count], compiled).to_dict()
        done += 16
    return done, time.thread_time() - cpu_started


def _per_call_us(requests: list[CheckRequest], compiled: CompiledList, rounds: int = 5) -> float:
    """CPU µs per determine()+to_dict() over ``requests``."""
    started = time.thread_time()
    for _ in range(rounds):
        for request in requests:
            determine(request, compiled).to_dict()
    return (time.thread_time() - started) / (rounds * len(requests)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="total time per list (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices per list (default 5)")
    args = parser.parse_args()

    lists = {"1,000 items": compiled_example(1000), "10 items": compiled_example(10)}
    mix = request_mix()
    for name, compiled in lists.items():  # the mix is what it claims to be, on both lists
        for kind, status, request in mix:
            result = determine(request, compiled).to_dict()
            got = result["article6"]["status"]
            if got != status or (kind.startswith("exempt") and result["outcome"] != "exempt"):
                raise SystemExit(f"{name}: {kind!r} is {got} / {result['outcome']}, expected {status}")
    requests = [request for _, _, request in mix]
    for compiled in lists.values():  # warm up
        _run(requests, compiled, 0.2)

    done, cpu = dict.fromkeys(lists, 0), dict.fromkeys(lists, 0.0)
    for _ in range(args.rounds):
        for name, compiled in lists.items():  # each list resumes the mix where it stopped
            calls, seconds = _run(requests, compiled, args.seconds / args.rounds, start=done[name])
            done[name] += calls
            cpu[name] += seconds
    rates = {name: count / args.seconds for name, count in done.items()}
    cpu_rates = {name: count / cpu[name] for name, count in done.items()}

    kinds = request_kinds()
    print(f"determine()+to_dict(), {len(kinds)} kinds x {VARIANTS} variants, {args.seconds:g} s per list")
    print(f"  {'':12} {'wall clock':>27}   {'CPU time (load-independent)':>27}")
    for name in lists:
        wall, on_cpu = rates[name], cpu_rates[name]
        print(
            f"  {name:12} {wall:10,.0f} checks/s {1e6 / wall:6.1f} µs   {on_cpu:10,.0f} checks/s {1e6 / on_cpu:6.1f} µs"
        )
    big, small = "1,000 items", "10 items"
    print(
        f"  1,000 ÷ 10 items ratio: {rates[big] / rates[small]:.2f} (wall clock), "
        f"{cpu_rates[big] / cpu_rates[small]:.2f} (CPU time)"
    )
    print("CPU time per kind of request against the 1,000-item list:")
    for kind, _, _ in kinds:
        variants = [request for k, _, request in mix if k == kind]
        print(f"  {kind:32} {_per_call_us(variants, lists[big]):6.1f} µs")


if __name__ == "__main__":
    main()
