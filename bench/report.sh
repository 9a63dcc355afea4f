#!/usr/bin/env bash
# HR report benchmark (QUALITY.md: "one organisation of 5,000 professionals, 100,000
# attendance records: JSON < 500 ms; CSV streamed, memory flat in the number of rows").
#
# Per database and per size (10,000 and 100,000 completions of the organisation): a fresh
# database, migrated by the service, seeded in SQL by bench/seed_report.py; an HR user made
# through the API; then, on a freshly started service: GET /api/v1/reports/completions as
# JSON (first page and a page deep in the cursor chain, limit=200) and the whole CSV
# (Accept: text/csv) with the service's VmRSS sampled every 20 ms. Writes the section
# between <!-- report --> and <!-- /report --> of bench/RESULTS.md. See bench/README.md.
#
#   bench/report.sh                  # SQLite and PostgreSQL
#   bench/report.sh --db sqlite      # or: --db postgres
#   bench/report.sh --no-build --requests 50
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/report.sh [--db sqlite|postgres|both] [--no-build] [--requests N] [--sizes "2 20"]

  --db DB          sqlite, postgres or both (default both)
  --no-build       never run `cargo build --release` (default: only when the binary is older
                   than the sources)
  --requests N     timed JSON requests per page (default 30, at least 20)
  --sizes "K..."   completed editions per professional, one database per K (default "2 20":
                   10,000 and 100,000 completions of the organisation)

Environment: ACADEMY_BIN (target/release/academy), BENCH_PORT (18080), BENCH_PG_HOST
(127.0.0.1), BENCH_PG_PORT (5432), BENCH_PG_USER (postgres).
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DBS=both
BUILD=auto
REQUESTS=30
SIZES="2 20"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) DBS="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --db=*) DBS="${1#--db=}"; shift ;;
    --no-build) BUILD=no; shift ;;
    --requests) REQUESTS="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --requests=*) REQUESTS="${1#--requests=}"; shift ;;
    --sizes) SIZES="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --sizes=*) SIZES="${1#--sizes=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
case "$DBS" in
  both) DATABASES=(sqlite postgres) ;;
  sqlite|postgres) DATABASES=("$DBS") ;;
  *) usage >&2; exit 2 ;;
esac
[[ "$REQUESTS" =~ ^[0-9]+$ ]] && ((REQUESTS >= 20)) || { echo "--requests must be ≥ 20" >&2; exit 2; }

BIN="${ACADEMY_BIN:-target/release/academy}"
PORT="${BENCH_PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_DB=academy_report_bench
OUT="$ROOT/bench/out/report"
RESULTS="$ROOT/bench/RESULTS.md"
ADMIN_EMAIL=admin@report-bench.local
ADMIN_PASSWORD=report-bench-admin-password
HR_EMAIL=hr@report-bench-a.example
HR_PASSWORD=report-bench-hr-password
JSON_TARGET_MS=500

SERVER_PID=""
SAMPLER_PID=""
PG_CREATED=0
declare -A R
FAILURES=()

