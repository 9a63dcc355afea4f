#!/usr/bin/env python3
"""Validate an academy iCalendar feed with an independent parser (Python `icalendar`).

Usage:
    validate_ics.py FEED.ics [--expect EXPECT.json]

Checks, exiting non-zero (status 1) on any problem:
  * raw layout: every line ends with CRLF, is at most 75 octets, and is valid UTF-8 on its
    own (no character split by a fold); no line before a fold ends with whitespace;
  * the document parses with `icalendar.Calendar.from_ical`, has VERSION:2.0, a PRODID and
    a VTIMEZONE whose TZID is Europe/Amsterdam (with STANDARD and DAYLIGHT parts);
  * every VEVENT has UID, SEQUENCE and a DTSTAMP in UTC; DTSTART is either a date
    (VALUE=DATE, with a DATE DTEND strictly after it) or a timezone-aware datetime in
    Europe/Amsterdam; a UTC datetime is accepted only for a time in the second occurrence
    of the hour repeated in October, which a TZID local time cannot express (RFC 5545 reads
    a repeated local time as the first occurrence); DTEND, if present, is of the same kind
    and not before DTSTART;
  * with --expect: a JSON object {uid: {"start", "end", "summary"}} with ISO-8601 UTC
    instants (or dates for all-day events); the parsed instants and the unescaped SUMMARY
    must match exactly.

Requires: pip install icalendar (tested with 7.3.0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

import icalendar

AMSTERDAM = "Europe/Amsterdam"
TZ = ZoneInfo(AMSTERDAM)


def tz_key(value: dt.datetime) -> str | None:
    tzinfo = value.tzinfo
    if tzinfo is None:
        return None
    key = getattr(tzinfo, "key", None) or getattr(tzinfo, "zone", None)
    if key:
        return str(key)
    if value.utcoffset() == dt.timedelta(0) and str(tzinfo) in ("UTC", "UTC+00:00"):
        return "UTC"
    return str(tzinfo)


def is_second_occurrence(instant_utc: dt.datetime) -> bool:
    """True if the Amsterdam wall-clock time of this instant happens twice and this is the later one."""
    local = instant_utc.astimezone(TZ)
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=TZ, fold=0)
    second = naive.replace(tzinfo=TZ, fold=1)
    return first.utcoffset() != second.utcoffset() and local.utcoffset() == second.utcoffset()


def check_layout(raw: bytes, problems: list[str]) -> None:
    if not raw.endswith(b"\r\n"):
        problems.append("file does not end with CRLF")
    lines = raw.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: bare CR or LF")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets (> 75)")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(f"line {number}: not valid UTF-8 on its own ({error})")
        following = lines[number] if number < len(lines) else b""
        if following[:1] in (b" ", b"\t") and line[-1:] in (b" ", b"\t") and line.strip():
            problems.append(f"line {number}: whitespace before a fold")


def check_time(event, name: str, problems: list[str], uid: str):
    prop = event.get(name)
    if prop is None:
        return None
    value = event.decoded(name)
    params = getattr(prop, "params", {})
    if isinstance(value, dt.datetime):
        key = tz_key(value)
        if key == AMSTERDAM:
            if params.get("TZID") != AMSTERDAM:
                problems.append(f"{uid}: {name} is not written with TZID={AMSTERDAM}")
        elif key == "UTC":
            if not is_second_occurrence(value):
                problems.append(
                    f"{uid}: {name} {value.isoformat()} is UTC but not in the repeated October hour"
                )
        else:
            problems.append(f"{uid}: {name} is not timezone-aware in {AMSTERDAM} (tz={key})")
            return None
        # Compare instants in UTC: PEP 495 makes == between zones False inside a fold.
        return value.astimezone(dt.timezone.utc)
    if isinstance(value, dt.date):
        if params.get("VALUE") != "DATE":
            problems.append(f"{uid}: {name} is a date without VALUE=DATE")
        return value
    problems.append(f"{uid}: {name} has unexpected type {type(value).__name__}")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the .ics file to validate")
    parser.add_argument("--expect", help="JSON file of expected times and summaries per UID")
    args = parser.parse_args()

    problems: list[str] = []
    with open(args.path, "rb") as handle:
        raw = handle.read()
    check_layout(raw, problems)

    try:
        calendar = icalendar.Calendar.from_ical(raw)
    except Exception as error:  # noqa: BLE001 - any parser failure is a validation failure
        print(f"FAIL: icalendar cannot parse {args.path}: {error}", file=sys.stderr)
        return 1

    if str(calendar.get("VERSION")) != "2.0":
        problems.append("VERSION is not 2.0")
    if not calendar.get("PRODID"):
        problems.append("PRODID missing")

    timezones = [tz for tz in calendar.walk("VTIMEZONE") if str(tz.get("TZID")) == AMSTERDAM]
    if not timezones:
        problems.append(f"no VTIMEZONE with TZID {AMSTERDAM}")
    else:
        kinds = {sub.name for sub in timezones[0].subcomponents}
        if not {"STANDARD", "DAYLIGHT"} <= kinds:
            problems.append(f"VTIMEZONE lacks STANDARD/DAYLIGHT (has {sorted(kinds)})")

    seen: dict[str, tuple] = {}
    events = list(calendar.walk("VEVENT"))
    for index, event in enumerate(events):
        uid = str(event.get("UID") or f"<VEVENT #{index + 1} without UID>")
        if "UID" not in event:
            problems.append(f"{uid}: UID missing")
        if "SEQUENCE" not in event:
            problems.append(f"{uid}: SEQUENCE missing")
        stamp = event.decoded("DTSTAMP") if "DTSTAMP" in event else None
        if not isinstance(stamp, dt.datetime) or stamp.utcoffset() != dt.timedelta(0):
            problems.append(f"{uid}: DTSTAMP missing or not UTC")
        if "DTSTART" not in event:
            problems.append(f"{uid}: DTSTART missing")
            continue
        start = check_time(event, "DTSTART", problems, uid)
        end = check_time(event, "DTEND", problems, uid)
        if start is not None and end is not None:
            if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
                problems.append(f"{uid}: DTSTART and DTEND have different value types")
            elif not isinstance(start, dt.datetime) and end <= start:
                problems.append(f"{uid}: all-day DTEND {end} is not after DTSTART {start}")
            elif end < start:
                problems.append(f"{uid}: DTEND {end} is before DTSTART {start}")
        seen[uid] = (start, end, str(event.get("SUMMARY", "")))

    if args.expect:
        with open(args.expect, encoding="utf-8") as handle:
            expected = json.load(handle)
        for uid, want in expected.items():
            if uid not in seen:
                problems.append(f"{uid}: expected but not in the feed")
                continue
            start, end, summary = seen[uid]
            for label, got, iso in (("start", start, want.get("start")), ("end", end, want.get("end"))):
                if iso is None:
                    continue
                if "T" in iso:
                    want_value = dt.datetime.fromisoformat(iso).astimezone(dt.timezone.utc)
                    ok = isinstance(got, dt.datetime) and got == want_value
                else:
                    want_value = dt.date.fromisoformat(iso)
                    ok = not isinstance(got, dt.datetime) and got == want_value
                if not ok:
                    problems.append(f"{uid}: {label} is {got!r}, expected {iso}")
            if "summary" in want and summary != want["summary"]:
                problems.append(f"{uid}: SUMMARY is {summary!r}, expected {want['summary']!r}")

    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"OK: {args.path}: {len(events)} events, icalendar {icalendar.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
