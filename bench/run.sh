#!/usr/bin/env bash
# Load benchmark of the academy service: start time, memory, requests/s against the framework
# ceiling, registration writes (against pgbench on PostgreSQL) and the contended-registration
# race, on SQLite and on PostgreSQL. Writes bench/RESULTS.md; raw outputs go to bench/out/
# (not committed). See bench/README.md.
#
#   bench/run.sh                      # both databases
#   bench/run.sh --only sqlite        # or: --only postgres
#   bench/run.sh --no-build --duration 5 --users 200
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--only sqlite|postgres] [--no-build] [--duration SECONDS] [--users N]

  --only DB        run one database only (sqlite or postgres); default: both
  --no-build       do not run `cargo build --release` first
  --duration S     length of every wrk run in seconds (default 10)
  --users N        users (and distinct tokens) for the signed-in, registration and race rows
                   (default 1000)

Environment: ACADEMY_BIN (default target/release/academy), BENCH_PORT (18080),
BENCH_PG_HOST (127.0.0.1), BENCH_PG_PORT (5432), BENCH_PG_USER (postgres),
BENCH_REG_EDITIONS (100), BENCH_RACE_SEATS (50), BENCH_WEBHOOKS (1: every registration
is also a webhook delivery to a receiver on loopback), BENCH_WEBHOOK_PORT (18099).
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ONLY=""
BUILD=1
DURATION="${BENCH_DURATION:-10}"
USERS="${BENCH_USERS:-1000}"
COURSES="${BENCH_COURSES:-200}"
EDITIONS="${BENCH_EDITIONS:-1000}"
REG_EDITIONS="${BENCH_REG_EDITIONS:-100}"
RACE_SEATS="${BENCH_RACE_SEATS:-50}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) ONLY="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --only=*) ONLY="${1#--only=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --duration) DURATION="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --duration=*) DURATION="${1#--duration=}"; shift ;;
    --users) USERS="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --users=*) USERS="${1#--users=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$ONLY" in
  "") DATABASES=(sqlite postgres) ;;
  sqlite|postgres) DATABASES=("$ONLY") ;;
  *) echo "--only takes sqlite or postgres, not '$ONLY'" >&2; exit 2 ;;
