"""Two hosts, one PostgreSQL, one Redis: checks under load while versions are published and revoked.

    python benchmarks/bench_hosts.py [--seconds 60] [--clients 6]

Starts a throwaway PostgreSQL and Redis on loopback (Debian's binaries) and two `registry serve`
processes on them (each its own instance folder, as two hosts would have), then for ``--seconds``:
``--clients`` threads send checks to both hosts in turn while one official's thread takes versions
of an example list (invented content) through the lifecycle on alternate hosts, publishing and
revoking them. Every check names the version it used; each answer must name a version that was in
force at some moment between the request's sending and its answer (publications and revocations
are timed by their own requests). Prints the counts, latency, errors and inconsistent answers, and
exits 1 if there was any error or inconsistency. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ON = "2031-06-01"
CHECK = {
    "zone": "CN-TJ-FTZ", "on": ON, "processor": {"in_zone": True, "ciio": False},
    "dataset": {"categories": ["BENCH.DATA"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                "important_data": False},
}  # fmt: skip


def example_version(label: str) -> dict:
    """An invented one-item list (not a zone's real list)."""
    return {"version": label, "title": f"多主机基准测试示例清单 {label}",
            "categories": [{"code": "BENCH", "name_zh": "基准"}, {"code": "BENCH.DATA", "name_zh": "基准数据"}],
            "scope": ["BENCH"],
            "items": [{"code": "B-1", "category": "BENCH.DATA", "name_zh": "基准数据项", "level": "important_data",
                       "mechanism": "security_assessment"}]}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port: int, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else {}


def _as_postgres(command: list[str]) -> list[str]:
    if os.getuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in command)]


def start_postgres(folder: Path) -> tuple[str, callable]:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(pg_bin / "initdb"), "-D", f"{folder}/data", "-U", "postgres", "-A", "trust",
                                 "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    control = [str(pg_bin / "pg_ctl"), "-D", f"{folder}/data", "-l", f"{folder}/log", "-w"]
    subprocess.run(_as_postgres([*control, "-o", options, "start"]), check=True, capture_output=True)
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", lambda: subprocess.run(
        _as_postgres([*control, "-m", "fast", "stop"]), capture_output=True
    )


def start_redis(folder: Path) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)  # fmt: skip
    return f"redis://127.0.0.1:{port}/0", process


def start_host(folder: Path, env: dict[str, str]) -> tuple[int, subprocess.Popen]:
    folder.mkdir()
    port = _free_port()
    log = (folder / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "registry.cli", "serve", "--port", str(port)],
                               cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=log)  # fmt: skip
    for _ in range(600):
        try:
            if _call(port, "GET", "/healthz")[0] == 200:
                return port, process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the host in {folder} did not start; see {folder / 'serve.log'}")


def official(ports: list[int], tokens: dict[str, str], stop: threading.Event, changes: list) -> None:
    """Publish and revoke versions, alternating hosts; record (sent, answered, version in force after)."""
    lists = "/api/v1/zones/CN-TJ-FTZ/lists"
    number = 0
    while not stop.is_set():
        number += 1
        label = f"bench-{number}"
        port = ports[number % 2]
        steps = [
            ("tj", lists, example_version(label)),
            ("tj", f"{lists}/{label}/submit", {}),
            ("tjc", f"{lists}/{label}/approval", {"decision": "approved", "document_no": f"示例〔{number}〕"}),
            ("CAC", f"{lists}/{label}/filings", {"authority": "CAC", "filing_no": f"CAC-{number}"}),
            ("NDA", f"{lists}/{label}/filings", {"authority": "NDA", "filing_no": f"NDA-{number}"}),
        ]
        for who, path, body in steps:
            status, answer = _call(port, "POST", path, body, tokens[who])
            if status not in (200, 201):
                raise SystemExit(f"{path}: {status} {answer}")
        for path, body, after in (
            (f"{lists}/{label}/publish", {"effective_from": "2031-01-01"}, label),
            (f"{lists}/{label}/revoke", {"revoked_on": "2031-03-01", "reason": "基准"}, None),
        ):
            sent = time.monotonic()
            status, answer = _call(ports[(number + 1) % 2], "POST", path, body, tokens["tj"])
            if status != 200:
                raise SystemExit(f"{path}: {status} {answer}")
            changes.append((sent, time.monotonic(), after))
            time.sleep(0.5)


