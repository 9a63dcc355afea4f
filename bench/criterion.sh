#!/usr/bin/env bash
# Criterion micro-benchmarks of the rendering the service does per request besides the
# database: the certificate PDF, the signed credential, a personal calendar feed of 100
# sessions and the catalogue feed of 1,000 sessions. Writes (or replaces) the
# "Micro-benchmarks" section of bench/RESULTS.md from criterion's own estimates.
#
#   bash bench/criterion.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo bench --bench certificates --bench calendar

python3 - "$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, pathlib, re, sys, datetime

commit = sys.argv[1]
root = pathlib.Path("target/criterion")
rows = [
    ("certificate PDF (A4, fonts embedded, QR)", "certificate PDF, one certificate", None),
    ("credential VC-JWT (build and sign, Ed25519)", "credential: Open Badges 3.0 VC-JWT, built and signed", None),
    ("personal feed, 100 sessions", "calendar: personal feed of 100 sessions", 2e6),
    ("catalogue feed, 1,000 sessions", "calendar: catalogue feed of 1,000 sessions", 20e6),
]

def show(ns):
    return f"{ns / 1e6:.2f} ms" if ns >= 1e5 else f"{ns / 1e3:.1f} µs"

lines = [
    "<!-- criterion -->",
    "## Micro-benchmarks (criterion)",
    "",
    f"`bash bench/criterion.sh` (`cargo bench`), {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}; "
    "the time of the rendering alone (rows already loaded), mean with its 95 % interval.",
    "",
    "| measure | mean (95 % interval) | target | met |",
    "|---|---:|---|---|",
]
for name, label, target in rows:
    est = json.loads((root / name / "new" / "estimates.json").read_text())["mean"]
    mean = est["point_estimate"]
    lo, hi = est["confidence_interval"]["lower_bound"], est["confidence_interval"]["upper_bound"]
    goal = f"< {show(target)}" if target else ""
    met = ("yes" if hi < target else "no") if target else ""
    lines.append(f"| {label} | {show(mean)} ({show(lo)}–{show(hi)}) | {goal} | {met} |")
lines.append("<!-- /criterion -->")
section = "\n".join(lines) + "\n"

path = pathlib.Path("bench/RESULTS.md")
text = path.read_text() if path.exists() else "# Benchmark results\n"
if "<!-- criterion -->" in text:
    text = re.sub(r"<!-- criterion -->.*?<!-- /criterion -->\n?", section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section
path.write_text(text)
print(section)
PY