esac
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || { echo "--duration must be a positive integer" >&2; exit 2; }
[[ "$USERS" =~ ^[1-9][0-9]*$ ]] || { echo "--users must be a positive integer" >&2; exit 2; }
[[ "$REG_EDITIONS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_REG_EDITIONS must be a positive integer" >&2; exit 2; }
[[ "$RACE_SEATS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_RACE_SEATS must be a positive integer" >&2; exit 2; }

BIN="${ACADEMY_BIN:-target/release/academy}"
# BENCH_WEBHOOKS=1: a partner's endpoint on loopback (bench/webhooks.py) gets every
# registration of the registration rows as a webhook delivery.
WEBHOOKS="${BENCH_WEBHOOKS:-0}"
WEBHOOK_PORT="${BENCH_WEBHOOK_PORT:-18099}"
RECEIVER_PID=""
PORT="${BENCH_PORT:-18080}"
LISTEN="127.0.0.1:$PORT"
BASE="http://$LISTEN"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_DB=academy_bench
PGBENCH_DB=academy_pgbench
PGBENCH_SCALE=10
PGBENCH_CLIENTS=8
PGBENCH_JOBS=2
# Seats of each registration-throughput edition: more than --users, so that none fills.
REG_CAPACITY=5000
ADMIN_EMAIL=admin@bench.local
ADMIN_PASSWORD=bench-admin-password
THREADS=2
CONNECTIONS=64
START_TIMEOUT_S=60
STOP_TIMEOUT_S=30
OUT=bench/out
RESULTS=bench/RESULTS.md
# The Python helpers import make_tokens.py; keep bench/ free of __pycache__.
export PYTHONDONTWRITEBYTECODE=1

SERVER_PID=""
SAMPLER_PID=""
SAMPLED_KB=0
PGBENCH_DB_CREATED=0
PGBENCH_BIN=""
FAILURES=()

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*"; }
fail() { FAILURES+=("$*"); log "PROBLEM: $*"; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Small helpers without forks where it matters (they run in the sampling loop and the
# readiness loop).

now_us() { local t="${EPOCHREALTIME//[!0-9]/}"; echo "$((10#$t))"; }

# alive PID: the process exists and is not a zombie (kill -0 succeeds on zombies).
alive() {
  local key val _
  [[ -r "/proc/$1/status" ]] || return 1
  while read -r key val _; do
    if [[ "$key" == "State:" ]]; then
      # Explicit codes: a bare `return` inside the EXIT trap would return the trap's status.
      if [[ "$val" == Z || "$val" == X ]]; then return 1; fi
      return 0
    fi
  done <"/proc/$1/status" 2>/dev/null
  return 1
}

# proc_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, VmHWM), 0 if unreadable.
proc_kb() {
  local key val _
  while read -r key val _; do
    if [[ "$key" == "$2:" ]]; then
      echo "$val"
      return 0
    fi
  done <"/proc/$1/status" 2>/dev/null || true
  echo 0
}

kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Peak VmRSS of PID, polled every 100 ms until the file STOP exists or PID ends; the running
# maximum (kB) is kept in OUTFILE.
rss_sampler() {
  local pid="$1" outfile="$2" stop="$3" max=0 kb key val _
  echo 0 >"$outfile"
  while [[ ! -e "$stop" ]] && alive "$pid"; do
    kb=0
    while read -r key val _; do
      if [[ "$key" == "VmRSS:" ]]; then kb="$val"; break; fi
    done <"/proc/$pid/status" 2>/dev/null || true
    if ((kb > max)); then
      max="$kb"
      echo "$max" >"$outfile"
    fi
    sleep 0.1
  done
}

cleanup() {
  local i
  if [[ -n "$RECEIVER_PID" ]] && alive "$RECEIVER_PID"; then
    kill "$RECEIVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$SAMPLER_PID" ]] && alive "$SAMPLER_PID"; then
    kill "$SAMPLER_PID" 2>/dev/null || true
  fi
  if [[ -n "$SERVER_PID" ]] && alive "$SERVER_PID"; then
    log "stopping the service (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$SERVER_PID" || break
      sleep 0.1
    done
    if alive "$SERVER_PID"; then
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  if [[ "$PGBENCH_DB_CREATED" == 1 ]]; then
    pg_drop_pgbench_db || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# apt_install PKG: installs one Debian package (as root, or through sudo); non-zero if that
# is impossible or fails.
apt_install() {
  local pkg="$1" sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || return 1
    sudo=(sudo)
  fi
  timeout 300 "${sudo[@]}" apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive timeout 300 "${sudo[@]}" apt-get install -y -qq "$pkg" >/dev/null
}

ensure_tool() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  log "installing $pkg (for $cmd)"
  apt_install "$pkg" || die "$cmd is missing and installing the Debian package $pkg failed"
}

# find_pgbench: prints a working pgbench (on PATH, else the newest under /usr/lib/postgresql).
find_pgbench() {
  local c
  for c in "$(command -v pgbench 2>/dev/null || true)" \
    $(ls -1 /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -rV); do
    if [[ -n "$c" && -x "$c" ]] && "$c" --version >/dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

# ensure_pgbench: sets PGBENCH_BIN, installing pgbench from Debian when missing. Debian ships
# it with the server package (postgresql-MAJOR; postgresql-contrib depends on it) and, in
# newer releases, with postgresql-client-MAJOR; the client package is tried first.
ensure_pgbench() {
  local major pkg
  PGBENCH_BIN="$(find_pgbench || true)"
  [[ -n "$PGBENCH_BIN" ]] && return 0
  major="$(psql -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -Atc 'show server_version_num' 2>/dev/null || true)"
  major="$((${major:-0} / 10000))"
  for pkg in ${major:+postgresql-client-$major postgresql-$major} postgresql-contrib; do
    [[ "$pkg" == *-0 ]] && continue
    log "installing $pkg (for pgbench)"
    apt_install "$pkg" || continue
    PGBENCH_BIN="$(find_pgbench || true)"
    [[ -n "$PGBENCH_BIN" ]] && return 0
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# The service

# start_server DB URL: launches the service in the background (in this shell, so that `wait`
# can collect its exit code) and waits for /ready to answer 200. Sets SERVER_PID and START_MS.
start_server() {
  local db="$1" url="$2" t0 deadline code
  if curl -s -o /dev/null --max-time 1 "$BASE/health"; then
    die "something already answers at $BASE; stop it or set BENCH_PORT"
  fi
  rm -rf "$OUT/data-$db"
  t0="$(now_us)"
  env ACADEMY_DATABASE_URL="$url" \
    ACADEMY_LISTEN="$LISTEN" \
    ACADEMY_PUBLIC_URL="$BASE" \
    ACADEMY_DATA_DIR="$OUT/data-$db" \
    ACADEMY_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" \
    ACADEMY_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    ACADEMY_WEBHOOKS_ALLOW_PRIVATE="$([[ "$WEBHOOKS" == 1 ]] && echo true || echo false)" \
    RUST_LOG=warn \
    "$BIN" serve >"$OUT/server-$db.log" 2>&1 &
  SERVER_PID=$!
  deadline=$((t0 + START_TIMEOUT_S * 1000000))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/ready" || true)"
    if [[ "$code" == 200 ]]; then
      break
    fi
    if ! alive "$SERVER_PID"; then
      tail -n 30 "$OUT/server-$db.log" >&2 || true
      die "the service exited before answering /ready (log: $OUT/server-$db.log)"
    fi
    if (($(now_us) > deadline)); then
      tail -n 30 "$OUT/server-$db.log" >&2 || true
      die "/ready did not answer 200 within ${START_TIMEOUT_S} s (last status: $code)"
    fi
    sleep 0.01
  done
  START_MS=$((($(now_us) - t0) / 1000))
  log "$db: /ready answered 200 after $START_MS ms (pid $SERVER_PID)"
}

# stop_server: SIGTERM, wait (bounded) and collect the exit code into STOP_RC, STOP_MS.
stop_server() {
  local t0 deadline
  t0="$(now_us)"
  kill -TERM "$SERVER_PID"
  deadline=$((t0 + STOP_TIMEOUT_S * 1000000))
  while alive "$SERVER_PID" && (($(now_us) < deadline)); do
    sleep 0.02
  done
  if alive "$SERVER_PID"; then
    fail "the service did not exit within ${STOP_TIMEOUT_S} s of SIGTERM; killed"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  STOP_RC=0
  wait "$SERVER_PID" || STOP_RC=$?
  STOP_MS=$((($(now_us) - t0) / 1000))
  SERVER_PID=""
}

start_sampler() {
  rm -f "$1.stop"
  rss_sampler "$SERVER_PID" "$1" "$1.stop" &
  SAMPLER_PID=$!
}

# stop_sampler FILE: ends the sampler and sets SAMPLED_KB (call it directly, not in $(...),
# so that `wait` sees the sampler as this shell's child).
stop_sampler() {
  touch "$1.stop"
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  SAMPLED_KB="$(cat "$1")"
}

# ---------------------------------------------------------------------------------------------
# wrk

# analyze_db DB: fresh planner statistics after bulk seeding, as PostgreSQL's autovacuum
# (or SQLite's `PRAGMA optimize`) would have them on a database in use.
analyze_db() {
  if [[ "$1" == postgres ]]; then
    psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -c 'ANALYZE' >/dev/null ||
      fail "ANALYZE on $PG_DB failed"
  fi
}

# run_wrk NAME URL [SCRIPT ARGS...]: one bounded wrk run, output kept in $OUT/wrk-NAME.txt.
run_wrk() {
  local name="$1" url="$2" script="${3:-}" out="$OUT/wrk-$1.txt"
  shift 2
  if [[ $# -gt 0 ]]; then shift; fi
  local cmd=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency)
  if [[ -n "$script" ]]; then
    cmd+=(-s "$script" "$url" -- "$@")
  else
    cmd+=("$url")
  fi
  log "wrk $name: ${cmd[*]}"
  if ! timeout $((DURATION + 60)) "${cmd[@]}" >"$out" 2>&1; then
    cat "$out" >&2
    fail "wrk $name failed (output: $out)"
  fi
}

# wrk_field FILE rps|p99|p50|non2xx|requests|socket: one figure out of wrk's text output.
wrk_field() {
  local file="$1" what="$2"
  case "$what" in
    rps) awk '/^Requests\/sec:/ { print $2; f = 1 } END { if (!f) print "n/a" }' "$file" ;;
    requests) awk '/ requests in / { print $1; f = 1 } END { if (!f) print "n/a" }' "$file" ;;
    non2xx) awk '/Non-2xx or 3xx responses:/ { print $NF; f = 1 } END { if (!f) print 0 }' "$file" ;;
    socket) awk '/Socket errors:/ { sub(/^ *Socket errors: */, ""); print; f = 1 } END { if (!f) print "none" }' "$file" ;;
    p50|p99)
      awk -v q="${what#p}%" '
        $1 == q {
          v = $2; n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
          f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
          if (f > 0 && n != "") { printf "%.2f\n", n * f; found = 1; exit }
        }
        END { if (!found) print "n/a" }' "$file" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Registrations: throughput (wrk + register.lua), pgbench, and the contended race (race.py)

pg_psql() {
  psql -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -q \
    -c "SET client_min_messages = warning" "$@"
}

pg_drop_pgbench_db() {
  pg_psql -c "DROP DATABASE IF EXISTS $PGBENCH_DB WITH (FORCE)" && PGBENCH_DB_CREATED=0
}

# run_pgbench: TPC-B (pgbench's built-in script) on a fresh scale-10 database, 8 clients,
# 2 threads, the run's duration; the scratch database is dropped afterwards. Sets R[pgbench.*].
run_pgbench() {
  local init="$OUT/pgbench-init.txt" out="$OUT/pgbench.txt" conn
  R[pgbench.tps]="n/a"
  if ! ensure_pgbench; then
    fail "pgbench is missing and could not be installed; no registration/pgbench ratio"
    return 0
  fi
  R[pgbench.version]="$("$PGBENCH_BIN" --version 2>/dev/null | head -n 1)"
  conn=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
  pg_psql -c "DROP DATABASE IF EXISTS $PGBENCH_DB WITH (FORCE)" -c "CREATE DATABASE $PGBENCH_DB" ||
    { fail "could not create the database $PGBENCH_DB for pgbench"; return 0; }
  PGBENCH_DB_CREATED=1
  log "pgbench -i -s $PGBENCH_SCALE $PGBENCH_DB"
  if ! timeout 600 "$PGBENCH_BIN" "${conn[@]}" -i -q -s "$PGBENCH_SCALE" "$PGBENCH_DB" >"$init" 2>&1; then
    tail -n 20 "$init" >&2
    fail "pgbench -i failed (output: $init)"
    pg_drop_pgbench_db || true
    return 0
  fi
  log "pgbench -c $PGBENCH_CLIENTS -j $PGBENCH_JOBS -T $DURATION $PGBENCH_DB"
  if ! timeout $((DURATION + 120)) "$PGBENCH_BIN" "${conn[@]}" -c "$PGBENCH_CLIENTS" \
    -j "$PGBENCH_JOBS" -T "$DURATION" "$PGBENCH_DB" >"$out" 2>&1; then
    tail -n 20 "$out" >&2
    fail "pgbench failed (output: $out)"
  fi
  # "tps = 1234.5 (without initial connection time)"; older releases print two tps lines,
  # "(including ...)" and "(excluding connections establishing)": take the latter.
  R[pgbench.tps]="$(awk '/^tps = / && !/including/ { print $3; f = 1; exit }
    END { if (!f) print "n/a" }' "$out")"
  log "pgbench: ${R[pgbench.tps]} tps (TPC-B, scale $PGBENCH_SCALE)"
  pg_drop_pgbench_db || fail "could not drop the scratch database $PGBENCH_DB"
  # Leave no pgbench dirt for the registration row to flush.
  pg_psql -c "CHECKPOINT" || true
}

# seed_editions DB NAME ARGS...: published editions for the registration rows (one course per
# call), their ids in $OUT/NAME-editions-DB.txt.
seed_editions() {
  local db="$1" name="$2"
  shift 2
  timeout 600 python3 bench/seed_editions.py --base "$BASE" \
    --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" \
    --out "$OUT/$name-editions-$db.txt" --title "Bench $name course" "$@" 2>&1 |
    tee "$OUT/seed-$name-$db.txt" ||
    die "seeding the $name editions failed (see $OUT/seed-$name-$db.txt and $OUT/server-$db.log)"
}

# seats_over FILE: "seats_taken waitlist_length" summed over the editions listed in FILE, read
# through the public GET /api/v1/editions/{id}.
seats_over() {
  python3 - "$BASE" "$1" <<'PY'
import json, sys, urllib.request
base, path = sys.argv[1], sys.argv[2]
taken = waiting = 0
for eid in (line.strip() for line in open(path, encoding="ascii")):
    if eid:
        with urllib.request.urlopen(f"{base}/api/v1/editions/{eid}", timeout=30) as r:
            e = json.load(r)
        taken += e["seats_taken"]
        waiting += e["waitlist_length"]
print(taken, waiting)
PY
}

# reg_seats_ok DB: the 201s <= the seats taken <= the 201s + one request per connection.
reg_seats_ok() {
  local seats="${R[$1.reg.seats]:-}" created="${R[$1.reg.created]:-}"
  [[ "$seats" =~ ^[0-9]+$ && "$created" =~ ^[0-9]+$ ]] &&
    ((seats >= created && seats <= created + CONNECTIONS))
}

# bench_register DB TOKENS: the registration-throughput row (distinct users x editions).
bench_register() {
  local db="$1" tokens="$2" out="$OUT/wrk-$1-register.txt" seats
  run_wrk "$db-register" "$BASE" bench/register.lua "$tokens" "$OUT/reg-editions-$db.txt" "$THREADS"
  R[$db.reg.rate]="$(awk '/^register: 201\/s / { print $3; f = 1 } END { if (!f) print "n/a" }' "$out")"
  R[$db.reg.created]="$(awk '/^register: status 201 / { print $4; f = 1 } END { if (!f) print 0 }' "$out")"
  R[$db.reg.others]="$(awk '/^register: status / && $3 != 201 { printf "%s%s: %s", sep, $3, $4; sep = ", " }' "$out")"
  R[$db.reg.exhausted]="$(awk '/^register: pairs / { print $7; f = 1 } END { if (!f) print "?" }' "$out")"
  R[$db.reg.p50]="$(wrk_field "$out" p50)"
  R[$db.reg.p99]="$(wrk_field "$out" p99)"
  R[$db.reg.socket]="$(wrk_field "$out" socket)"
  log "$db register: ${R[$db.reg.rate]} registrations/s, p50 ${R[$db.reg.p50]} ms, p99 ${R[$db.reg.p99]} ms, other answers: ${R[$db.reg.others]:-none}, socket errors: ${R[$db.reg.socket]}"
  if [[ -n "${R[$db.reg.others]}" ]]; then
    fail "$db register: answers other than 201: ${R[$db.reg.others]}; $(grep -m 1 '^register: first non-201' "$out" | cut -c 1-400) (see $out)"
  fi
  if [[ "${R[$db.reg.socket]}" != none ]]; then
    fail "$db register: socket errors: ${R[$db.reg.socket]} (see $out)"
  fi
  if [[ "${R[$db.reg.exhausted]}" != no ]]; then
    fail "$db register: the $USERS x $REG_EDITIONS (user, edition) pairs ran out before the end of the run (or the script's summary is missing); the rate is a lower bound"
  fi
  # Every 201 must be a seat taken, and nothing else: the seats taken afterwards are at least
  # the 201s and at most the 201s plus the requests still in flight when wrk stopped (one per
  # connection; their answers are not counted). Otherwise registrations were lost or invented.
  seats="$(seats_over "$OUT/reg-editions-$db.txt" || echo "n/a n/a")"
  R[$db.reg.seats]="${seats%% *}"
  R[$db.reg.waiting]="${seats##* }"
  log "$db register: seats taken over the $REG_EDITIONS editions ${R[$db.reg.seats]} (201 answers ${R[$db.reg.created]}, up to $CONNECTIONS more in flight at the end), on waiting lists ${R[$db.reg.waiting]}"
  if ! reg_seats_ok "$db"; then
    fail "$db register: the editions show ${R[$db.reg.seats]} seats taken after ${R[$db.reg.created]} answers 201 (expected ${R[$db.reg.created]} to $((R[$db.reg.created] + CONNECTIONS)))"
  fi
  if [[ "${R[$db.reg.waiting]}" != 0 ]]; then
    fail "$db register: ${R[$db.reg.waiting]} on the waiting lists of editions with $REG_CAPACITY seats and the waiting list off"
  fi
}

# json_get FILE KEY...: one value out of a JSON file (nested keys); "n/a" when absent.
json_get() {
  python3 - "$@" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1], encoding="utf-8"))
    for k in sys.argv[2:]:
        v = v[k]
