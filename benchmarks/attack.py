"""Replay the security review's availability attacks against `registry serve`, probing /healthz.

Starts `registry serve` (default settings: gevent workers, the default rate limit) on a fresh SQLite
database in a temporary folder, on a free loopback port, and runs each attack in turn while a
thread asks `/healthz` every 100 ms. For each attack it reports the worst `/healthz` latency, the
failed probes (no answer within 2 s, or not 200), the peak RSS of any worker, the statuses the
attack got, and any 500 (from the attack's answers or the access log). Loopback only, bounded in
count and time (about three minutes in all), and it stops the server itself.

    python benchmarks/attack.py [--workers 2] [--short]

Goals: /healthz never slower than 1 s and no failed probe during any attack, peak RSS under
300 MB per worker, no 500 anywhere.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workbook_files import declare_shared_strings, rewrite, workbook  # noqa: E402

HOST = "127.0.0.1"
HEADER = ["dataset", "categories", "personal_info_subjects", "sensitive_pi_subjects", "important_data"]


# --- the server and the probe ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
             timeout: float = 60) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _workers(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Probe(threading.Thread):
    """Ask /healthz every 100 ms; record latencies, failures and the workers' peak RSS."""

    def __init__(self, port: int, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.port, self.server_pid = port, server_pid
        self.stop = threading.Event()
        self.reset()

    def reset(self) -> None:
        self.worst = 0.0
        self.failed = 0
        self.probes = 0
        self.peak_rss = 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                status, _headers, _body = _request(self.port, "GET", "/healthz", timeout=2)
                ok = status == 200
            except OSError:
                ok = False
            latency = time.monotonic() - started
            self.probes += 1
            self.worst = max(self.worst, latency)
            self.failed += 0 if ok else 1
            for worker in _workers(self.server_pid):
                self.peak_rss = max(self.peak_rss, _rss_mb(worker))
            self.stop.wait(max(0.0, 0.1 - latency))


# --- the files ----------------------------------------------------------------------------------


def _sheet(rows_xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def _header_xml(names: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(names))
    return f'<row r="1">{cells}</row>'


def shared_string_bomb() -> bytes:
    """A ~2.5 MB workbook whose one shared string unpacks to 2.5 GB."""
    out = io.BytesIO()
    base = workbook([HEADER, ["x", "AUTO", 0, 0, False]])
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                content = declare_shared_strings(content)
            target.writestr(info.filename, content)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (16 * 1024 * 1024)
            for _ in range(150):  # 2.4 GiB
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return out.getvalue()


def million_rows(names: list[str], title: str | None = None, rows: int = 2_000_000) -> bytes:
    """A small workbook of ``rows`` empty rows under a header."""
    body = "".join(f'<row r="{n}"/>' for n in range(2, rows + 2))
    return rewrite(workbook([names], title=title), {"xl/worksheets/sheet1.xml": _sheet(_header_xml(names) + body)})


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----registry-attack-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_inventory(port: int, data: bytes, filename: str) -> int:
    """Upload through the public inventory page, as a browser would (session cookie and CSRF token)."""
    status, headers, page = _request(port, "GET", "/check/inventory")
    cookie = headers.get("set-cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    body, content_type = _multipart(
        {"csrf_token": token[1].decode() if token else "", "zone": "CN-TJ-FTZ", "on": "2024-06-01",
         "in_zone": "yes", "ciio": "no"}, filename, data,
    )  # fmt: skip
    status, _headers, _page = _request(
        port, "POST", "/check/inventory", body, {"Content-Type": content_type, "Cookie": cookie}, timeout=120
    )
    return status


# --- the attacks -------------------------------------------------------------------------------


def in_parallel(count: int, call) -> list[int]:
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return [future.result() for future in [pool.submit(call) for _ in range(count)]]


def prepare_files(ctx: dict) -> None:
    """Build the bombs before any attack, so building them is not measured."""
    ctx["shared_string_bomb"] = shared_string_bomb()
    ctx["million_rows"] = million_rows(HEADER)
    names = ["类别代码 category code", "编号 code", "数据项 item", "级别 level", "管理要求 mechanism"]
    ctx["list_rows"] = million_rows(names, title="清单 items", rows=1_000_000)


def attack_shared_strings(port: int, ctx: dict) -> list[int]:
    return in_parallel(4, lambda: upload_inventory(port, ctx["shared_string_bomb"], "inventory.xlsx"))


def attack_million_rows(port: int, ctx: dict) -> list[int]:
    return in_parallel(4, lambda: upload_inventory(port, ctx["million_rows"], "inventory.xlsx"))


def attack_list_import_rows(port: int, ctx: dict) -> list[int]:
    body, content_type = _multipart({"version": "bomb"}, "list.xlsx", ctx["list_rows"])
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {ctx['admin_token']}"}
    return in_parallel(2, lambda: _request(port, "POST", "/api/v1/zones/CN-TJ-FTZ/lists/import", body, headers)[0])


def attack_hostile_json(port: int, _ctx: dict) -> list[int]:
    check = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
             "dataset": {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0,
                         "important_data": False, "attributes": {"x": "@"}}}  # fmt: skip
    deep = "[" * 600 + "]" * 600
    bodies = [
        ("/api/v1/checks", json.dumps(check).replace('"@"', deep)),
        ("/api/v1/checks/verify", "[" * 5000 + "]" * 5000),
        ("/api/v1/checks/verify", '{"receipt": ' + "9" * 5000 + "}"),
        ("/api/v1/checks/verify", '{"receipt": "\\ud800"}'),
        ("/api/v1/checks", json.dumps(check).replace('"@"', '"\\ud800"')),
    ]
    headers = {"Content-Type": "application/json"}
    return [_request(port, "POST", path, body.encode(), headers)[0] for path, body in bodies]


def attack_big_batches(port: int, _ctx: dict) -> list[int]:
    dataset = {"categories": ["AUTO"], "personal_info_subjects": 0, "sensitive_pi_subjects": 0, "important_data": False}
    statuses = []
    for count in (50_000, 100, 100, 100):
        body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
                "datasets": [dataset] * count}  # fmt: skip
        statuses.append(_request(port, "POST", "/api/v1/checks/batch", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})[0])  # fmt: skip
    return statuses


