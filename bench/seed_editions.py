#!/usr/bin/env python3
"""Create one course and N published editions for the registration benchmarks; write their ids.

Signs in as the bootstrap admin, creates a course, then --editions editions of it with the
given --capacity, waiting list and approval setting, each with one session --days ahead, and
publishes them. Their ids go to --out, one per line. Python 3 standard library only; shares
the retrying HTTP helper of make_tokens.py.

    python3 bench/seed_editions.py --base http://127.0.0.1:18080 \
        --admin-email admin@bench.local --admin-password bench-admin-password \
        --editions 100 --capacity 5000 --waitlist off --out bench/out/reg-editions-sqlite.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor

from make_tokens import ApiError, password_token, request


def on_off(value: str) -> bool:
    if value not in ("on", "off"):
        raise argparse.ArgumentTypeError("on or off")
    return value == "on"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--editions", type=int, default=100)
    p.add_argument("--capacity", type=int, default=5000, help="seats per edition (1..100000)")
    p.add_argument("--waitlist", type=on_off, default=False, help="on or off (default off)")
    p.add_argument("--approval", type=on_off, default=False, help="on or off (default off)")
    p.add_argument("--days", type=int, default=60, help="the session starts this many days ahead")
    p.add_argument("--title", default="Bench registration course")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--out", required=True, help="file to write the edition ids to, one per line")
    args = p.parse_args(argv)
    if args.editions < 1:
        p.error("--editions must be at least 1")
    if not 1 <= args.capacity <= 100000:
        p.error("--capacity must be within 1..100000")
    base = args.base.rstrip("/")
    token = password_token(base, args.admin_email, args.admin_password)

    def post(path: str, body=None) -> dict:
        status, reply = request("POST", f"{base}{path}", token=token, json_body=body)
        if status not in (200, 201):
            raise ApiError("POST", path, status, str(reply))
        return reply or {}

    course_id = post("/api/v1/courses", {
        "title": args.title,
        "kind": "training",
        "topics": ["veiligheid"],
        "description": "Seeded for the registration benchmarks.",
        "hours": 3.5,
        "accreditations": [],
    })["id"]

    start = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)

    def stamp(t: dt.datetime) -> str:
        return t.isoformat().replace("+00:00", "Z")

    def edition(i: int) -> str:
        e = post(f"/api/v1/courses/{course_id}/editions", {
            "capacity": args.capacity,
            "waitlist_enabled": args.waitlist,
            "requires_approval": args.approval,
            "location": "Lelystad",
        })
        begins = start + dt.timedelta(days=args.days, hours=i % 8)
        post(f"/api/v1/editions/{e['id']}/sessions", {
            "starts_at": stamp(begins),
            "ends_at": stamp(begins + dt.timedelta(hours=3, minutes=30)),
        })
        post(f"/api/v1/editions/{e['id']}/publish")
        return e["id"]

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        ids = list(pool.map(edition, range(args.editions)))

    with open(args.out, "w", encoding="ascii") as f:
        for i in ids:
            f.write(f"{i}\n")
    print(f"seeded {len(ids)} published editions (capacity {args.capacity}, waiting list "
          f"{'on' if args.waitlist else 'off'}, approval {'on' if args.approval else 'off'}) "
          f"of course {course_id}; ids in {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ApiError, RuntimeError) as e:
        print(f"seed_editions: {e}", file=sys.stderr)
        sys.exit(1)