except (OSError, ValueError, KeyError, TypeError, IndexError):
    v = "n/a"
if isinstance(v, dict):
    v = ", ".join(f"{k}: {x}" for k, x in v.items()) or "none"
print("n/a" if v is None else ("yes" if v is True else "no" if v is False else v))
PY
}

# bench_race DB TOKENS: the contended registration (bench/race.py).
bench_race() {
  local db="$1" tokens="$2" json="$OUT/race-$1.json" rc=0 k
  log "race: $USERS users at once on one edition of $RACE_SEATS seats, waiting list on"
  rm -f "$json"
  timeout 300 python3 bench/race.py --base "$BASE" --edition "$(head -n 1 "$OUT/race-editions-$db.txt")" \
    --tokens "$tokens" --users "$USERS" --capacity "$RACE_SEATS" \
    --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" --out "$json" \
    >"$OUT/race-$db.txt" 2>&1 || rc=$?
  cat "$OUT/race-$db.txt"
  for k in answered errors confirmed waitlisted positions_ok ok statuses; do
    R[$db.race.$k]="$(json_get "$json" "$k")"
  done
  for k in p50_ms p99_ms max_ms; do
    R[$db.race.$k]="$(json_get "$json" latency "$k")"
    R[$db.race.floor_$k]="$(json_get "$json" floor_latency "$k")"
  done
  for k in seats_taken seats_available waitlist_length; do
    R[$db.race.$k]="$(json_get "$json" edition "$k")"
  done
  R[$db.race.listed]="$(json_get "$json" listed count)"
  R[$db.race.listed_status]="$(json_get "$json" listed by_status)"
  if [[ "$rc" -ne 0 ]]; then
    fail "$db race (exit $rc): $(grep -E 'PROBLEM|rror' "$OUT/race-$db.txt" | head -n 6 | tr '\n' ' ' | cut -c 1-1200)(see $OUT/race-$db.txt, $json)"
  fi
}

