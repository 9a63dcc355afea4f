#!/usr/bin/env python3
"""Create benchmark users through the academy API and write one access token per line.

Signs in as the bootstrap admin (password grant), creates an organisation, creates N users
with the role `professional`, signs each of them in, and writes their access tokens to --out.
Python 3 standard library only. Every request has a timeout; 429 and 5xx answers and
connection errors are retried a bounded number of times.

    python3 bench/make_tokens.py --base http://127.0.0.1:18080 \
        --admin-email admin@bench.local --admin-password bench-admin-password \
        --users 1000 --out bench/out/tokens-sqlite.txt
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TIMEOUT_S = 30.0
ATTEMPTS = 8


class ApiError(Exception):
    """An answer that is not what the step needs."""

    def __init__(self, method: str, url: str, status: int, body: str):
        super().__init__(f"{method} {url} -> {status}: {body[:500]}")
        self.status = status
        self.body = body


def request(method: str, url: str, *, token: str | None = None, json_body=None,
            form: dict | None = None) -> tuple[int, dict | None]:
    """One HTTP exchange with bounded retries on 429, 5xx and connection errors."""
    headers = {"Accept": "application/json"}
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"

    delay = 0.2
    last: Exception | None = None
    for _attempt in range(ATTEMPTS):
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                raw = resp.read().decode("utf-8", "replace")
                return resp.status, (json.loads(raw) if raw.strip() else None)
        except urllib.error.HTTPError as e:
            raw = e.read().decode("utf-8", "replace")
            if e.code == 429 or e.code >= 500:
                retry_after = e.headers.get("Retry-After")
                wait = delay
                if retry_after and retry_after.strip().isdigit():
                    wait = min(float(retry_after), 10.0)
                last = ApiError(method, url, e.code, raw)
                time.sleep(wait)
                delay = min(delay * 2, 5.0)
                continue
            try:
                parsed = json.loads(raw) if raw.strip() else None
            except ValueError:
                parsed = {"raw": raw}
            return e.code, parsed
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = e
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise RuntimeError(f"{method} {url}: gave up after {ATTEMPTS} attempts: {last}")


def password_token(base: str, email: str, password: str) -> str:
    status, body = request("POST", f"{base}/api/v1/auth/token", form={
        "grant_type": "password", "username": email, "password": password,
    })
    if status != 200 or not body or "access_token" not in body:
        raise ApiError("POST", f"{base}/api/v1/auth/token ({email})", status, json.dumps(body))
    return body["access_token"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="service base URL, e.g. http://127.0.0.1:18080")
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--users", type=int, default=1000, help="how many users (default 1000)")
    p.add_argument("--concurrency", type=int, default=8, help="parallel requests (default 8)")
    p.add_argument("--prefix", default="u", help="local part prefix of the e-mail addresses")
    p.add_argument("--domain", default="bench.local")
    p.add_argument("--org-name", default="Bench org")
    p.add_argument("--out", required=True, help="file to write the tokens to, one per line")
    a = p.parse_args(argv)
    if a.users < 1:
        p.error("--users must be at least 1")
    if a.concurrency < 1:
        p.error("--concurrency must be at least 1")
    a.base = a.base.rstrip("/")
    return a


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    t0 = time.monotonic()

    admin = password_token(a.base, a.admin_email, a.admin_password)

    status, org = request("POST", f"{a.base}/api/v1/organizations", token=admin,
                          json_body={"name": a.org_name, "kind": "provider"})
    if status not in (200, 201) or not org or "id" not in org:
        raise ApiError("POST", f"{a.base}/api/v1/organizations", status, json.dumps(org))
    org_id = org["id"]

    def make_user(i: int) -> str:
        email = f"{a.prefix}{i}@{a.domain}"
        password = f"bench-password-{i}"
        status, body = request("POST", f"{a.base}/api/v1/users", token=admin, json_body={
            "email": email,
            "name": f"User {i}",
            "organization_id": org_id,
            "roles": ["professional"],
            "password": password,
        })
        # 409: left over from an earlier run on the same database; its password is the same.
        if status not in (200, 201, 409):
            raise ApiError("POST", f"{a.base}/api/v1/users ({email})", status, json.dumps(body))
        return password_token(a.base, email, password)

    with ThreadPoolExecutor(max_workers=a.concurrency) as pool:
        tokens = list(pool.map(make_user, range(1, a.users + 1)))

    with open(a.out, "w", encoding="ascii") as f:
        for t in tokens:
            f.write(t + "\n")

    took = time.monotonic() - t0
    print(f"created {len(tokens)} users in organisation {org_id} and wrote their tokens to "
          f"{a.out} in {took:.1f} s ({len(tokens) / took:.0f} users/s, each one create and one "
          f"sign-in)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ApiError, RuntimeError) as e:
        print(f"make_tokens: {e}", file=sys.stderr)
        sys.exit(1)