def attack_signed_in_batch(port: int, ctx: dict) -> list[int]:
    """One signed-in batch of the most datasets a batch may hold (MAX_BATCH_DATASETS, 50,000), each its own."""
    statuses = []
    for query in ("", "?explanations=shared"):
        datasets = [{"categories": ["AUTO.VEH.TRACK"], "personal_info_subjects": 1_000 + n, "sensitive_pi_subjects": 0,
                     "important_data": False, "label": f"row {n}",
                     "cumulative": {"personal_info_subjects": 200_000 + n, "sensitive_pi_subjects": 0}}
                    for n in range(50_000)]  # fmt: skip
        body = {"zone": "CN-TJ-FTZ", "on": "2024-06-01", "processor": {"in_zone": True, "ciio": False},
                "datasets": datasets}  # fmt: skip
        status, _headers, answer = _request(
            port, "POST", f"/api/v1/checks/batch{query}", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {ctx['admin_token']}"}, timeout=600,
        )  # fmt: skip
        print(f"  signed-in 50,000-dataset batch{query or ' (full)'}: {status}, {len(answer) / 1e6:,.1f} MB",
              flush=True)  # fmt: skip
        statuses.append(status)
    return statuses


def attack_trickle(port: int, ctx: dict) -> list[int | str]:
    """Eight connections declaring a 100 kB body and sending a byte every 5 s, until answered."""
    sockets = []
    for _ in range(8):
        sock = socket.create_connection((HOST, port))
        sock.sendall(b"POST /api/v1/checks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n{")  # fmt: skip
        sock.setblocking(False)
        sockets.append(sock)
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + ctx["trickle_seconds"]
    while time.monotonic() < deadline and len(statuses) < len(sockets):
        for index, sock in enumerate(sockets):
            if index in statuses:
                continue
            with contextlib.suppress(BlockingIOError):
                answer = sock.recv(100)
                statuses[index] = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
                continue
            with contextlib.suppress(OSError):
                sock.send(b" ")
        time.sleep(5)
    for sock in sockets:
        sock.close()
    return sorted(statuses.values()) + ["never answered"] * (len(sockets) - len(statuses))


def attack_idle(port: int, ctx: dict) -> list[str]:
    """2,500 connections that send nothing, held for ``idle_seconds``."""
    sockets = []
    for _ in range(2500):
        with contextlib.suppress(OSError):
            sockets.append(socket.create_connection((HOST, port), timeout=5))
    time.sleep(ctx["idle_seconds"])
    closed = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            closed += sock.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        sock.close()
    return ["closed by the server"] * closed + ["still open"] * (len(sockets) - closed)