# ---------------------------------------------------------------------------------------------
# One database

declare -A R

bench_db() {
  local db="$1" url tokens idle_kb hwm_kb t0 code rps
  log "==== $db ===="
  case "$db" in
    sqlite)
      rm -f "$OUT/bench.db" "$OUT/bench.db-wal" "$OUT/bench.db-shm" "$OUT/bench.db-journal"
      url="sqlite://$OUT/bench.db?mode=rwc"
      ;;
    postgres)
      pg_isready -q -h "$PG_HOST" -p "$PG_PORT" ||
        die "PostgreSQL does not answer at $PG_HOST:$PG_PORT"
      psql -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -q \
        -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_DB" ||
        die "could not create the database $PG_DB as $PG_USER@$PG_HOST:$PG_PORT"
      url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
      R[$db.server_version]="$(psql -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -Atc 'show server_version' || echo '?')"
      ;;
  esac

  start_server "$db" "$url"
  R[$db.start_ms]="$START_MS"

  sleep 1
  idle_kb="$(proc_kb "$SERVER_PID" VmRSS)"
  R[$db.idle_mb]="$(kb_to_mb "$idle_kb")"
  log "$db: idle RSS ${R[$db.idle_mb]} MB"

  # Users and their tokens.
  tokens="$OUT/tokens-$db.txt"
  t0="$(now_us)"
  start_sampler "$OUT/rss-setup-$db.kb"
  timeout 900 python3 bench/make_tokens.py --base "$BASE" \
    --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" \
    --users "$USERS" --concurrency 8 --out "$tokens" 2>&1 | tee "$OUT/setup-$db.txt" ||
    die "creating users failed (see $OUT/setup-$db.txt and $OUT/server-$db.log)"
  stop_sampler "$OUT/rss-setup-$db.kb"
  R[$db.setup_peak_mb]="$(kb_to_mb "$SAMPLED_KB")"
  R[$db.setup_s]="$(awk -v us=$(($(now_us) - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')"
  code="$(curl -s -o "$OUT/me-sample-$db.json" -w '%{http_code}' --max-time 5 \
    -H "Authorization: Bearer $(head -n 1 "$tokens")" "$BASE/api/v1/me" || true)"
  [[ "$code" == 200 ]] || die "GET /api/v1/me with a fresh token answered $code: $(head -c 500 "$OUT/me-sample-$db.json")"

  # The catalogue of QUALITY.md: 200 courses, 1,000 published editions with sessions.
  local t1
  t1=$(now_us)
  timeout 900 python3 bench/seed_catalog.py --base "$BASE" \
    --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" \
    --courses "$COURSES" --editions "$EDITIONS" --concurrency 8 2>&1 | tee "$OUT/seed-$db.txt" ||
    die "seeding the catalogue failed (see $OUT/seed-$db.txt and $OUT/server-$db.log)"
  R[$db.seed_s]="$(awk -v us=$(($(now_us) - t1)) 'BEGIN { printf "%.1f", us / 1e6 }')"

  analyze_db "$db"
  # Load. Peak RSS over all wrk runs and the race, sampled every 100 ms.
  start_sampler "$OUT/rss-load-$db.kb"
  run_wrk "$db-health" "$BASE/health"
  run_wrk "$db-me" "$BASE/api/v1/me" bench/bearer.lua "$tokens"
  run_wrk "$db-editions" "$BASE/api/v1/editions?limit=50"

  # Registrations, seeded after the catalogue read so that it reads QUALITY.md's catalogue.
  seed_editions "$db" reg --editions "$REG_EDITIONS" --capacity "$REG_CAPACITY" --waitlist off --approval off
  seed_editions "$db" race --editions 1 --capacity "$RACE_SEATS" --waitlist on --approval off
  if [[ "$db" == postgres ]]; then
    run_pgbench
  fi
  if [[ "$WEBHOOKS" == 1 ]]; then
    timeout 120 python3 bench/webhooks.py subscribe --base "$BASE" \
      --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" \
      --url "http://127.0.0.1:$WEBHOOK_PORT/hook" || die "registering the webhook endpoint failed"
  fi
  log "$db: the access tokens are $((($(now_us) - t0) / 1000000)) s old (they last 15 minutes)"
  local delivered_before
  delivered_before="$(cat "$OUT/webhooks.count" 2>/dev/null || echo 0)"
  bench_register "$db" "$tokens"
  if [[ "$WEBHOOKS" == 1 ]]; then
    sleep 1
    R[$db.webhooks]=$(($(cat "$OUT/webhooks.count" 2>/dev/null || echo 0) - delivered_before))
    log "$db: ${R[$db.webhooks]} webhook deliveries received during the registration row"
  fi
  bench_race "$db" "$tokens"
  # QUALITY.md's signed-in read, after the registrations so that every person has some.
  analyze_db "$db"
  run_wrk "$db-myreg" "$BASE/api/v1/me/registrations" bench/bearer.lua "$tokens"
  stop_sampler "$OUT/rss-load-$db.kb"
  R[$db.peak_mb]="$(kb_to_mb "$SAMPLED_KB")"
  hwm_kb="$(proc_kb "$SERVER_PID" VmHWM)"
  R[$db.hwm_mb]="$(kb_to_mb "$hwm_kb")"

  local name
  for name in health me editions myreg; do
    R[$db.$name.rps]="$(wrk_field "$OUT/wrk-$db-$name.txt" rps)"
    R[$db.$name.p50]="$(wrk_field "$OUT/wrk-$db-$name.txt" p50)"
    R[$db.$name.p99]="$(wrk_field "$OUT/wrk-$db-$name.txt" p99)"
    R[$db.$name.non2xx]="$(wrk_field "$OUT/wrk-$db-$name.txt" non2xx)"
    R[$db.$name.socket]="$(wrk_field "$OUT/wrk-$db-$name.txt" socket)"
    rps="${R[$db.$name.rps]}"
    log "$db $name: $rps req/s, p99 ${R[$db.$name.p99]} ms, non-2xx ${R[$db.$name.non2xx]}, socket errors: ${R[$db.$name.socket]}"
    if [[ "${R[$db.$name.non2xx]}" != 0 ]]; then
      fail "$db $name: ${R[$db.$name.non2xx]} non-2xx responses (see $OUT/wrk-$db-$name.txt)"
    fi
  done

  stop_server
  R[$db.stop_rc]="$STOP_RC"
  R[$db.stop_ms]="$STOP_MS"
  log "$db: exit code $STOP_RC, $STOP_MS ms after SIGTERM"
  [[ "$STOP_RC" == 0 ]] || fail "$db: the service exited with $STOP_RC after SIGTERM"
}

