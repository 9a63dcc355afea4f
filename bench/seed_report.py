#!/usr/bin/env python3
"""Seeds the HR-report data set straight into a migrated academy database (SQLite or PostgreSQL).

One provider organisation with 5,000 professionals (each with an SKJ register membership) and
a second organisation with 300 professionals whose rows must never show in the first one's
report; 40 courses with SKJ accreditations; single-session editions in the past (50 people
of the first organisation and 3 of the second per edition); per registration: confirmed, one
attendance record `present`, a completion, a valid certificate and its SKJ
certificate_accreditations row.

With `--per-person K` every professional of the first organisation completes K editions:
K = 20 gives 100,000 attendance records and 100,000 completions (QUALITY.md's "5,000
professionals, 100,000 attendance records"); K = 2 gives 10,000 (the small CSV case).

SQLite is written with the standard library (UUIDs as 16-byte blobs, timestamps as RFC 3339
text, booleans 0/1, as the service writes them); PostgreSQL through `psql` and COPY.
Writes a JSON summary (ids, counts, the sorted registration ids of the first organisation's
completions) for bench/report.sh to check the report against.

  python3 bench/seed_report.py --sqlite bench/out/report.db --per-person 20 --summary s.json
  python3 bench/seed_report.py --postgres "host=127.0.0.1 user=postgres dbname=x" ...
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import time
import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
FIRST = ["Anouk", "Sanne", "Daan", "Lotte", "Bram", "Fleur", "Joris", "Noor", "Sem", "Iris",
         "Ruben", "Eva", "Thijs", "Femke", "Jesse", "Mila", "Lars", "Zoë", "Youssef", "Aylin"]
LAST = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
        "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van 't Hof", "El Amrani",
        "Öztürk", "Dekker", "van Dijk", "Brouwer"]
TOPICS = ["Verklarende analyse", "Meldcode huiselijk geweld", "Signs of Safety", "Traumasensitief werken",
          "Gespreksvoering met ouders", "Veiligheidsplannen", "Scheiding en jeugd", "LVB in de jeugdhulp",
          "Radicalisering herkennen", "Familienetwerkberaad"]

ORG_A_PEOPLE = 5000
ORG_B_PEOPLE = 300
PER_EDITION_A = 50          # people of the first organisation per edition
COURSES = 40


class Ids:
    """UUID v7 (time-ordered, as the service makes them) from a seeded generator."""

    def __init__(self, rng: random.Random, start_ms: int):
        self.rng = rng
        self.ms = start_ms

    def next(self, step_ms: int = 1) -> uuid.UUID:
        self.ms += step_ms
        rand = self.rng.getrandbits(74)
        value = (self.ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= ((rand >> 62) & 0xFFF) << 64
        value |= 0b10 << 62
        value |= rand & ((1 << 62) - 1)
        return uuid.UUID(int=value)


def ts(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat()


def build(per_person: int, seed: int) -> dict:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    created = now - dt.timedelta(days=1200)
    ids = Ids(rng, int(created.timestamp() * 1000))
    t_created = ts(created)
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "organizations", "users", "user_roles", "register_memberships", "courses",
        "accreditations", "editions", "sessions", "registrations", "attendance", "completions",
        "certificates", "certificate_accreditations")}

    org_a, org_b = ids.next(), ids.next()
    rows["organizations"] += [
        (org_a, "Jeugdhulp Flevoland (report bench)", "provider", t_created, t_created),
        (org_b, "Andere Aanbieder (report bench)", "provider", t_created, t_created),
    ]
    people_a, people_b = [], []
    for org, n, out, prefix in ((org_a, ORG_A_PEOPLE, people_a, "a"), (org_b, ORG_B_PEOPLE, people_b, "b")):
        for i in range(n):
            uid = ids.next()
            name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
            number = f"{(110000000 if prefix == 'a' else 120000000) + i}"
            out.append((uid, name, number))
            rows["users"].append((uid, f"{prefix}{i:05d}@report-bench-{prefix}.example", name, org,
                                  None, None, t_created, t_created))
            rows["user_roles"].append((uid, "professional"))
            rows["register_memberships"].append((uid, "SKJ", number,
                                                 (created.date() + dt.timedelta(days=i % 365)).isoformat()))
    courses = []
    for c in range(COURSES):
        cid = ids.next()
        title = f"{TOPICS[c % len(TOPICS)]}, deel {c // len(TOPICS) + 1}"
        hours = (3.5, 7.0, 14.0)[c % 3]
        acc_number = f"{300000 + c * 37}"
        courses.append((cid, title, hours, acc_number))
        rows["courses"].append((cid, title, "training", f"Benchcursus {c}: {title}.", "Jeugdprofessionals",
                                hours, 100.0, None, t_created, t_created))
        rows["accreditations"].append((cid, "SKJ", acc_number, hours,
                                       (created.date()).isoformat(), (now.date() + dt.timedelta(days=700)).isoformat()))

    groups = ORG_A_PEOPLE // PER_EDITION_A          # editions per round (100)
    n_editions = groups * per_person
    editions = []
    for e in range(n_editions):
        eid = ids.next()
        cid, title, hours, acc_number = courses[e % COURSES]
        # Spread over the last ~3 years, oldest first; all in the past.
        day = now.date() - dt.timedelta(days=20 + (n_editions - 1 - e) * 1080 // max(n_editions, 1))
        start = dt.datetime.combine(day, dt.time(7, 0), dt.timezone.utc)
        end = start + dt.timedelta(hours=7)
        editions.append((eid, cid, title, hours, acc_number, start, end, day))
        rows["editions"].append((eid, cid, "closed", PER_EDITION_A + 10, True, False,
                                 ts(start - dt.timedelta(days=60)), ts(start - dt.timedelta(days=2)),
                                 ts(start - dt.timedelta(days=7)), "Stationsplein 12, Lelystad", None,
                                 ts(start), ts(end), ts(start), ts(start - dt.timedelta(days=61)), ts(end)))
        sid = ids.next()
        rows["sessions"].append((sid, eid, ts(start), ts(end), None, None, "scheduled", 0,
                                 ts(start - dt.timedelta(days=61)), ts(start - dt.timedelta(days=61))))
        editions[-1] += (sid,)

    # (edition index, person) pairs: the first organisation in rounds of 100 editions with
    # 50 people each; the second organisation 3 per edition, spread over the same editions.
    pairs = []
    for k in range(per_person):
        for i, p in enumerate(people_a):
            pairs.append((k * groups + i // PER_EDITION_A, p, "a"))
        for j, p in enumerate(people_b):
            pairs.append((k * groups + j % groups, p, "b"))
    # Registrations made in the order of the editions (so UUID v7 ids follow creation order),
    # shuffled within an edition.
    rng.shuffle(pairs)
    pairs.sort(key=lambda x: x[0])
    codes: set[str] = set()
    reg_a = []
    for e, (uid, name, number), org in pairs:
        eid, cid, title, hours, acc_number, start, end, day, sid = editions[e]
        rid = ids.next(step_ms=rng.randint(1, 50))
        made = ts(start - dt.timedelta(days=30))
        rows["registrations"].append((rid, eid, uid, "confirmed", None, False, made, made))
        rows["attendance"].append((rid, sid, "present", None, "system", None, ts(end), None, None))
        rows["completions"].append((rid, eid, uid, day.isoformat(), 1, 1, "attendance", "system", None, ts(end)))
        cert = ids.next()
        while True:
            code = "".join(rng.choice(ALPHABET) for _ in range(15))
            if code not in codes:
                codes.add(code)
                break
        rows["certificates"].append((cert, code, rid, uid, eid, cid, name, title, "training", hours,
                                     day.isoformat(), day.isoformat(), day.isoformat(), "Flevo Academie Jeugd",
                                     ts(end), "valid", None, None, len(rows["certificates"])))
        rows["certificate_accreditations"].append((cert, "SKJ", acc_number, hours, number))
        if org == "a":
            reg_a.append((uid, rid))
    # The report's order: by person, then registration (UUID bytes sort as the databases do).
    reg_a.sort(key=lambda p: (p[0].bytes, p[1].bytes))
    return {"rows": rows, "org_a": org_a, "org_b": org_b, "reg_a": reg_a,
            "people_b": [p[0] for p in people_b]}


COLUMNS = {
    "organizations": "id, name, kind, created_at, updated_at",
    "users": "id, email, name, organization_id, password_hash, disabled_at, created_at, updated_at",
    "user_roles": "user_id, role",
    "register_memberships": "user_id, register, number, period_start",
    "courses": "id, title, kind, description, target_audience, hours, min_attendance_percent, archived_at, created_at, updated_at",
    "accreditations": "course_id, register, number, points, valid_from, valid_until",
    "editions": "id, course_id, status, capacity, waitlist_enabled, requires_approval, registration_opens_at, "
                "registration_closes_at, cancellation_deadline, location, online_url, first_session_at, "
                "last_session_at, sort_at, created_at, updated_at",
    "sessions": "id, edition_id, starts_at, ends_at, location, online_url, status, revision, created_at, updated_at",
    "registrations": "id, edition_id, user_id, status, waitlist_position, late_cancellation, created_at, updated_at",
    "attendance": "registration_id, session_id, status, note, marked_by_kind, marked_by_id, marked_at, "
                  "checked_in_at, checked_out_at",
    "completions": "registration_id, edition_id, user_id, completed_on, sessions_attended, sessions_counted, "
                   "source, decided_by_kind, decided_by_id, decided_at",
    "certificates": "id, code, registration_id, user_id, edition_id, course_id, holder_name, course_title, "
                    "course_kind, hours, first_day, last_day, completed_on, issuer, issued_at, status, "
                    "revoked_at, revoked_reason, status_index",
    "certificate_accreditations": "certificate_id, register, accreditation_number, points, holder_number",
}


# Certificates take their places in the revocation status lists in order; the service's
# counter continues after them.
NEXT_STATUS_INDEX = ("UPDATE counters SET next_value = (SELECT COUNT(*) FROM certificates) "
                     "WHERE name = 'certificate_status'")


def to_sqlite(v):
    if isinstance(v, uuid.UUID):
        return v.bytes
    if isinstance(v, bool):
        return int(v)
    return v


def write_sqlite(path: str, rows: dict) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    with con:
        for table, cols in COLUMNS.items():
            n = len(cols.split(","))
            con.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * n)})',
                            ([to_sqlite(v) for v in r] for r in rows[table]))
        con.execute(NEXT_STATUS_INDEX)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def to_copy(v) -> str:
    if v is None:
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def write_postgres(conninfo: str, rows: dict) -> None:
    proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", conninfo, "-f", "-"],
                            stdin=subprocess.PIPE, text=True, encoding="utf-8")
    assert proc.stdin is not None
    w = proc.stdin.write
    for table, cols in COLUMNS.items():
        w(f'COPY "{table}" ({cols}) FROM STDIN;\n')
        for r in rows[table]:
            w("\t".join(to_copy(v) for v in r))
            w("\n")
        w("\\.\n")
    w(NEXT_STATUS_INDEX + ";\n")
    w("ANALYZE;\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit(f"psql failed with exit code {proc.returncode}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite", metavar="FILE", help="a migrated SQLite database file")
    g.add_argument("--postgres", metavar="CONNINFO", help="libpq connection string of a migrated database")
    p.add_argument("--per-person", type=int, default=20,
                   help="completed single-session editions per professional of the organisation (20: 100,000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--summary", required=True, help="JSON summary for bench/report.sh")
    a = p.parse_args()

    t0 = time.monotonic()
    data = build(a.per_person, a.seed)
    rows = data["rows"]
    t1 = time.monotonic()
    if a.sqlite:
        write_sqlite(a.sqlite, rows)
    else:
        write_postgres(a.postgres, rows)
    t2 = time.monotonic()
    reg_a = data["reg_a"]
    deep = int(len(reg_a) * 0.9)
    summary = {
        "org_a": str(data["org_a"]),
        "org_b": str(data["org_b"]),
        "people_a": ORG_A_PEOPLE,
        "people_b": ORG_B_PEOPLE,
        "per_person": a.per_person,
        "editions": len(rows["editions"]),
        "courses": COURSES,
        "completions_a": len(reg_a),
        "completions_b": len(rows["completions"]) - len(reg_a),
        "attendance_a": len(reg_a),
        "attendance_all": len(rows["attendance"]),
        # The cursor of the page after the first 90 % of the organisation's completions.
        "deep_after": f"{reg_a[deep - 1][0]}:{reg_a[deep - 1][1]}",
        "deep_first": str(reg_a[deep][1]),
        "registration_ids_a": [str(r) for _, r in reg_a],
        "build_s": round(t1 - t0, 2),
        "write_s": round(t2 - t1, 2),
    }
    with open(a.summary, "w", encoding="utf-8") as f:
        json.dump(summary, f)
    print(f"seeded {len(rows['users'])} users, {len(rows['editions'])} editions, "
          f"{len(rows['completions'])} completions ({len(reg_a)} of the organisation), "
          f"{len(rows['attendance'])} attendance records: built in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s")


if __name__ == "__main__":
    main()
