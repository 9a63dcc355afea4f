"""A partner's webhook receiver, checked with the Standard Webhooks project's own Python
library (`standardwebhooks` from PyPI) against the running demo.

The academy's admin registers a partner client for Triade Vitree and a webhook endpoint
pointing at a receiver on loopback. The receiver answers the first delivery with 500 (the
service retries it after 5 seconds) and the rest with 200, and verifies every request with
the library. Then: a test ping, a registration of one of the organisation's people and its
cancellation, a registration of another organisation's person (which must not arrive), a
secret rotation (deliveries then verify with the old and the new secret), and the
endpoint's delivery log.

    python3 .ci/webhooks.py http://127.0.0.1:18391
"""

import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ADMIN = "beheer@flevoacademiejeugd.nl"
PASSWORD = "demo-wachtwoord"
ORGANISATION = "Triade Vitree"


def check(condition, what):
    if not condition:
        sys.exit(f"webhooks: {what}")
    print(f"webhooks: {what}: ok")


def call(base, method, path, token=None, body=None, form=None):
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps every request; answers 500 to the first, 200 to the rest."""

    received = []
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            first = len(Receiver.received) == 1
        self.send_response(500 if first else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def wait_for(what, condition, within=30):
    until = time.monotonic() + within
    while time.monotonic() < until:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    sys.exit(f"webhooks: {what}: not within {within} s")


def verifies(secret, headers, body):
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


def main(base):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/academy-events"

    status, grant = call(
        base, "POST", "/api/v1/auth/token",
        form={"grant_type": "password", "username": ADMIN, "password": PASSWORD},
    )
    check(status == 200, "the admin signs in")
    admin = grant["access_token"]
    status, orgs = call(base, "GET", "/api/v1/organizations?kind=provider&limit=200", admin)
    org = next(o for o in orgs["items"] if o["name"] == ORGANISATION)
    other = next(o for o in orgs["items"] if o["name"] != ORGANISATION)
    status, client = call(
        base, "POST", "/api/v1/clients", admin,
        {
            "name": f"Intranet {uuid.uuid4().hex[:6]}",
            "organization_id": org["id"],
            "scopes": ["catalog:read", "registrations:read"],
            "contact_email": "beheer@triadevitree.example",
        },
    )
    check(status == 201, "the admin registers a partner client")
    status, hook = call(
        base, "POST", "/api/v1/webhooks", admin,
        {
            "client_id": client["client_id"],
            "url": hook_url,
            "events": ["registration.created", "registration.status_changed"],
            "description": "Triade Vitree intranet",
        },
    )
    check(status == 201 and hook["secret"].startswith("whsec_"), "an endpoint with its secret")
    secret = hook["secret"]
    webhook = hook["id"]

    status, delivery = call(base, "POST", f"/api/v1/webhooks/{webhook}/ping", admin, {})
    check(status == 202, "a test ping is queued")

    # One of the organisation's professionals, an edition with seats they are not in,
    # and a professional of another organisation.
    def professional_of(org_id):
        _, people = call(base, "GET", f"/api/v1/users?organization_id={org_id}&limit=200", admin)
        return [p for p in people["items"] if "professional" in p["roles"]]

    _, editions = call(base, "GET", "/api/v1/editions?status=published&has_seats=true&limit=50", admin)
    ours, theirs = professional_of(org["id"]), professional_of(other["id"])
    pair = None
    for person in ours:
        _, regs = call(base, "GET", f"/api/v1/users/{person['id']}/registrations?limit=200", admin)
        taken = {r["edition"]["id"] for r in regs["items"]}
        free = [e for e in editions["items"] if e["id"] not in taken]
        if free:
            pair = (person, free[0])
            break
    check(pair, "a professional and an edition they are not in")
    person, edition = pair
    status, reg = call(
        base, "POST", f"/api/v1/editions/{edition['id']}/registrations", admin,
        {"user_id": person["id"]},
    )
    check(status == 201, f"{person['name']} is registered ({reg['status']})")
    status, _ = call(base, "POST", f"/api/v1/registrations/{reg['id']}/cancel", admin, {})
    check(status == 200, "and cancelled")
    outsider = None
    for p in theirs:
        status, r = call(
            base, "POST", f"/api/v1/editions/{edition['id']}/registrations", admin,
            {"user_id": p["id"]},
        )
        if status == 201:
            outsider = r
            break
    check(outsider, "a person of another organisation is registered too")

    # The ping (500 first, again after 5 s) and the two events of our person.
    got = wait_for(
        "three events, the first of them twice",
        lambda: len(Receiver.received) >= 4 and list(Receiver.received),
    )
    for headers, body in got:
        check(verifies(secret, headers, body), f"{json.loads(body)['type']} verifies")
    types = [json.loads(b)["type"] for _, b in got]
    check(types.count("webhook.ping") == 2, "the ping came twice (500, then 200)")
    ids = [h["webhook-id"] for h, b in got if json.loads(b)["type"] == "webhook.ping"]
    check(ids[0] == ids[1], "under one webhook-id")
    ours_only = [json.loads(b) for _, b in got if json.loads(b)["type"].startswith("registration.")]
    check(
        [(e["type"], e["data"]["status"]) for e in ours_only]
        == [("registration.created", reg["status"]), ("registration.status_changed", "cancelled")],
        "created, then cancelled, in that order",
    )
    check(
        all(e["data"]["registration_id"] == reg["id"] for e in ours_only),
        "both about our person's registration; none about the other organisation's",
    )
    forged = dict(got[0][0])
    check(not verifies(secret, forged, got[0][1] + b" "), "a changed body does not verify")

    # Rotation: the next delivery verifies with the new secret and the old one.
    status, rotated = call(base, "POST", f"/api/v1/webhooks/{webhook}/rotate-secret", admin, {})
    check(status == 200 and rotated["secret"] != secret, "the secret is rotated")
    before = len(Receiver.received)
    status, reg2 = call(
        base, "POST", f"/api/v1/editions/{editions['items'][-1]['id']}/registrations", admin,
        {"user_id": person["id"]},
    )
    if status != 201:
        status, reg2 = call(base, "POST", f"/api/v1/editions/{edition['id']}/registrations", admin,
                            {"user_id": person["id"]})
    check(status == 201, "another registration")
    got = wait_for("the event after rotation", lambda: Receiver.received[before:])
    headers, body = got[0]
    check(verifies(rotated["secret"], headers, body), "it verifies with the new secret")
    check(verifies(secret, headers, body), "and, for a day, with the old one")

    status, log = call(base, "GET", f"/api/v1/webhooks/{webhook}/deliveries", admin)
    check(status == 200, "the delivery log")
    wait_for(
        "every delivery delivered",
        lambda: all(
            d["status"] == "delivered"
            for d in call(base, "GET", f"/api/v1/webhooks/{webhook}/deliveries", admin)[1]["items"]
        ),
    )
    _, log = call(base, "GET", f"/api/v1/webhooks/{webhook}/deliveries", admin)
    ping = next(d for d in log["items"] if d["event_type"] == "webhook.ping")
    check([a["status_code"] for a in ping["attempts"]] == [500, 200], "the ping's two attempts are logged")
    check(len(log["items"]) == 4, f"{len(log['items'])} deliveries in the log")
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