# ---------------------------------------------------------------------------------------------
# Report

# ratio DB NAME: NAME's requests/s against /health's in percent; n/a unless both rows had only
# successful answers.
ratio_of() {
  if [[ "${R[$1.$2.non2xx]}" != 0 || "${R[$1.health.non2xx]}" != 0 ]]; then
    echo "n/a"
  else
    ratio "${R[$1.$2.rps]}" "${R[$1.health.rps]}"
  fi
}

# ratio A B: A/B in percent, or n/a.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.0f %%", 100 * a / b; else print "n/a" }'
}

# met VALUE OP LIMIT: "yes" / "**no**" / "n/a" for a numeric comparison.
met() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "n/a" || v == "") { print "n/a"; exit }
    ok = (op == "<") ? (v + 0 < l + 0) : (op == ">=") ? (v + 0 >= l + 0) : 0
    print ok ? "yes" : "**no**" }'
}

fmt_int() { awk -v v="$1" 'BEGIN { if (v == "n/a") print v; else printf "%.0f", v }'; }

# A row's requests/s is only meaningful when every answer was a success.
rps_cell() {
  local db="$1" name="$2"
  if [[ "${R[$db.$name.non2xx]}" != 0 ]]; then
    echo "$(fmt_int "${R[$db.$name.rps]}") (${R[$db.$name.non2xx]} non-2xx!)"
  else
    fmt_int "${R[$db.$name.rps]}"
  fi
}

