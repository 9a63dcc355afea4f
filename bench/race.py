#!/usr/bin/env python3
"""Contended registration: N distinct users register for one edition at the same moment.

Opens one HTTP connection per user first (one thread each, `http.client`), waits on a
`threading.Barrier` until all are connected, then every thread sends its
`POST /api/v1/editions/{id}/registrations` with body `{}` and its user's bearer token. Each
request's latency is measured from the barrier's release to the end of its response.

Checks (each failure is listed under "problems" and makes the exit code 1):
- every request was answered, with 201 (no other statuses, no errors or timeouts);
- exactly --capacity answers say `confirmed` (no overbooking), the others `waitlisted`, and
  their `waitlist_position` values are exactly 1..N-capacity (no gaps, no repeats);
- the public `GET /api/v1/editions/{id}` shows seats_taken = capacity, seats_available = 0
  and waitlist_length = N-capacity;
- the admin's `GET /api/v1/editions/{id}/registrations` (all pages) lists the same
  registrations with the same statuses and positions.

Before the race, the same N connections and threads send `GET /health` the same way: that
latency is the floor set by the client (N Python threads on the same cores as the service),
reported next to the race's so that the race's figure can be read against it.

Writes every figure to --out (JSON) and prints a summary. Python 3 standard library only.

    python3 bench/race.py --base http://127.0.0.1:18080 --edition <id> \
        --tokens bench/out/tokens-sqlite.txt --users 1000 --capacity 50 \
        --admin-email admin@bench.local --admin-password bench-admin-password \
        --out bench/out/race-sqlite.json
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import math
import resource
import sys
import threading
import time
import urllib.parse

from make_tokens import ApiError, password_token, request


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def raise_open_files(wanted: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return str(soft)


class Attempt:
    __slots__ = ("user", "connected", "status", "body", "error", "latency_s")

    def __init__(self, user: int):
        self.user = user
        self.connected = False
        self.status: int | None = None
        self.body = None
        self.error: str | None = None
        self.latency_s: float | None = None


def run_race(host: str, port: int, method: str, path: str, body: bytes | None,
             tokens: list[str], timeout_s: float,
             barrier_timeout_s: float) -> tuple[list[Attempt], float]:
    """One request per token, all at once after a barrier; returns the attempts and how long
    opening the connections took."""
    attempts = [Attempt(i) for i in range(len(tokens))]
    released = [0.0]

    def on_release() -> None:
        released[0] = time.perf_counter()

    barrier = threading.Barrier(len(tokens), action=on_release, timeout=barrier_timeout_s)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"

    def worker(a: Attempt, token: str) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
        try:
            try:
                conn.connect()
                a.connected = True
            except OSError as e:
                a.error = f"connect: {e!r}"
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                if a.error is None:
                    a.error = "the barrier broke (another thread did not arrive in time)"
                return
            if not a.connected:
                return
            try:
                conn.request(method, path, body=body,
                             headers={**headers, "Authorization": f"Bearer {token}"})
                resp = conn.getresponse()
                raw = resp.read()
                a.latency_s = time.perf_counter() - released[0]
                a.status = resp.status
                try:
                    a.body = json.loads(raw) if raw.strip() else None
                except ValueError:
                    a.body = {"raw": raw[:500].decode("utf-8", "replace")}
            except (OSError, http.client.HTTPException) as e:
                a.latency_s = time.perf_counter() - released[0]
                a.error = f"request: {e!r}"
        finally:
            conn.close()

    threading.stack_size(256 * 1024)
    threads = [threading.Thread(target=worker, args=(a, t), daemon=True)
               for a, t in zip(attempts, tokens)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    deadline = time.monotonic() + barrier_timeout_s + timeout_s + 30
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    connect_s = (released[0] - t0) if released[0] else float("nan")
    for a, t in zip(attempts, threads):
        if t.is_alive() and a.error is None and a.status is None:
            a.error = "no answer before the harness's deadline"
    return attempts, connect_s


def list_registrations(base: str, token: str, edition: str) -> list[dict]:
    items: list[dict] = []
    cursor = None
    for _page in range(1000):
        query = {"limit": "200"}
        if cursor:
            query["cursor"] = cursor
        url = f"{base}/api/v1/editions/{edition}/registrations?{urllib.parse.urlencode(query)}"
        status, body = request("GET", url, token=token)
        if status != 200 or not isinstance(body, dict) or "items" not in body:
            raise ApiError("GET", url, status, json.dumps(body))
        items.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return items
    raise RuntimeError("more than 1000 pages of registrations")


def latency_summary(attempts: list[Attempt]) -> dict:
    latencies = sorted(a.latency_s for a in attempts if a.latency_s is not None)
    lat = {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": latencies[-1] if latencies else None,
    }
    return {k: (round(v * 1000, 1) if v is not None else None) for k, v in lat.items()}


def check_positions(positions: list, expected_n: int) -> list[str]:
    """Problems with a list of waiting-list positions that should be exactly 1..expected_n."""
    problems = []
    counts = collections.Counter(positions)
    repeats = sorted(p for p, n in counts.items() if n > 1 and p is not None)
    missing = sorted(set(range(1, expected_n + 1)) - set(counts))
    extra = sorted((p for p in counts if p is None or not 1 <= p <= expected_n), key=str)
    if repeats:
        problems.append(f"repeated positions: {repeats[:20]}{' …' if len(repeats) > 20 else ''}")
    if missing:
        problems.append(f"missing positions: {missing[:20]}{' …' if len(missing) > 20 else ''} "
                        f"({len(missing)} missing)")
    if extra:
        problems.append(f"positions outside 1..{expected_n}: {extra[:20]}")
    return problems


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--edition", required=True, help="the edition's id")
    p.add_argument("--tokens", required=True, help="access tokens, one per line, one per user")
    p.add_argument("--users", type=int, default=1000, help="how many of the tokens (default 1000)")
    p.add_argument("--capacity", type=int, default=50, help="the edition's seats (default 50)")
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    p.add_argument("--out", required=True, help="file for the figures (JSON)")
    a = p.parse_args(argv)
    base = a.base.rstrip("/")
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme != "http" or not parsed.hostname:
        p.error("--base must be an http:// URL")
    host, port = parsed.hostname, parsed.port or 80

    with open(a.tokens, encoding="ascii") as f:
        tokens = [line.strip() for line in f if line.strip()]
    if len(tokens) < a.users:
        p.error(f"{a.tokens} has {len(tokens)} tokens, fewer than --users {a.users}")
    tokens = tokens[:a.users]
    n = len(tokens)
    expect_confirmed = min(a.capacity, n)
    expect_waitlisted = n - expect_confirmed
    nofile = raise_open_files(n + 256)

    floor, _ = run_race(host, port, "GET", "/health", None, tokens, a.timeout,
                        barrier_timeout_s=60)
    floor_lat = latency_summary(floor)
    attempts, connect_s = run_race(host, port, "POST",
                                   f"/api/v1/editions/{a.edition}/registrations", b"{}",
                                   tokens, a.timeout, barrier_timeout_s=60)

    problems: list[str] = []
    statuses = collections.Counter(a_.status for a_ in attempts if a_.status is not None)
    errors = [f"user {a_.user + 1}: {a_.error}" for a_ in attempts if a_.error]
    answered = sum(statuses.values())
    if errors:
        problems.append(f"{len(errors)} requests without an answer, e.g. {errors[:3]}")
    non201 = {s: c for s, c in statuses.items() if s != 201}
    if non201:
        sample = next(a_ for a_ in attempts if a_.status is not None and a_.status != 201)
        problems.append(f"non-201 answers {dict(sorted(non201.items()))}, e.g. {sample.status} "
                        f"{json.dumps(sample.body)[:300]}")

    created = [a_.body for a_ in attempts if a_.status == 201 and isinstance(a_.body, dict)]
    by_status = collections.Counter(str(b.get("status")) for b in created)
    confirmed = by_status.get("confirmed", 0)
    waitlisted_bodies = [b for b in created if b.get("status") == "waitlisted"]
    if confirmed != expect_confirmed:
        problems.append(f"{confirmed} answers say confirmed, expected exactly {expect_confirmed}")
    if len(waitlisted_bodies) != expect_waitlisted:
        problems.append(f"{len(waitlisted_bodies)} answers say waitlisted, expected "
                        f"{expect_waitlisted}")
    other = {k: v for k, v in by_status.items() if k not in ("confirmed", "waitlisted")}
    if other:
        problems.append(f"other statuses in the answers: {other}")
    position_problems = check_positions([b.get("waitlist_position") for b in waitlisted_bodies],
                                        expect_waitlisted)
    positions_ok_answers = not position_problems
    problems.extend(f"answers: {msg}" for msg in position_problems)
    bad_confirmed = [b for b in created
                     if b.get("status") == "confirmed" and b.get("waitlist_position") is not None]
    if bad_confirmed:
        problems.append(f"{len(bad_confirmed)} confirmed answers carry a waitlist_position")
    wrong_edition = [b for b in created if b.get("edition_id") != a.edition]
    if wrong_edition:
        problems.append(f"{len(wrong_edition)} answers name another edition")
    ids = [b.get("id") for b in created]
    if len(set(ids)) != len(ids):
        problems.append("repeated registration ids in the answers")
    user_ids = [b.get("user_id") for b in created]
    if len(set(user_ids)) != len(user_ids):
        problems.append("repeated user ids in the answers")

    lat = latency_summary(attempts)
    floor_failed = sum(1 for f in floor if f.status != 200)

    # Cross-check 1: the public edition.
    edition_view: dict = {}
    status, body = request("GET", f"{base}/api/v1/editions/{a.edition}")
    if status != 200 or not isinstance(body, dict):
        problems.append(f"GET /api/v1/editions/{a.edition} -> {status}: {json.dumps(body)[:300]}")
    else:
        edition_view = {k: body.get(k) for k in ("capacity", "seats_taken", "seats_available",
                                                 "waitlist_length")}
        want = {"seats_taken": expect_confirmed, "seats_available": a.capacity - expect_confirmed,
                "waitlist_length": expect_waitlisted}
        for k, v in want.items():
            if edition_view.get(k) != v:
                problems.append(f"GET /api/v1/editions/{{id}}: {k} is {edition_view.get(k)}, "
                                f"expected {v}")

    # Cross-check 2: the stored registrations, as the admin lists them.
    listed: dict = {}
    try:
        admin = password_token(base, a.admin_email, a.admin_password)
        items = list_registrations(base, admin, a.edition)
        listed_status = collections.Counter(str(i.get("status")) for i in items)
        listed = {"count": len(items), "by_status": dict(listed_status)}
        if len(items) != len(created) or listed_status.get("confirmed", 0) != confirmed:
            problems.append(f"the admin's list has {len(items)} registrations "
                            f"{dict(listed_status)}; the 201 answers had {len(created)} "
                            f"{dict(by_status)}")
        if listed_status.get("confirmed", 0) != expect_confirmed:
            problems.append(f"the admin's list has {listed_status.get('confirmed', 0)} confirmed, "
                            f"expected {expect_confirmed}")
        for msg in check_positions([i.get("waitlist_position") for i in items
                                    if i.get("status") == "waitlisted"], expect_waitlisted):
            problems.append(f"admin's list: {msg}")
        answered_map = {b.get("id"): (b.get("status"), b.get("waitlist_position")) for b in created}
        listed_map = {i.get("id"): (i.get("status"), i.get("waitlist_position")) for i in items}
        differ = [k for k in answered_map if listed_map.get(k) != answered_map[k]]
        if differ:
            k = differ[0]
            problems.append(f"{len(differ)} registrations differ between the answer and the "
                            f"admin's list, e.g. {k}: answered {answered_map[k]}, listed "
                            f"{listed_map.get(k)}")
    except (ApiError, RuntimeError) as e:
        problems.append(f"listing the registrations failed: {e}")

    report = {
        "users": n,
        "capacity": a.capacity,
        "open_files_limit": nofile,
        "connect_s": round(connect_s, 2) if connect_s == connect_s else None,
        "answered": answered,
        "errors": len(errors),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "confirmed": confirmed,
        "waitlisted": len(waitlisted_bodies),
        "positions_ok": positions_ok_answers,
        "latency": lat,
        "floor_latency": floor_lat,
        "floor_failed": floor_failed,
        "edition": edition_view,
        "listed": listed,
        "ok": not problems,
        "problems": problems,
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    print(f"race: {n} users on one edition of {a.capacity} seats; connections open in "
          f"{report['connect_s']} s (open files limit {nofile})")
    print(f"race: answered {answered}/{n}, statuses {report['statuses']}, errors {len(errors)}")
    print(f"race: confirmed {confirmed}, waitlisted {len(waitlisted_bodies)}, positions 1..."
          f"{expect_waitlisted} {'exact' if positions_ok_answers else 'NOT exact'}")
    print(f"race: latency from the release p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, "
          f"max {lat['max_ms']} ms")
    print(f"race: the client's floor (GET /health the same way) p50 {floor_lat['p50_ms']} ms, "
          f"p99 {floor_lat['p99_ms']} ms, max {floor_lat['max_ms']} ms"
          f"{f' ({floor_failed} of them not 200)' if floor_failed else ''}")
    print(f"race: GET edition {edition_view}; admin's list {listed}")
    for msg in problems:
        print(f"race: PROBLEM: {msg}")
    return 0 if not problems else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ApiError, RuntimeError, OSError) as e:
        print(f"race: {e}", file=sys.stderr)
        sys.exit(2)
