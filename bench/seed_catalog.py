#!/usr/bin/env python3
"""Seed the catalogue through the academy API: N courses and M published editions.

Signs in as the bootstrap admin, creates --courses courses (kinds and topics rotate),
then --editions editions spread over them, each with one to three sessions in the coming
year and published. Python 3 standard library only; shares the retrying HTTP helper of
make_tokens.py.

    python3 bench/seed_catalog.py --base http://127.0.0.1:18080 \
        --admin-email admin@bench.local --admin-password bench-admin-password \
        --courses 200 --editions 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor

from make_tokens import ApiError, password_token, request

KINDS = ["workshop", "training", "lecture", "symposium", "workshop"]
TOPICS = ["analyse", "rapporteren", "meldcode", "trauma", "hechting", "veiligheid",
          "gezin", "jeugdbescherming", "ggz", "onderwijs"]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--courses", type=int, default=200)
    p.add_argument("--editions", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args(argv)
    base = args.base.rstrip("/")
    token = password_token(base, args.admin_email, args.admin_password)

    def post(path: str, body=None) -> dict:
        status, reply = request("POST", f"{base}{path}", token=token, json_body=body)
        if status not in (200, 201):
            raise ApiError("POST", path, status, str(reply))
        return reply or {}

    def course(i: int) -> str:
        return post("/api/v1/courses", {
            "title": f"Bench course {i}",
            "kind": KINDS[i % len(KINDS)],
            "topics": [TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]],
            "description": "Seeded for the catalogue benchmark.",
            "hours": 3.5 + i % 5,
            "accreditations": [{"register": "SKJ", "number": f"SKJ-B{i:05d}", "points": 4}],
        })["id"]

    start = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)

    def edition(args_: tuple[int, str]) -> None:
        i, course_id = args_
        e = post(f"/api/v1/courses/{course_id}/editions", {
            "capacity": 12 + i % 40, "location": "Lelystad",
        })
        first = start + dt.timedelta(days=1 + (i * 7) % 360, hours=(i % 3) * 4)
        for s in range(1 + i % 3):
            begins = first + dt.timedelta(days=7 * s)
            post(f"/api/v1/editions/{e['id']}/sessions", {
                "starts_at": begins.isoformat().replace("+00:00", "Z"),
                "ends_at": (begins + dt.timedelta(hours=3, minutes=30)).isoformat().replace("+00:00", "Z"),
            })
        post(f"/api/v1/editions/{e['id']}/publish")

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        course_ids = list(pool.map(course, range(args.courses)))
        list(pool.map(edition, [(i, course_ids[i % len(course_ids)]) for i in range(args.editions)]))
    print(f"seeded {len(course_ids)} courses and {args.editions} published editions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