# The registration rows. A rate is only meaningful when every answer was a 201 and the pairs
# lasted the whole run.
reg_cell() {
  local db="$1" v
  v="$(fmt_int "${R[$db.reg.rate]:-n/a}")"
  [[ -n "${R[$db.reg.others]:-}" ]] && v="$v (other answers: ${R[$db.reg.others]}!)"
  [[ "${R[$db.reg.exhausted]:-}" == yes ]] && v="≥ $v (the pairs ran out)"
  echo "$v"
}

reg_clean() {
  [[ -z "${R[$1.reg.others]:-}" && "${R[$1.reg.socket]:-}" == none && "${R[$1.reg.exhausted]:-}" == no ]]
}

reg_met() {
  if reg_clean "$1"; then met "${R[$1.reg.rate]}" ">=" "$2"; else echo "n/a"; fi
}

reg_ratio() {
  if reg_clean "$1"; then ratio "${R[$1.reg.rate]}" "${R[pgbench.tps]:-n/a}"; else echo "n/a"; fi
}

reg_answers_met() {
  if [[ -z "${R[$1.reg.others]:-}" && "${R[$1.reg.socket]:-}" == none &&
    "${R[$1.reg.waiting]:-}" == 0 ]] && reg_seats_ok "$1"; then
    echo yes
  else
    echo "**no**"
  fi
}

race_seats() { echo $((USERS < RACE_SEATS ? USERS : RACE_SEATS)); }
race_waiting() { echo $((USERS - $(race_seats))); }

race_answers_met() {
  if [[ "${R[$1.race.answered]:-}" == "$USERS" && "${R[$1.race.statuses]:-}" == "201: $USERS" &&
    "${R[$1.race.errors]:-}" == 0 ]]; then echo yes; else echo "**no**"; fi
}

race_split_met() {
  if [[ "${R[$1.race.confirmed]:-}" == "$(race_seats)" && "${R[$1.race.waitlisted]:-}" == "$(race_waiting)" &&
    "${R[$1.race.positions_ok]:-}" == yes ]]; then echo yes; else echo "**no**"; fi
}

race_edition_met() {
  if [[ "${R[$1.race.seats_taken]:-}" == "$(race_seats)" &&
    "${R[$1.race.seats_available]:-}" == "$((RACE_SEATS - $(race_seats)))" &&
    "${R[$1.race.waitlist_length]:-}" == "$(race_waiting)" ]]; then echo yes; else echo "**no**"; fi
}