def attack_slow_headers(port: int, ctx: dict) -> list[str]:
    """200 connections sending a request's headers a byte every second."""
    sockets = []
    for _ in range(200):
        sock = socket.create_connection((HOST, port))
        sock.setblocking(False)
        sockets.append(sock)
    line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    for position in range(ctx["slow_header_seconds"]):
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(line[position : position + 1])
        time.sleep(1)
    closed = 0
    for sock in sockets:
        try:
            closed += sock.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        sock.close()
    return ["closed by the server"] * closed + ["still open"] * (len(sockets) - closed)


ATTACKS = [
    ("hostile JSON (600/5,000-deep, 5,000 digits, lone surrogate)", attack_hostile_json),
    ("4 × XLSX shared-string bomb (2.4 GiB unpacked) on the inventory page", attack_shared_strings),
    ("4 × XLSX of 2,000,000 empty rows on the inventory page", attack_million_rows),
    ("2 × list import of 1,000,000 empty rows", attack_list_import_rows),
    ("anonymous batches: 50,000 datasets, then 3 × 100", attack_big_batches),
    ("signed-in batches of 50,000 datasets (full, then explanations=shared)", attack_signed_in_batch),
    ("8 connections trickling a 100 kB body at 1 byte / 5 s", attack_trickle),
    ("2,500 idle connections", attack_idle),
    ("200 connections sending headers at 1 byte / s", attack_slow_headers),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--short", action="store_true", help="shorter slow-client attacks (a quick look)")
    parser.add_argument("--only", default=None, help="run only the attacks whose name contains this text")
    args = parser.parse_args()
    ctx = {"trickle_seconds": 45, "idle_seconds": 30, "slow_header_seconds": 20}
    if args.short:
        ctx = {"trickle_seconds": 35, "idle_seconds": 8, "slow_header_seconds": 8}
    folder = Path(tempfile.mkdtemp(prefix="registry-attack-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--host", HOST, "--port", str(port),
         "--workers", str(args.workers)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    rows = []
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/healthz", timeout=1)[0] == 200:
                    break
            time.sleep(0.2)
        created = subprocess.run(
            [sys.executable, "-m", "registry.cli", "users", "add", "attacker-admin", "--role", "zone_admin",
             "--zone", "CN-TJ-FTZ"], cwd=folder, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        ctx["admin_token"] = created.stdout.split()[-1]
        prepare_files(ctx)
        sizes = ", ".join(
            f"{key} {len(ctx[key]) / 1e6:,.1f} MB" for key in ("shared_string_bomb", "million_rows", "list_rows")
        )
        print(f"files: {sizes}", flush=True)
        probe = Probe(port, server.pid)
        probe.start()
        for name, attack in [a for a in ATTACKS if args.only is None or args.only in a[0]]:
            time.sleep(1)
            probe.reset()
            errors_before = _server_errors(folder / "server.log")
            started = time.monotonic()
            statuses = attack(port, ctx)
            seconds = time.monotonic() - started
            time.sleep(0.5)
            errors = _server_errors(folder / "server.log") - errors_before
            row = (name, probe.worst, probe.failed, probe.probes, probe.peak_rss, statuses, errors, seconds)
            rows.append(row)
            print(f"{name}: worst /healthz {probe.worst * 1000:,.0f} ms, failed {probe.failed}/{probe.probes}, "
                  f"peak worker RSS {probe.peak_rss:,.0f} MB, answers {dict(collections.Counter(statuses))}, "
                  f"500s {errors}, {seconds:,.1f} s", flush=True)  # fmt: skip
        probe.stop.set()
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)
        log.close()
    print("\n| attack | worst /healthz | failed probes | peak worker RSS | answers | 500s |")
    print("|---|---|---|---|---|---|")
    for name, worst, failed, probes, rss, statuses, errors, _seconds in rows:
        answers = ", ".join(f"{status} ×{n:,}" for status, n in collections.Counter(statuses).items())
        print(f"| {name} | {worst * 1000:,.0f} ms | {failed} of {probes} | {rss:,.0f} MB | {answers} | {errors} |")
    met = all(
        worst < 1 and failed == 0 and rss < 300 and errors == 0 for _n, worst, failed, _p, rss, _s, errors, _t in rows
    )
    print(f"\ngoals met: {'yes' if met else 'no'} (server log: {folder / 'server.log'})")


def _server_errors(log: Path) -> int:
    """500s the server answered or logged so far."""
    text = log.read_text(errors="replace")
    return text.count("Unhandled error") + len(re.findall(r'" 500 ', text))


if __name__ == "__main__":
    main()
