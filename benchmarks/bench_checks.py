"""Check throughput, measured against /healthz in the same run (shared machines are noisy).

    python benchmarks/bench_checks.py [--seconds 3] [--rounds 3] [--connections 32] [--workers N]
                                      [--database-url URL] [--profile DIR]

Starts the server as `registry serve` does (gunicorn's gevent workers, a fresh SQLite database in a
temporary folder, or the empty PostgreSQL database `--database-url` names), publishes a 10,000-item
and a 10-item example list (invented test content, not a real zone's list) through the API, loads
it with `wrk` (32 connections, as in issue 14), then prints:

- POST /api/v1/checks throughput ÷ GET /healthz throughput             (goal ≥ 0.5)
- checks against the 10,000-item list ÷ against the 10-item list        (goal ≥ 0.9)
- a 10,000-dataset batch's datasets per second ÷ healthz requests/s     (goal ≥ 5)
- the in-process engine's checks per second (no HTTP, no database)

and wrk's timeouts (answers slower than 2 s) for each load. The loads run in interleaved rounds and
each ratio is the median of its rounds' ratios (a shared machine's other work comes and goes).
Every dataset of the batch has figures of its own, so no answer can be reused between rows; the
batch is asked in full each round and once compact (``?explanations=shared``), and the answer's
size per dataset is printed for both.
With `--profile DIR`, py-spy samples the workers during the checks and during the batch and the
top of each profile is printed (raw stacks kept in DIR).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from registry import clock  # today as the registry counts it (Asia/Shanghai): v1.1 dates are checked against it

ROOT = Path(__file__).resolve().parent.parent
BIG_LIST_ITEMS = 10_000
SMALL_LIST_ITEMS = 10
BATCH_DATASETS = 10_000


LEAVES_PER_SCENARIO = 3  # a version declares at most 5,000 categories: items share their leaf categories


def example_list(version: str, item_count: int) -> dict:
    """An invented list: sectors S0.., ten scenarios each, three leaf categories each, items spread over them."""
    sectors = max(1, item_count // 100)
    categories, items = [], []
    for s in range(sectors):
        categories.append({"code": f"S{s}", "name_zh": f"领域{s}"})
        for c in range(10):
            categories.append({"code": f"S{s}.C{c}", "name_zh": f"场景{s}-{c}"})
            categories += [{"code": f"S{s}.C{c}.D{d}", "name_zh": f"数据类别{s}-{c}-{d}"}
                           for d in range(LEAVES_PER_SCENARIO)]  # fmt: skip
    for n in range(item_count):
        s, c, d = n % sectors, (n // sectors) % 10, (n // (sectors * 10)) % LEAVES_PER_SCENARIO
        items.append({
            "code": f"ITEM-{n:05d}", "category": f"S{s}.C{c}.D{d}", "name_zh": f"数据项{n}",
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


def batch_dataset(n: int) -> dict:
    """The n-th dataset of the batch: its own figures (no two alike), inside the list on even n."""
    dataset = check_body("", n)["dataset"] | {"personal_info_subjects": 40_000 + n, "label": f"dataset {n}"}
    return dataset | {"cumulative": {"personal_info_subjects": 150_000 + n, "sensitive_pi_subjects": 0}}


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


WRK_POST = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[%s]==]
"""


class Load:
    """What one wrk run measured: requests a second, answers slower than 2 s, non-2xx answers."""

    def __init__(self, output: str) -> None:
        self.rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
        errors = re.search(r"timeout (\d+)", output)
        self.timeouts = int(errors[1]) if errors else 0
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        self.failed = int(non_2xx[1]) if non_2xx else 0
        self.p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)[1]  # the latency table's row, not "98.99%"