write_results() {
  local db commit cpu r_me r_myreg r_ed r_reg start_target reg_target reg_met lat_met
  commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo 'no commit yet')"
  if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null || true)" ]]; then
    commit="$commit (with uncommitted changes)"
  fi
  cpu="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  {
    echo "# Benchmark results"
    echo
    echo "Written by \`bench/run.sh\` (see \`bench/README.md\`); targets from \`QUALITY.md\`."
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
    echo "- git commit: $commit"
    echo "- $(rustc --version 2>/dev/null || echo 'rustc: unknown'); $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
    echo "- load: wrk, $THREADS threads, $CONNECTIONS connections, ${DURATION} s per row, on the same machine as the service (loopback)"
    echo "- signed-in rows: $USERS users, a random one of their access tokens per request"
    if [[ "$WEBHOOKS" == 1 ]]; then
      echo "- webhooks: on; an endpoint on loopback (\`bench/webhooks.py\`) subscribed to the registration events of the users' organisation, so every registration is also a delivery (received during the registration row: SQLite ${R[sqlite.webhooks]:-n/a}, PostgreSQL ${R[postgres.webhooks]:-n/a})"
    else
      echo "- webhooks: off (no endpoint registered)"
    fi
    echo "- registration rows: \`POST /api/v1/editions/{id}/registrations\` \`{}\` by the $USERS users over $REG_EDITIONS published editions ($REG_CAPACITY seats, no waiting list, no approval), every request a distinct (user, edition) pair (\`bench/register.lua\`); race: the $USERS users at once on one edition of $RACE_SEATS seats with the waiting list on (\`bench/race.py\`)"
    if [[ -n "${R[pgbench.version]:-}" ]]; then
      echo "- pgbench: ${R[pgbench.version]}, TPC-B, \`-i -s $PGBENCH_SCALE\`, \`-c $PGBENCH_CLIENTS -j $PGBENCH_JOBS -T ${DURATION}\`, on the same PostgreSQL server in the same run (scratch database \`$PGBENCH_DB\`)"
    fi
    echo
    for db in "${DATABASES[@]}"; do
      if [[ "$db" == sqlite ]]; then
        echo "## SQLite"
        start_target="< 1000 ms"
      else
        echo "## PostgreSQL ${R[$db.server_version]:-}"
        start_target="(< 1000 ms is the SQLite target)"
      fi
      echo
      r_me="$(ratio_of "$db" me)"
      r_myreg="$(ratio_of "$db" myreg)"
      echo "| measure | value | target | met |"
      echo "|---|---:|---|---|"
      echo "| start: empty database to \`/ready\` 200 | ${R[$db.start_ms]} ms | $start_target | $([[ $db == sqlite ]] && met "${R[$db.start_ms]}" "<" 1000 || echo '') |"
      echo "| idle RSS (1 s after ready) | ${R[$db.idle_mb]} MB | < 30 MB | $(met "${R[$db.idle_mb]}" "<" 30) |"
      echo "| \`GET /health\` requests/s (the ceiling) | $(rps_cell "$db" health) | reference | |"
      echo "| \`GET /health\` p50 / p99 | ${R[$db.health.p50]} / ${R[$db.health.p99]} ms | | |"
      echo "| \`GET /api/v1/me\` requests/s | $(rps_cell "$db" me) | | |"
      echo "| \`GET /api/v1/me\` p50 / p99 | ${R[$db.me.p50]} / ${R[$db.me.p99]} ms | | |"
      echo "| \`/api/v1/me\` vs \`/health\` (a signed-in read that is never cached) | ${r_me} | | |"
      echo "| \`GET /api/v1/me/registrations\` (1000 people, after the registration runs) requests/s | $(rps_cell "$db" myreg) | | |"
      echo "| \`GET /api/v1/me/registrations\` p50 / p99 | ${R[$db.myreg.p50]} / ${R[$db.myreg.p99]} ms | | |"
      echo "| \`/api/v1/me/registrations\` vs \`/health\` | ${r_myreg} | ≥ 30 % | $(met "$r_myreg" ">=" 30) |"
      r_ed="$(ratio_of "$db" editions)"
      echo "| \`GET /api/v1/editions?limit=50\` ($COURSES courses, $EDITIONS editions) requests/s | $(rps_cell "$db" editions) | | |"
      echo "| \`GET /api/v1/editions?limit=50\` p50 / p99 | ${R[$db.editions.p50]} / ${R[$db.editions.p99]} ms | p99 < 25 ms | $(met "${R[$db.editions.p99]}" "<" 25) |"
      echo "| \`/api/v1/editions\` vs \`/health\` | ${r_ed} | ≥ 40 % | $(met "$r_ed" ">=" 40) |"
      if [[ "$db" == postgres ]]; then
        echo "| \`pgbench\` TPC-B transactions/s (scale $PGBENCH_SCALE, $PGBENCH_CLIENTS clients) | $(fmt_int "${R[pgbench.tps]:-n/a}") | reference | |"
      fi
      echo "| \`POST …/registrations\`, distinct users over $REG_EDITIONS editions: registrations/s (201s) | $(reg_cell "$db") | $([[ $db == sqlite ]] && echo '≥ 1000/s' || echo '') | $([[ $db == sqlite ]] && reg_met "$db" 1000 || echo '') |"
      echo "| \`POST …/registrations\` p50 / p99 | ${R[$db.reg.p50]:-n/a} / ${R[$db.reg.p99]:-n/a} ms | | |"
      echo "| \`POST …/registrations\` answers; seats taken afterwards over the $REG_EDITIONS editions | 201: ${R[$db.reg.created]:-n/a}${R[$db.reg.others]:+, ${R[$db.reg.others]}}; ${R[$db.reg.seats]:-n/a} seats taken | all 201; seats = 201s + those in flight at the end (≤ $CONNECTIONS) | $(reg_answers_met "$db") |"
      if [[ "$db" == postgres ]]; then
        r_reg="$(reg_ratio "$db")"
        echo "| registrations/s vs \`pgbench\` transactions/s | $r_reg | ≥ 50 % | $(met "$r_reg" ">=" 50) |"
      fi
      echo "| race, $USERS users at once, $RACE_SEATS seats, waiting list on: answers | ${R[$db.race.answered]:-n/a} of $USERS answered (${R[$db.race.statuses]:-n/a}), ${R[$db.race.errors]:-n/a} errors/timeouts | all $USERS answered 201 | $(race_answers_met "$db") |"
      echo "| race: confirmed / waitlisted, waiting-list positions | ${R[$db.race.confirmed]:-n/a} / ${R[$db.race.waitlisted]:-n/a}, positions 1..$(race_waiting) $([[ ${R[$db.race.positions_ok]:-} == yes ]] && echo exact || echo '**not exact**') | exactly $(race_seats) / $(race_waiting), 1..$(race_waiting) without gaps or repeats | $(race_split_met "$db") |"
      echo "| race: \`GET /api/v1/editions/{id}\` seats_taken / seats_available / waitlist_length | ${R[$db.race.seats_taken]:-n/a} / ${R[$db.race.seats_available]:-n/a} / ${R[$db.race.waitlist_length]:-n/a} | $(race_seats) / $((RACE_SEATS - $(race_seats))) / $(race_waiting) | $(race_edition_met "$db") |"
      echo "| race: the admin's list of the edition's registrations | ${R[$db.race.listed]:-n/a} (${R[$db.race.listed_status]:-n/a}) | the same as the answers | $([[ ${R[$db.race.ok]:-} == yes ]] && echo yes || echo '**see problems**') |"
      lat_met="$(met "${R[$db.race.p99_ms]:-n/a}" "<" 1000)"
      echo "| race: latency from the common start, p50 / p99 / max | ${R[$db.race.p50_ms]:-n/a} / ${R[$db.race.p99_ms]:-n/a} / ${R[$db.race.max_ms]:-n/a} ms | p99 < 1000 ms | $lat_met |"
      echo "| race client's floor: the same $USERS threads and connections sending \`GET /health\` at once, p50 / p99 / max | ${R[$db.race.floor_p50_ms]:-n/a} / ${R[$db.race.floor_p99_ms]:-n/a} / ${R[$db.race.floor_max_ms]:-n/a} ms | reference | |"
      echo "| seeding $COURSES courses and $EDITIONS editions through the API | ${R[$db.seed_s]} s | | |"
      echo "| peak RSS under load (VmRSS every 100 ms from the first wrk run to the end of the race) | ${R[$db.peak_mb]} MB | < 150 MB | $(met "${R[$db.peak_mb]}" "<" 150) |"
      echo "| peak RSS while creating $USERS users (8 parallel clients) | ${R[$db.setup_peak_mb]} MB | < 150 MB | $(met "${R[$db.setup_peak_mb]}" "<" 150) |"
      echo "| lifetime peak RSS (the kernel's VmHWM, read before shutdown) | ${R[$db.hwm_mb]} MB | | |"
      echo "| creating $USERS users and signing each in | ${R[$db.setup_s]} s | | |"
      echo "| SIGTERM: exit code, time to exit | ${R[$db.stop_rc]}, ${R[$db.stop_ms]} ms | 0 | $([[ ${R[$db.stop_rc]} == 0 ]] && echo yes || echo '**no**') |"
      echo
      echo "Socket errors: /health ${R[$db.health.socket]}; /api/v1/me ${R[$db.me.socket]}; /api/v1/editions ${R[$db.editions.socket]}; /api/v1/me/registrations ${R[$db.myreg.socket]}; registrations ${R[$db.reg.socket]:-n/a}."
      echo
    done
    echo "MB here are MiB (the kernel's kB / 1024). Raw wrk outputs and service logs: \`bench/out/\`."
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
      echo
      echo "## Problems during the run"
      echo
      printf -- '- %s\n' "${FAILURES[@]}"
    fi
  } >"$RESULTS"
}