log() { printf '[report %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
fail() { log "problem: $*"; FAILURES+=("$*"); }
now_us() { echo $(($(date +%s%N) / 1000)); }
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
kb_to_mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

pg_psql() {
  psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -q "$@"
}

cleanup() {
  local rc=$?
  if alive "$SAMPLER_PID"; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if alive "$SERVER_PID"; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$SERVER_PID" || break; sleep 0.1; done
    alive "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "$PG_CREATED" == 1 ]]; then
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Build, only when the binary is older than the sources.

needs_build() {
  [[ ! -x "$BIN" ]] && return 0
  [[ -n "$(find src migration entity Cargo.toml Cargo.lock -newer "$BIN" -type f 2>/dev/null | head -n 1)" ]]
}
if [[ "$BUILD" == auto ]] && needs_build; then
  log "cargo build --release (the binary is older than the sources)"
  cargo build --release
fi
[[ -x "$BIN" ]] || die "$BIN is missing (build it, or set ACADEMY_BIN)"
mkdir -p "$OUT"

# ---------------------------------------------------------------------------------------------
# The service

# start_server DB URL LOGNAME [bootstrap]: starts the service and waits (60 s) for /ready.
start_server() {
  local db="$1" url="$2" logname="$3" boot="${4:-}" deadline code
  local env=(ACADEMY_DATABASE_URL="$url" ACADEMY_LISTEN="127.0.0.1:$PORT" ACADEMY_PUBLIC_URL="$BASE"
    ACADEMY_DATA_DIR="$OUT/data-$db" RUST_LOG=warn)
  if [[ "$boot" == bootstrap ]]; then
    env+=(ACADEMY_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" ACADEMY_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD")
  fi
  if curl -s -o /dev/null --max-time 1 "$BASE/health"; then
    die "something already answers on $BASE (set BENCH_PORT)"
  fi
  env "${env[@]}" "$BIN" serve >"$OUT/$logname.log" 2>&1 &
  SERVER_PID=$!
  deadline=$(($(now_us) + 60000000))
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/ready" || true)"
    [[ "$code" == 200 ]] && break
    alive "$SERVER_PID" || { tail -n 30 "$OUT/$logname.log" >&2; die "the service exited before /ready"; }
    (($(now_us) < deadline)) || die "/ready did not answer 200 within 60 s"
    sleep 0.02
  done
}

# stop_server: SIGTERM, bounded wait (30 s), exit code in STOP_RC.
stop_server() {
  kill -TERM "$SERVER_PID"
  for _ in $(seq 1 300); do alive "$SERVER_PID" || break; sleep 0.1; done
  if alive "$SERVER_PID"; then
    fail "the service did not exit within 30 s of SIGTERM; killed"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  STOP_RC=0
  wait "$SERVER_PID" || STOP_RC=$?
  SERVER_PID=""
}

# VmRSS of SERVER_PID every 20 ms into FILE.samples until FILE.stop exists; max kB into FILE.
start_sampler() {
  rm -f "$1.stop"
  python3 - "$SERVER_PID" "$1" <<'PY' &
import os, sys, time
pid, out = sys.argv[1], sys.argv[2]
peak, n = 0, 0
with open(out + ".samples", "w", buffering=1) as log:
    while not os.path.exists(out + ".stop"):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1]); peak = max(peak, kb); n += 1
                        log.write(f"{time.monotonic():.3f} {kb}\n")
                        break
        except OSError:
            break
        time.sleep(0.02)
with open(out, "w") as f:
    f.write(f"{peak} {n}\n")
PY
  SAMPLER_PID=$!
  for _ in $(seq 1 250); do [[ -s "$1.samples" ]] && break; sleep 0.02; done
}

stop_sampler() {
  touch "$1.stop"
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  read -r SAMPLED_KB SAMPLED_N <"$1"
}

# ---------------------------------------------------------------------------------------------
# HTTP helpers