def client(ports: list[int], stop: threading.Event, seen: list, errors: list) -> None:
    turn = 0
    while not stop.is_set():
        turn += 1
        sent = time.monotonic()
        try:
            status, answer = _call(ports[turn % 2], "POST", "/api/v1/checks", CHECK)
        except OSError as error:
            errors.append(str(error))
            continue
        answered = time.monotonic()
        if status != 200:
            errors.append(f"{status} {answer.get('detail')}")
            continue
        named = (answer["article6"].get("list") or {}).get("version")
        seen.append((sent, answered, named if named and named.startswith("bench-") else None))


def consistent(check: tuple[float, float, str | None], changes: list, initial: str | None) -> bool:
    """Whether the named version was in force at some moment between sending and answering."""
    sent, answered, named = check
    done_before = [after for (c_sent, c_answered, after) in changes if c_answered < sent]
    possible = {done_before[-1] if done_before else initial}
    possible |= {after for (c_sent, c_answered, after) in changes if c_sent <= answered and c_answered >= sent}
    return named in possible


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=6)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="registry-bench-hosts-"))
    database_url, stop_postgres = start_postgres(work)
    redis_url, redis = start_redis(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(REGISTRY_DATABASE_URL=database_url, REGISTRY_RATE_LIMIT="off", REGISTRY_RATE_LIMIT_STORAGE=redis_url,
               REGISTRY_SECRET_KEY="bench-" + "k" * 40, REGISTRY_AUDIT_KEY="bench-audit-" + "a" * 40,
               PYTHONPATH=str(Path(__file__).resolve().parent.parent))  # fmt: skip
    hosts = []
    try:
        for name in ("host-a", "host-b"):
            hosts.append(start_host(work / name, env))
        ports = [port for port, _process in hosts]
        tokens = {}
        for name, role, scope in (("tj", "zone_admin", ["--zone", "CN-TJ-FTZ"]),
                                  ("tjc", "provincial_approver", ["--province", "CN-TJ"]),
                                  ("CAC", "national_filer", ["--authority", "CAC"]),
                                  ("NDA", "national_filer", ["--authority", "NDA"])):  # fmt: skip
            command = [sys.executable, "-m", "registry.cli", "users", "add", name, "--role", role, *scope]
            added = subprocess.run(command, cwd=work / "host-a", env=env, capture_output=True, text=True, check=True)
            tokens[name] = added.stdout.split()[-1]
        stop, seen, errors, changes = threading.Event(), [], [], []
        workers = [threading.Thread(target=client, args=(ports, stop, seen, errors)) for _ in range(options.clients)]
        publisher = threading.Thread(target=official, args=(ports, tokens, stop, changes))
        for thread in [*workers, publisher]:
            thread.start()
        time.sleep(options.seconds)
        stop.set()
        for thread in [*workers, publisher]:
            thread.join(timeout=120)
    finally:
        for _port, process in hosts:
            process.terminate()
            process.wait(timeout=30)
        redis.terminate()
        stop_postgres()
        shutil.rmtree(work, ignore_errors=True)

    inconsistent = [check for check in seen if not consistent(check, changes, None)]
    latencies = sorted(answered - sent for sent, answered, _named in seen)
    publications = sum(1 for *_times, after in changes if after)
    print(f"two hosts on PostgreSQL + Redis, {options.seconds:.0f} s, {options.clients} clients")
    print(f"checks answered: {len(seen)} ({len(seen) / options.seconds:.0f}/s); "
          f"publications: {publications}, revocations: {len(changes) - publications}")  # fmt: skip
    if latencies:
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"latency: median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")  # fmt: skip
    print(f"errors: {len(errors)}{' — ' + '; '.join(errors[:5]) if errors else ''}")
    print(f"answers naming a version not in force while they were made: {len(inconsistent)}")
    sys.exit(1 if errors or inconsistent or not seen else 0)


if __name__ == "__main__":
    main()
