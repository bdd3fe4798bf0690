#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite on SQLite and again on PostgreSQL,
# with a throwaway Redis as the store the application hosts share.
#   bash tests/run-all.sh            (the README's test command; .ci/run calls it too)
# Debian packages (postgresql, chromium, a CJK font for the screenshots and the PDF, and the Pango and
# Cairo libraries WeasyPrint and CairoSVG load) are installed with apt-get when missing (as root, or
# through sudo); Python packages go into .venv. PostgreSQL runs on a throwaway data folder on a
# free loopback port and is stopped on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=""
for package in postgresql redis-server chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libcairo2; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi

echo "== installing Python packages into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
export PATH="$PWD/.venv/bin:$PATH"

echo "== starting PostgreSQL"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/registry-pg.XXXXXX)
pg_port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
redis_pid=""
stop_servers() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
  run_pg "'$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_servers EXIT
run_pg "'$pg_bin/initdb' -D '$pg_dir/data' -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
run_pg "'$pg_bin/pg_ctl' -D '$pg_dir/data' -l '$pg_dir/log' -w -o \"-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
export REGISTRY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"

echo "== starting Redis"
redis_port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$pg_dir" >/dev/null &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export REGISTRY_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"

echo "== ruff"
ruff check registry tests benchmarks

echo "== tests on SQLite"
python -m pytest -q -p no:cacheprovider

echo "== tests on PostgreSQL"
REGISTRY_TEST_DATABASE_URL="$REGISTRY_TEST_POSTGRES_URL" python -m pytest -q -p no:cacheprovider -m "not sqlite_only"