# ---------------------------------------------------------------------------------------------
# Main

mkdir -p "$OUT"
ensure_tool curl curl
ensure_tool python3 python3
ensure_tool wrk wrk
if [[ " ${DATABASES[*]} " == *" postgres "* ]]; then
  ensure_tool psql postgresql-client
fi

if [[ "$BUILD" -eq 1 ]]; then
  log "cargo build --release"
  cargo build --release
fi
[[ -x "$BIN" ]] || die "$BIN is missing (build it, or set ACADEMY_BIN)"

# The race holds one socket per user open at once, in bench/race.py and in the service (which
# inherits this limit): raise the soft limit on open files to 4096 where it is lower.
nofile="$(ulimit -n)"
if [[ "$nofile" != unlimited ]] && ((nofile < 4096)); then
  ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  log "open files limit: $nofile raised to $(ulimit -n)"
fi

if [[ "$WEBHOOKS" == 1 ]]; then
  rm -f "$OUT/webhooks.count"
  python3 bench/webhooks.py receive --port "$WEBHOOK_PORT" --count-file "$OUT/webhooks.count" &
  RECEIVER_PID=$!
  log "webhooks on: a receiver on 127.0.0.1:$WEBHOOK_PORT (pid $RECEIVER_PID)"
fi

for db in "${DATABASES[@]}"; do
  bench_db "$db"
done

# The HR report's section (bench/report.sh) is kept as it was: that benchmark runs apart.
REPORT_SECTION="$(sed -n '/^<!-- report -->$/,/^<!-- \/report -->$/p' "$RESULTS" 2>/dev/null || true)"
write_results
if [[ "${SKIP_CRITERION:-0}" != 1 ]]; then
  log "criterion micro-benchmarks"
  bash bench/criterion.sh
fi
if [[ -n "$REPORT_SECTION" ]]; then
  printf '\n%s\n' "$REPORT_SECTION" >>"$RESULTS"
fi
log "wrote $RESULTS"
cat "$RESULTS"
if [[ ${#FAILURES[@]} -gt 0 ]]; then
  log "finished with ${#FAILURES[@]} problem(s)"
  exit 1
fi