def throughput(port: int, method: str, path: str, body: dict | None, connections: int, seconds: float,
               workdir: Path) -> Load:  # fmt: skip
    """Load ``path`` with wrk (2 threads, ``connections`` kept-alive connections) for ``seconds``."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "2s"]
    if method == "POST":
        script = workdir / "post.lua"
        script.write_text(WRK_POST % json.dumps(body, ensure_ascii=False))
        command += ["-s", str(script)]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    return Load(output)


def engine_rate(seconds: float) -> float:
    sys.path.insert(0, str(ROOT))
    from registry.checks.engine import CheckRequest, Cumulative, Dataset, Processor, determine
    from registry.checks.index import compile_list

    content = example_list("x", BIG_LIST_ITEMS)
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


PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")


class Profiler:
    """py-spy sampling every worker of the server while a load runs (``--profile DIR``)."""

    def __init__(self, folder: Path | None, server_pid: int) -> None:
        self.folder, self.server_pid, self.running = folder, server_pid, None

    def start(self, name: str, seconds: float) -> None:
        if self.folder is None:
            return
        self.name = name
        self.running = subprocess.Popen(
            [PY_SPY, "record", "--pid", str(self.server_pid), "--subprocesses", "--nonblocking", "--rate", "200",
             "--format", "raw", "--duration", str(max(1, round(seconds))),
             "--output", str(self.folder / f"{name}.txt")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self) -> None:
        if self.running is None:
            return
        self.running.wait(timeout=120)
        self.running = None
        print(f"\nprofile of {self.name} ({self.folder / self.name}.txt):")
        print(profile_top(self.folder / f"{self.name}.txt"))


def profile_top(path: Path, count: int = 14) -> str:
    """The top of a py-spy raw profile: functions by share of samples, including and excluding callees."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";")]
        n = int(samples)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total:,} samples", f"{'own':>6}  {'total':>6}  function"]
    for frame, n in own.most_common(count):
        lines.append(f"{n / total:6.1%}  {inclusive[frame] / total:6.1%}  {frame}")
    lines.append("by time including callees (the registry's own code and the layers around it):")
    for frame, n in inclusive.most_common(60):
        if any(part in frame for part in ("registry/", "flask/", "marshmallow/", "werkzeug/", "sqlalchemy/",
                                          "flask_limiter/", "orjson", "itsdangerous/", "gevent/pywsgi")):  # fmt: skip
            lines.append(f"        {n / total:6.1%}  {frame}")
    return "\n".join(lines[: count + 40])


def _frame(frame: str) -> str:
    """``dispatch_request (flask/app.py:865)`` → ``dispatch_request (flask/app.py)``, site-packages left out."""
    name, _, where = frame.partition(" (")
    where = re.sub(r":\d+$", "", where.rstrip(")"))
    where = re.sub(r".*/site-packages/", "", where)
    where = re.sub(r".*/(registry/)", r"\1", where)
    return f"{name} ({where})" if where else name