api_json() { # METHOD PATH TOKEN [BODY] -> body on stdout; fails unless 2xx
  local method="$1" path="$2" token="$3" body="${4:-}" out code
  out="$(mktemp)"
  local args=(-s -o "$out" -w '%{http_code}' --max-time 30 -X "$method" -H "Authorization: Bearer $token")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  code="$(curl "${args[@]}" "$BASE$path")" || code=000
  if [[ "$code" != 2* ]]; then
    log "$method $path answered $code: $(head -c 500 "$out")"
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

password_token() {
  curl -s --max-time 30 -X POST "$BASE/api/v1/auth/token" \
    --data-urlencode grant_type=password --data-urlencode "username=$1" --data-urlencode "password=$2" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# cursor UUID: the service's cursor (base64url of the 16 bytes, no padding).
# cursor_of USER:REGISTRATION: the report's cursor after that row (both ids' bytes, base64url).
cursor_of() {
  python3 -c 'import base64, sys, uuid; u, r = sys.argv[1].split(":"); print(base64.urlsafe_b64encode(uuid.UUID(u).bytes + uuid.UUID(r).bytes).decode().rstrip("="))' "$1"
}

# time_json NAME URL TOKEN: 1 warm-up + REQUESTS timed requests; keeps the last body in
# $OUT/NAME.json; sets R[NAME.p50|p95|max|codes].
time_json() {
  local name="$1" url="$2" token="$3" times="$OUT/$1.times" i
  : >"$times"
  curl -s -o /dev/null --max-time 60 -H "Authorization: Bearer $token" "$url" || true
  for ((i = 0; i < REQUESTS; i++)); do
    curl -s -o "$OUT/$name.json" --max-time 60 -w '%{http_code} %{time_total}\n' \
      -H "Authorization: Bearer $token" -H 'Accept: application/json' "$url" >>"$times" || echo "000 0" >>"$times"
  done
  read -r R[$name.p50] R[$name.p95] R[$name.max] R[$name.codes] < <(python3 - "$times" <<'PY'
import sys, collections
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
ms = sorted(float(t) * 1000 for _, t in rows)
pick = lambda q: ms[min(len(ms) - 1, max(0, int(round(q * len(ms) + 0.5)) - 1))]
codes = collections.Counter(c for c, _ in rows)
print(f"{pick(0.5):.1f} {pick(0.95):.1f} {ms[-1]:.1f} " + ",".join(f"{c}x{n}" for c, n in sorted(codes.items())))
PY
  )
  log "$name: p50 ${R[$name.p50]} ms, p95 ${R[$name.p95]} ms, max ${R[$name.max]} ms ($REQUESTS requests; statuses ${R[$name.codes]})"
  [[ "${R[$name.codes]}" == "200x$REQUESTS" ]] || fail "$name: not every answer was 200 (${R[$name.codes]})"
}

# check_page NAME SUMMARY EXPECTED_FIRST: a JSON page of 200 rows of the organisation.
check_page() {
  python3 - "$OUT/$1.json" "$2" "$3" <<'PY'
import json, sys
page, s, first = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
items = page["items"]
problems = []
if len(items) != 200: problems.append(f"{len(items)} items, not 200")
if any(i["organization_id"] != s["org_a"] for i in items): problems.append("a row of another organisation")
if items and items[0]["registration_id"] != first: problems.append(f"first row {items[0]['registration_id']}, expected {first}")
if not page.get("next_cursor"): problems.append("no next_cursor")
print("ok" if not problems else "; ".join(problems))
PY
}

# ---------------------------------------------------------------------------------------------
# One database and size

bench_case() {
  local db="$1" k="$2" key="$1.$2" url summary token admin org_a body hr_id t0 line
  summary="$OUT/summary-$db-$k.json"
  if [[ "$db" == sqlite ]]; then
    local file="$OUT/report-$k.db"
    rm -f "$file" "$file-wal" "$file-shm"
    url="sqlite://$file?mode=rwc"
  else
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
    PG_CREATED=1
    url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
  fi
  rm -rf "$OUT/data-$db"
  log "$db, $k per person: migrate"
  ACADEMY_DATABASE_URL="$url" ACADEMY_DATA_DIR="$OUT/data-$db" RUST_LOG=warn "$BIN" migrate >"$OUT/migrate-$db-$k.log" 2>&1 ||
    { cat "$OUT/migrate-$db-$k.log" >&2; die "academy migrate failed"; }
  log "$db, $k per person: seeding"
  t0=$(now_us)
  if [[ "$db" == sqlite ]]; then
    python3 bench/seed_report.py --sqlite "$OUT/report-$k.db" --per-person "$k" --summary "$summary" | tee "$OUT/seed-$db-$k.txt" >&2
  else
    python3 bench/seed_report.py --postgres "host=$PG_HOST port=$PG_PORT user=$PG_USER dbname=$PG_DB" \
      --per-person "$k" --summary "$summary" | tee "$OUT/seed-$db-$k.txt" >&2
  fi
  R[$key.seed_s]="$(awk -v us=$(($(now_us) - t0)) 'BEGIN { printf "%.1f", us / 1e6 }')"
  read -r org_a R[$key.rows] R[$key.rows_b] R[$key.attendance] R[$key.deep_after] R[$key.deep_first] < <(python3 -c '
import json, sys; s = json.load(open(sys.argv[1]))
print(s["org_a"], s["completions_a"], s["completions_b"], s["attendance_a"], s["deep_after"], s["deep_first"])' "$summary")

  # The HR user, through the API (the bootstrap admin creates it), then its token; the
  # password hashing happens in this first process, not in the one measured.
  start_server "$db" "$url" "server-$db-$k-setup" bootstrap
  admin="$(password_token "$ADMIN_EMAIL" "$ADMIN_PASSWORD")" || die "admin sign-in failed"
  body="$(printf '{"email":"%s","name":"HR Jeugdhulp Flevoland","organization_id":"%s","roles":["hr"],"password":"%s"}' \
    "$HR_EMAIL" "$org_a" "$HR_PASSWORD")"
  api_json POST /api/v1/users "$admin" "$body" >"$OUT/hr-user-$db-$k.json" || die "creating the HR user failed"
  token="$(password_token "$HR_EMAIL" "$HR_PASSWORD")" || die "HR sign-in failed"
  stop_server

  # The measured process: fresh, idle, only the HR token used.
  start_server "$db" "$url" "server-$db-$k"
  sleep 1
  R[$key.idle_mb]="$(kb_to_mb "$(proc_kb "$SERVER_PID" VmRSS)")"

  local report="$BASE/api/v1/reports/completions"
  time_json "json-first-$db-$k" "$report?limit=200" "$token"
  R[$key.first_check]="$(check_page "json-first-$db-$k" "$summary" "$(python3 -c '
import json, sys; print(json.load(open(sys.argv[1]))["registration_ids_a"][0])' "$summary")")"
  [[ "${R[$key.first_check]}" == ok ]] || fail "$db $k: first JSON page: ${R[$key.first_check]}"
  time_json "json-deep-$db-$k" "$report?limit=200&cursor=$(cursor_of "${R[$key.deep_after]}")" "$token"
  R[$key.deep_check]="$(check_page "json-deep-$db-$k" "$summary" "${R[$key.deep_first]}")"
  [[ "${R[$key.deep_check]}" == ok ]] || fail "$db $k: deep JSON page: ${R[$key.deep_check]}"

  # The whole CSV, with VmRSS every 20 ms.
  local csv="$OUT/completions-$db-$k.csv"
  R[$key.csv_idle_mb]="$(kb_to_mb "$(proc_kb "$SERVER_PID" VmRSS)")"
  start_sampler "$OUT/rss-csv-$db-$k"
  line="$(curl -s -o "$csv" --max-time 600 -w '%{http_code} %{time_total} %{size_download} %{time_starttransfer}' \
    -H "Authorization: Bearer $token" -H 'Accept: text/csv' "$report")" || line="000 0 0 0"
  stop_sampler "$OUT/rss-csv-$db-$k"
  read -r R[$key.csv_code] R[$key.csv_s] R[$key.csv_bytes] R[$key.csv_ttfb] <<<"$line"
  R[$key.csv_peak_mb]="$(kb_to_mb "$SAMPLED_KB")"
  R[$key.csv_samples]="$SAMPLED_N"
  R[$key.hwm_mb]="$(kb_to_mb "$(proc_kb "$SERVER_PID" VmHWM)")"
  read -r R[$key.csv_rows] R[$key.csv_check] < <(python3 - "$csv" "$summary" <<'PY'
import csv, json, sys
s = json.load(open(sys.argv[2]))
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
problems = []
header, data = (rows[0], rows[1:]) if rows else ([], [])
if not header or header[0] != "registration_id": problems.append("no header")
if any(r and r[0] == "registration_id" for r in data): problems.append("header repeated")
ids = [r[0] for r in data]
if ids != s["registration_ids_a"]:
    problems.append(f"{len(ids)} rows, expected the organisation's {len(s['registration_ids_a'])} completions in order"
                    f" ({len(set(ids) - set(s['registration_ids_a']))} unexpected, {len(set(s['registration_ids_a']) - set(ids))} missing)")
col = header.index("organization_id") if "organization_id" in header else 4
others = sum(1 for r in data if r[col] != s["org_a"])
if others: problems.append(f"{others} rows of another organisation")
print(len(data), "ok" if not problems else "**" + "; ".join(problems) + "**")
PY
  )
  log "$db, $k per person: CSV ${R[$key.csv_code]} in ${R[$key.csv_s]} s, ${R[$key.csv_bytes]} bytes, ${R[$key.csv_rows]} rows (${R[$key.csv_check]}); RSS idle ${R[$key.csv_idle_mb]} MB, peak ${R[$key.csv_peak_mb]} MB over ${R[$key.csv_samples]} samples"
  [[ "${R[$key.csv_code]}" == 200 ]] || fail "$db $k: the CSV answered ${R[$key.csv_code]}"
  [[ "${R[$key.csv_check]}" == ok ]] || fail "$db $k: CSV: ${R[$key.csv_check]}"

  stop_server
  R[$key.stop_rc]="$STOP_RC"
  [[ "$STOP_RC" == 0 ]] || fail "$db $k: the service exited with $STOP_RC after SIGTERM"
  if [[ "$db" == postgres ]]; then
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
    PG_CREATED=0
  fi
}

# ---------------------------------------------------------------------------------------------
# The section of RESULTS.md

met() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "n/a" || v == "") { print "n/a"; exit }
    ok = (op == "<") ? (v + 0 < l + 0) : (op == "<=") ? (v + 0 <= l + 0) : 0
    print ok ? "yes" : "**no**" }'
}
fmt_int() { awk -v v="$1" 'BEGIN { s = sprintf("%d", v); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); print s }'; }

write_section() {
  local sizes=($SIZES) small large db title commit section
  small="${sizes[0]}"
  large="${sizes[${#sizes[@]} - 1]}"
  commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null || true)" ]] && commit="$commit (with uncommitted changes)"
  section="$OUT/section.md"
  {
    echo "<!-- report -->"
    echo "## HR report (\`bench/report.sh\`)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit. \`GET /api/v1/reports/completions\` as the HR user of one"
    echo "provider organisation of 5,000 professionals (each with an SKJ number); a second organisation of 300"
    echo "professionals in the same editions must not show. Single-session editions in the past, 50 + 3 people"
    echo "each; per registration one attendance record \`present\`, a completion, a valid certificate with SKJ points"
    echo "(\`bench/seed_report.py\`, straight into the database). Databases: $(fmt_int "${R[sqlite.$small.rows]:-${R[postgres.$small.rows]}}") and"
    echo "$(fmt_int "${R[sqlite.$large.rows]:-${R[postgres.$large.rows]}}") completions (= attendance records) of the organisation. JSON: \`limit=200\`, $REQUESTS"
    echo "sequential requests after one warm-up, curl's \`time_total\` on loopback; the deep page is the one after the"
    echo "first 90 % of the rows. CSV: \`Accept: text/csv\`, the whole result; VmRSS sampled every 20 ms during the"
    echo "download. Each database size is served by a freshly started process that has done nothing but the JSON"
    echo "requests before the CSV."
    for db in "${DATABASES[@]}"; do
      [[ -n "${R[$db.$large.rows]:-}" ]] || continue
      if [[ "$db" == sqlite ]]; then title=SQLite; else title="PostgreSQL $(pg_psql -d postgres -Atc 'SHOW server_version' 2>/dev/null | awk '{ print $1 }')"; fi
      echo
      echo "### $title"
      echo
      echo "| measure | value | target | met |"
      echo "|---|---:|---|---|"
      for k in "${sizes[@]}"; do
        local key="$db.$k" n
        n="$(fmt_int "${R[$key.rows]}")"
        echo "| $n rows: JSON first page (200 rows), p50 / p95 / max | ${R[$key.p50first]} / ${R[$key.p95first]} / ${R[$key.maxfirst]} ms | < $JSON_TARGET_MS ms | $(met "${R[$key.maxfirst]}" "<" $JSON_TARGET_MS) |"
        echo "| $n rows: JSON page after 90 % of the cursor chain, p50 / p95 / max | ${R[$key.p50deep]} / ${R[$key.p95deep]} / ${R[$key.maxdeep]} ms | < $JSON_TARGET_MS ms | $(met "${R[$key.maxdeep]}" "<" $JSON_TARGET_MS) |"
        echo "| $n rows: JSON pages' content (200 rows of the organisation, expected first row) | first: ${R[$key.first_check]}; deep: ${R[$key.deep_check]} | ok | $([[ ${R[$key.first_check]}${R[$key.deep_check]} == okok ]] && echo yes || echo '**no**') |"
        echo "| $n rows: CSV wall time, time to first byte | ${R[$key.csv_s]} s, ${R[$key.csv_ttfb]} s | | |"
        echo "| $n rows: CSV size, data rows | $(fmt_int "${R[$key.csv_bytes]}") bytes, $(fmt_int "${R[$key.csv_rows]}") rows | = the organisation's $n completions, in order, header once, no row of the other organisation ($(fmt_int "${R[$key.rows_b]}") completions) | $([[ ${R[$key.csv_check]} == ok ]] && echo yes || echo "${R[$key.csv_check]}") |"
        echo "| $n rows: RSS idle after start / before the CSV / peak during the CSV (${R[$key.csv_samples]} samples) | ${R[$key.idle_mb]} / ${R[$key.csv_idle_mb]} / ${R[$key.csv_peak_mb]} MB | | |"
      done
      local growth
      growth="$(awk -v a="${R[$db.$small.csv_peak_mb]}" -v b="${R[$db.$large.csv_peak_mb]}" 'BEGIN { printf "%+.1f", b - a }')"
      echo "| CSV peak RSS, $(fmt_int "${R[$db.$large.rows]}") rows minus $(fmt_int "${R[$db.$small.rows]}") rows (flat: within 5 MB) | $growth MB | flat in the number of rows | $(awk -v g="$growth" 'BEGIN { print (g < 5) ? "yes" : "**no**" }') |"
      echo "| lifetime peak RSS of the measured process (VmHWM), $(fmt_int "${R[$db.$large.rows]}") rows | ${R[$db.$large.hwm_mb]} MB | < 150 MB | $(met "${R[$db.$large.hwm_mb]}" "<" 150) |"
      echo "| seeding (Python, SQL straight into the database), $(fmt_int "${R[$db.$small.rows]}") / $(fmt_int "${R[$db.$large.rows]}") rows | ${R[$db.$small.seed_s]} / ${R[$db.$large.seed_s]} s | | |"
    done
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
      echo
      echo "Problems during the run:"
      echo
      printf -- '- %s\n' "${FAILURES[@]}"
    fi
    echo "<!-- /report -->"
  } >"$section"
  python3 - "$RESULTS" "$section" <<'PY'
import pathlib, re, sys
path, section = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text()
text = path.read_text() if path.exists() else "# Benchmark results\n"
if "<!-- report -->" in text:
    text = re.sub(r"<!-- report -->.*?<!-- /report -->\n?", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section
path.write_text(text)
PY
  cat "$section"
}

# ---------------------------------------------------------------------------------------------
# Main

for db in "${DATABASES[@]}"; do
  if [[ "$db" == postgres ]]; then
    command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
    pg_psql -d postgres -c 'SELECT 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
  fi
  for k in $SIZES; do
    bench_case "$db" "$k"
    for page in first deep; do
      R[$db.$k.p50$page]="${R[json-$page-$db-$k.p50]}"
      R[$db.$k.p95$page]="${R[json-$page-$db-$k.p95]}"
      R[$db.$k.max$page]="${R[json-$page-$db-$k.max]}"
    done
  done
done
write_section
log "wrote the <!-- report --> section of $RESULTS"
if [[ ${#FAILURES[@]} -gt 0 ]]; then
  log "finished with ${#FAILURES[@]} problem(s)"
  exit 1
fi
