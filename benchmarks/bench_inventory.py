"""A company's 20,000-row inventory through the page: upload and check, the results page, both downloads.

    python benchmarks/bench_inventory.py [--rows 20000] [--rounds 2]

Issue #10 asks that 20,000 rows "finish well inside a minute". This runs the page in-process (Flask's
test client, a fresh SQLite database with the seeds, Tianjin's list of record of 2024) with a sheet
as companies keep it — Chinese column titles, 是/否, figures written 万 — and prints the seconds of
each step. The baseline, measured in the same run on the same datasets, is the checking service alone
(``run_batch``): the ratio page ÷ service is what the page adds (reading the sheet, keeping the
results, signing the receipts is in both) and compares between runs on a noisy machine.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry import create_app  # noqa: E402
from registry.checks import inventory  # noqa: E402
from registry.checks.services import run_batch  # noqa: E402
from registry.cli import prepare_database  # noqa: E402
from registry.db import get_session  # noqa: E402

ZONE, ON = "CN-TJ-FTZ", date(2025, 1, 1)
# Tianjin's categories (list of record, 2024), one misspelt code, and every way of writing a figure.
KINDS = ["FINANCE,0,0,否,,2万", "PERSONAL_INFO,12万,0,N,,", "TRANSPORT,0,0,是,,", "FINANCEE,0,0,否,,",
         "SCIENCE_TECH,5万,0,否,,", "PUBLIC_HEALTH,1.2万,120,Y,,"]  # fmt: skip


def sheet(rows: int) -> bytes:
    """A CSV of ``rows`` rows with Chinese titles; each row has its own name, so no answer repeats."""
    head = "数据名称,数据类别,个人信息人数,敏感个人信息人数,是否重要数据,豁免情形,当年累计个人信息人数\r\n"
    return (head + "".join(f"数据{n},{KINDS[n % len(KINDS)]}\r\n" for n in range(rows))).encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-inventory-"))
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'registry.db'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "RATE_LIMIT": "off",
            "ANONYMOUS_BATCH_MAX_DATASETS": args.rows,
        }
    )
    prepare_database(app)
    body = sheet(args.rows)
    client = app.test_client()
    form = {"zone": ZONE, "on": ON.isoformat(), "in_zone": "yes", "ciio": "no",
            "cumulative_personal_info_subjects": "15万", "cumulative_sensitive_pi_subjects": "0"}  # fmt: skip
    form["csrf_token"] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/check/inventory").text)[1]
    print(f"{args.rows:,} rows, {len(body) / 1e6:.1f} MB of CSV, {ZONE} on {ON}")
    for round_no in range(1, args.rounds + 1):
        with app.app_context():
            reading = inventory.SheetReading(cumulative={"personal_info_subjects": 150_000, "sensitive_pi_subjects": 0})
            table = inventory.read_csv_table(body.decode("utf-8-sig"), args.rows, reading)
            datasets = [inventory.row_to_dataset(row, reading) for row in table.rows]
            started = time.perf_counter()
            run_batch(get_session(), ZONE, ON, {"in_zone": True, "ciio": False}, datasets, app.config["SECRET_KEY"])
            service = time.perf_counter() - started
        started = time.perf_counter()
        answer = client.post(
            "/check/inventory", data={**form, "file": (io.BytesIO(body), "inventory.csv")},
            content_type="multipart/form-data",
        )  # fmt: skip
        checked = time.perf_counter() - started
        if answer.status_code != 303:
            sys.exit(f"the upload was refused ({answer.status_code}): {answer.get_data(as_text=True)[:500]}")
        location = answer.headers["Location"]
        started = time.perf_counter()
        page = client.get(location)
        shown = time.perf_counter() - started
        started = time.perf_counter()
        downloads = [client.get(f"{location}.xlsx"), client.get(f"{location}.csv")]
        downloaded = time.perf_counter() - started
        assert page.status_code == 200 and all(d.status_code == 200 for d in downloads)
        total = checked + shown + downloaded
        print(
            f"round {round_no}: service alone {service:.1f} s; page: upload and check {checked:.1f} s, results page "
            f"{shown:.1f} s, both downloads {downloaded:.1f} s, total {total:.1f} s; page ÷ service "
            f"{checked / service:.2f}; {'inside' if total < 60 else 'OVER'} a minute"
        )


if __name__ == "__main__":
    main()