def _start_server(workdir: Path, env: dict[str, str], port: int, workers: int | None) -> subprocess.Popen:
    serve = [sys.executable, "-m", "registry.cli", "serve", "--port", str(port)]
    if workers:
        serve += ["--workers", str(workers)]
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(serve, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            _call(port, "GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not start; see {workdir / 'server.log'}")


def _publish_examples(port: int, workdir: Path, env: dict[str, str]) -> None:
    """Publish the big list in Tianjin and the small one in Beijing, through the API as officials would."""
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
    for zone, admin, approver, items in (("CN-TJ-FTZ", "bench-tj", "bench-tjc", BIG_LIST_ITEMS),
                                         ("CN-BJ-FTZ", "bench-bj", "bench-bjc", SMALL_LIST_ITEMS)):  # fmt: skip
        base = f"/api/v1/zones/{zone}/lists"
        _call(port, "POST", base, example_list("bench", items), cast[admin])
        _call(port, "POST", f"{base}/bench/submit", None, cast[admin])
        _call(port, "POST", f"{base}/bench/approval", {"decision": "approved", "document_no": "示例"}, cast[approver])
        for authority in ("CAC", "NDA"):
            _call(port, "POST", f"{base}/bench/filings", {"authority": authority, "filing_no": "示例"},
                  cast[f"bench-{authority.lower()}"])  # fmt: skip
        _call(port, "POST", f"{base}/bench/publish", {"effective_from": clock.today().isoformat()}, cast[admin])


def _batch(port: int, explanations: str) -> tuple[float, float]:
    """One 10,000-dataset batch: (datasets a second, bytes of answer a dataset)."""
    batch = {"zone": "CN-TJ-FTZ", "processor": {"in_zone": True, "ciio": False},
             "datasets": [batch_dataset(n) for n in range(BATCH_DATASETS)]}  # fmt: skip
    payload = json.dumps(batch).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("POST", f"/api/v1/checks/batch?explanations={explanations}", body=payload,
                       headers={"Content-Type": "application/json"})  # fmt: skip
    response = connection.getresponse()
    answer = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != 200 or len(json.loads(answer)["results"]) != BATCH_DATASETS:
        raise RuntimeError(f"batch: {response.status} {answer[:300]!r}")
    return BATCH_DATASETS / seconds, len(answer) / BATCH_DATASETS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="each load of each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: fresh SQLite)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for py-spy profiles of checks and batch")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (Debian: apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env |= {"REGISTRY_RATE_LIMIT": "off", "REGISTRY_ANONYMOUS_BATCH_MAX": "50000"}  # the batch below is anonymous
    if args.database_url:
        env["REGISTRY_DATABASE_URL"] = args.database_url
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = _start_server(workdir, env, port, args.workers)
    profiler = Profiler(args.profile, server.pid)
    s, c = args.seconds, args.connections
    try:
        _publish_examples(port, workdir, env)
        # Warm up: compile each list's index in every worker before measuring.
        for zone in ("CN-TJ-FTZ", "CN-BJ-FTZ"):
            throughput(port, "POST", "/api/v1/checks", check_body(zone, 0), c, 2, workdir)

        # Interleaved rounds, each ratio taken within its round and the median kept: other work on a shared
        # machine comes and goes within seconds, and would otherwise land on one side of a ratio only.
        rounds = []
        for number in range(args.rounds):
            health_1 = throughput(port, "GET", "/healthz", None, c, s, workdir)
            if number == 0:
                profiler.start("checks", s)
            big = throughput(port, "POST", "/api/v1/checks", check_body("CN-TJ-FTZ", 0), c, s, workdir)
            profiler.stop()
            small = throughput(port, "POST", "/api/v1/checks", check_body("CN-BJ-FTZ", 0), c, s, workdir)
            big_outside = throughput(port, "POST", "/api/v1/checks", check_body("CN-TJ-FTZ", 1), c, s, workdir)
            health_2 = throughput(port, "GET", "/healthz", None, c, s, workdir)
            rounds.append((health_1, big, small, big_outside, health_2))
        batches = []
        for number in range(args.rounds):
            health_1 = throughput(port, "GET", "/healthz", None, c, s, workdir)
            if number == 0:
                profiler.start("batch", 4)
            batch_rate, batch_bytes = _batch(port, "full")
            profiler.stop()
            health_2 = throughput(port, "GET", "/healthz", None, c, s, workdir)
            batches.append((batch_rate, (health_1.rate + health_2.rate) / 2))
        _shared_rate, shared_bytes = _batch(port, "shared")
        engine = engine_rate(s)
    finally:
        server.terminate()
        server.wait(timeout=30)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    health = median([(r[0].rate + r[4].rate) / 2 for r in rounds])
    checks = median([(r[1].rate + r[2].rate + r[3].rate) / 3 for r in rounds])
    big, small, big_outside = (median([r[i].rate for r in rounds]) for i in (1, 2, 3))
    batch_rate = median([b[0] for b in batches])
    ratios = {
        "checks": [(r[1].rate + r[2].rate + r[3].rate) / 3 / ((r[0].rate + r[4].rate) / 2) for r in rounds],
        "items": [r[1].rate / r[2].rate for r in rounds],
        "batch": [rate / health_rate for rate, health_rate in batches],
    }
    loads = [load for r in rounds for load in r]
    health_timeouts = sum(load.timeouts for r in rounds for load in (r[0], r[4]))
    check_timeouts = sum(load.timeouts for r in rounds for load in r[1:4])
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{database}, {c} connections, median of {args.rounds} rounds: healthz {health:,.0f} req/s; checks "
          f"{checks:,.0f} req/s ({BIG_LIST_ITEMS:,} items {big:,.0f}, outside {big_outside:,.0f}, {SMALL_LIST_ITEMS} "
          f"items {small:,.0f}); batch {batch_rate:,.0f} datasets/s; engine {engine:,.0f} checks/s in-process",
          )  # fmt: skip
    print(f"answers slower than 2 s (wrk timeouts): healthz {health_timeouts}, checks {check_timeouts}; non-2xx: "
          f"{sum(load.failed for load in loads)}; 99th percentiles: healthz "
          f"{', '.join(r[0].p99 for r in rounds)}; checks {', '.join(r[1].p99 for r in rounds)}")  # fmt: skip
    print(f"batch answer a dataset: {batch_bytes:,.0f} bytes in full, {shared_bytes:,.0f} with explanations=shared")
    rows = [
        ("checks ÷ healthz", ratios["checks"], 0.5),
        (f"{BIG_LIST_ITEMS:,}-item ÷ {SMALL_LIST_ITEMS}-item list", ratios["items"], 0.9),
        ("batch datasets/s ÷ healthz req/s", ratios["batch"], 5.0),
    ]
    print(f"{'ratio':36} {'median':>7} {'rounds':>20} {'goal':>5}  met")
    for name, values, goal in rows:
        each = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:36} {median(values):7.2f} {each:>20} {goal:5.1f}  {'yes' if median(values) >= goal else 'NO'}")


if __name__ == "__main__":
    main()
