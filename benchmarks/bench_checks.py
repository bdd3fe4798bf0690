"""Check throughput, measured against /healthz in the same run (shared machines are noisy).

    python benchmarks/bench_checks.py [--seconds 5] [--clients 4] [--workers N]

Starts the server as `registry serve` does (gunicorn, fresh SQLite database in a temporary
folder), publishes a 1,000-item and a 10-item example list (invented test content, not a real
zone's list) through the API, then prints:

- POST /api/v1/checks throughput ÷ GET /healthz throughput             (goal ≥ 0.5)
- checks against the 1,000-item list ÷ against the 10-item list         (goal ≥ 0.9)
- a 10,000-dataset batch's datasets per second ÷ healthz requests/s     (goal ≥ 5)
- the in-process engine's checks per second (no HTTP, no database)
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from registry import clock  # today as the registry counts it (Asia/Shanghai): v1.1 dates are checked against it

ROOT = Path(__file__).resolve().parent.parent


def example_list(version: str, item_count: int) -> dict:
    """An invented list: sectors S0.., scenarios, and items spread over a three-level tree."""
    sectors = max(1, item_count // 100)
    categories, items = [], []
    for s in range(sectors):
        categories.append({"code": f"S{s}", "name_zh": f"领域{s}"})
        for c in range(10):
            categories.append({"code": f"S{s}.C{c}", "name_zh": f"场景{s}-{c}"})
    for n in range(item_count):
        s, c = n % sectors, (n // sectors) % 10
        code = f"S{s}.C{c}.D{n}"
        categories.append({"code": code, "name_zh": f"数据类别{n}"})
        items.append({
            "code": f"ITEM-{n:04d}", "category": code, "name_zh": f"数据项{n}",
            "level": "important_data" if n % 3 == 0 else "personal_information",
            "mechanism": "security_assessment" if n % 3 == 0 else "standard_contract_or_certification",
            "conditions": [] if n % 2 else [{"attribute": "personal_info_subjects", "op": ">=", "value": 50000}],
        })  # fmt: skip
    return {"version": version, "title": f"基准测试示例清单（{item_count}项）", "categories": categories,
            "scope": [f"S{s}" for s in range(sectors)], "items": items}  # fmt: skip


def check_body(zone: str, n: int) -> dict:
    """A check that matches an item on even n, falls outside the list on odd n."""
    category = "S0.C0.D0.X" if n % 2 == 0 else "S0.C9.OTHER"
    return {
        "zone": zone, "on": clock.today().isoformat(),
        "processor": {"in_zone": True, "ciio": False},
        "dataset": {"categories": [category], "personal_info_subjects": 60000, "sensitive_pi_subjects": 0,
                    "important_data": False},
        "cumulative": {"personal_info_subjects": 150000, "sensitive_pi_subjects": 0},
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port: int, method: str, path: str, body=None, token: str | None = None, timeout: float = 600):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data)


def _load(args: tuple[int, str, str, bytes | None, float]) -> int:
    """One client process: send the same request on a kept-alive connection for `seconds`."""
    port, method, path, body, seconds = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        done += 1
    connection.close()
    return done


def throughput(port: int, method: str, path: str, body: dict | None, clients: int, seconds: float) -> float:
    payload = json.dumps(body).encode() if body is not None else None
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(_load, [(port, method, path, payload, seconds)] * clients)
    return sum(counts) / seconds


def engine_rate(seconds: float) -> float:
    sys.path.insert(0, str(ROOT))
    from registry.checks.engine import CheckRequest, Cumulative, Dataset, Processor, determine
    from registry.checks.index import compile_list

    content = example_list("x", 1000)
    compiled = compile_list({**content, "excludes_ciio": True, "items_complete": True, "attributes": []},
                            zone="Z", version="x", digest=None)  # fmt: skip
    requests = []
    for n in range(2):
        body = check_body("Z", n)
        requests.append(CheckRequest(
            zone="Z", on=clock.today(), processor=Processor(True, False),
            dataset=Dataset(tuple(body["dataset"]["categories"]), 60000, 0, False, {}),
            cumulative=Cumulative(150000, 0), grounds=frozenset()))  # fmt: skip
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        determine(requests[done % 2], compiled)
        done += 1
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {"REGISTRY_RATE_LIMIT": "off", "REGISTRY_ANONYMOUS_BATCH_MAX": "50000"}  # the batch below is anonymous
    port = _free_port()
    serve = [sys.executable, "-m", "registry.cli", "serve", "--port", str(port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(serve, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                _call(port, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        cast = {}
        for name, role, scope in [("bench-tj", "zone_admin", ["--zone", "CN-TJ-FTZ"]),
                                  ("bench-bj", "zone_admin", ["--zone", "CN-BJ-FTZ"]),
                                  ("bench-tjc", "provincial_approver", ["--province", "CN-TJ"]),
                                  ("bench-bjc", "provincial_approver", ["--province", "CN-BJ"]),
                                  ("bench-cac", "national_filer", ["--authority", "CAC"]),
                                  ("bench-nda", "national_filer", ["--authority", "NDA"])]:  # fmt: skip
            out = subprocess.run([sys.executable, "-m", "registry.cli", "users", "add", name, "--role", role, *scope],
                                 cwd=workdir, env=env, capture_output=True, text=True, check=True)  # fmt: skip
            cast[name] = out.stdout.strip().splitlines()[-1]
        for zone, admin, approver, items in (("CN-TJ-FTZ", "bench-tj", "bench-tjc", 1000),
                                             ("CN-BJ-FTZ", "bench-bj", "bench-bjc", 10)):  # fmt: skip
            base = f"/api/v1/zones/{zone}/lists"
            _call(port, "POST", base, example_list("bench", items), cast[admin])
            _call(port, "POST", f"{base}/bench/submit", None, cast[admin])
            _call(
                port, "POST", f"{base}/bench/approval", {"decision": "approved", "document_no": "示例"}, cast[approver]
            )
            for authority in ("CAC", "NDA"):
                _call(port, "POST", f"{base}/bench/filings", {"authority": authority, "filing_no": "示例"},
                      cast[f"bench-{authority.lower()}"])  # fmt: skip
            _call(port, "POST", f"{base}/bench/publish", {"effective_from": clock.today().isoformat()}, cast[admin])
        # Warm up: compile each list's index in every worker before measuring.
        throughput(port, "POST", "/api/v1/checks", check_body("CN-TJ-FTZ", 0), args.clients, 1)
        throughput(port, "POST", "/api/v1/checks", check_body("CN-BJ-FTZ", 0), args.clients, 1)

        s, c = args.seconds, args.clients
        health_1 = throughput(port, "GET", "/healthz", None, c, s)
        big = throughput(port, "POST", "/api/v1/checks", check_body("CN-TJ-FTZ", 0), c, s)
        small = throughput(port, "POST", "/api/v1/checks", check_body("CN-BJ-FTZ", 0), c, s)
        big_outside = throughput(port, "POST", "/api/v1/checks", check_body("CN-TJ-FTZ", 1), c, s)
        health_2 = throughput(port, "GET", "/healthz", None, c, s)
        health = (health_1 + health_2) / 2
        checks = (big + small + big_outside) / 3

        batch = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
                 "datasets": [check_body("CN-TJ-FTZ", n)["dataset"]
                              | {"cumulative": {"personal_info_subjects": 150000, "sensitive_pi_subjects": 0}}
                              for n in range(10_000)]}  # fmt: skip
        started = time.perf_counter()
        result = _call(port, "POST", "/api/v1/checks/batch", batch)
        batch_rate = len(result["results"]) / (time.perf_counter() - started)
        engine = engine_rate(s)
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows = [
        ("checks ÷ healthz", checks / health, 0.5),
        ("1,000-item ÷ 10-item list", big / small, 0.9),
        ("batch datasets/s ÷ healthz req/s", batch_rate / health, 5.0),
    ]
    print(
        f"healthz {health:,.0f} req/s; checks {checks:,.0f} req/s (1,000 items {big:,.0f}, outside {big_outside:,.0f},"
        f" 10 items {small:,.0f}); batch {batch_rate:,.0f} datasets/s; engine {engine:,.0f} checks/s in-process"
    )
    print(f"{'ratio':36} {'measured':>9} {'goal':>6}  met")
    for name, value, goal in rows:
        print(f"{name:36} {value:9.2f} {goal:6.1f}  {'yes' if value >= goal else 'NO'}")


if __name__ == "__main__":
    main()
