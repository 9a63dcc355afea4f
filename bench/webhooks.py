"""Webhooks on during the registration rows (`BENCH_WEBHOOKS=1 bench/run.sh`).

    python3 bench/webhooks.py receive --port 18099 --count-file out/webhooks.count
    python3 bench/webhooks.py subscribe --base URL --admin-email … --admin-password … \
        --url http://127.0.0.1:18099/hook

`receive` is a partner's endpoint on loopback: it answers every delivery with 204 and
writes how many it got to the count file every second. `subscribe` registers a partner
client of the bench users' organisation (`registrations:read`) and an endpoint for
`registration.created` and `registration.status_changed` pointing at the receiver, so
every registration of the benchmark becomes a delivery. The service must run with
`ACADEMY_WEBHOOKS_ALLOW_PRIVATE=true` to post to loopback.
"""

import argparse
import http.server
import sys
import threading
import time

from make_tokens import password_token, request


class Counting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Counting.lock:
            Counting.count += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def receive(a):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        with open(a.count_file, "w") as f:
            f.write(f"{Counting.count}\n")
        time.sleep(1)


def subscribe(a):
    admin = password_token(a.base, a.admin_email, a.admin_password)
    status, orgs = request("GET", f"{a.base}/api/v1/organizations?limit=200", token=admin)
    org = next(o for o in orgs["items"] if o["name"] == a.org_name)
    status, client = request("POST", f"{a.base}/api/v1/clients", token=admin, json_body={
        "name": "Bench intranet", "organization_id": org["id"],
        "scopes": ["registrations:read"],
    })
    if status != 201:
        sys.exit(f"creating the client answered {status}: {client}")
    status, hook = request("POST", f"{a.base}/api/v1/webhooks", token=admin, json_body={
        "client_id": client["client_id"], "url": a.url,
        "events": ["registration.created", "registration.status_changed"],
    })
    if status != 201:
        sys.exit(f"registering the endpoint answered {status}: {hook}")
    print(f"webhook endpoint {hook['id']} for organisation {org['id']}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("receive")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--count-file", required=True)
    s = sub.add_parser("subscribe")
    s.add_argument("--base", required=True)
    s.add_argument("--admin-email", required=True)
    s.add_argument("--admin-password", required=True)
    s.add_argument("--org-name", default="Bench org")
    s.add_argument("--url", required=True)
    a = p.parse_args()
    receive(a) if a.command == "receive" else subscribe(a)


if __name__ == "__main__":
    main()
