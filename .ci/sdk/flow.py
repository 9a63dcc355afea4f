"""A partner's flow through the Python SDK that openapi-python-client generated from the
served document, against the demo: no raw HTTP.

The academy's admin registers a partner client for Triade Vitree; the client signs in
with client credentials, reads the catalogue with filters, finds one of its people,
registers them, lists their registrations, reads the completions report and fetches a
certificate with its PDF.

    python flow.py BASE_URL   (the generated package `academy_api_client` on the path)
"""

import datetime
import sys
import uuid

from academy_api_client import AuthenticatedClient, Client
from academy_api_client.api.auth import create_token
from academy_api_client.api.catalog import list_editions
from academy_api_client.api.certificates import (
    get_certificate,
    get_certificate_pdf,
    list_certificates,
)
from academy_api_client.api.clients import create_client
from academy_api_client.api.organizations import list_organizations
from academy_api_client.api.registrations import (
    create_registration,
    list_user_registrations,
)
from academy_api_client.api.reports import report_completions
from academy_api_client.api.users import list_users
from academy_api_client.models import (
    EditionStatus,
    NewClient,
    NewRegistration,
    OrganizationKind,
    Scope,
    TokenRequest,
    TokenRequestGrantType,
)

ADMIN = "beheer@flevoacademiejeugd.nl"
PASSWORD = "demo-wachtwoord"
ORGANISATION = "Triade Vitree"


def check(condition, what):
    if not condition:
        sys.exit(f"python SDK flow: {what}")
    print(f"python SDK flow: {what}: ok")


def signed_in(base, form):
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    resp = create_token.sync_detailed(client=anonymous, body=form)
    check(resp.status_code == 200, f"token ({form.grant_type.value}) is {resp.status_code}")
    return AuthenticatedClient(
        base_url=base, token=resp.parsed.access_token, raise_on_unexpected_status=True
    )


def main(base):
    admin = signed_in(
        base,
        TokenRequest(
            grant_type=TokenRequestGrantType.PASSWORD, username=ADMIN, password=PASSWORD
        ),
    )
    orgs = list_organizations.sync(client=admin, kind=OrganizationKind.PROVIDER, limit=200)
    org = next(o for o in orgs.items if o.name == ORGANISATION)
    created = create_client.sync(
        client=admin,
        body=NewClient(
            name=f"Intranet {uuid.uuid4().hex[:6]}",
            organization_id=org.id,
            scopes=[
                Scope.CATALOGREAD,
                Scope.REGISTRATIONSWRITE,
                Scope.REPORTSREAD,
                Scope.CERTIFICATESREAD,
                Scope.USERSREAD,
            ],
        ),
    )
    check(created.client_secret, "the admin registered a partner client")

    partner = signed_in(
        base,
        TokenRequest(
            grant_type=TokenRequestGrantType.CLIENT_CREDENTIALS,
            client_id=str(created.client_id),
            client_secret=created.client_secret,
        ),
    )

    # The catalogue: published editions with seats, from today.
    today = datetime.datetime.now(datetime.timezone.utc)
    editions = list_editions.sync(
        client=partner, status=EditionStatus.PUBLISHED, has_seats=True, from_=today, limit=50
    )
    check(editions.items, f"{len(editions.items)} editions with seats")
    check(
        all(e.status == EditionStatus.PUBLISHED for e in editions.items),
        "the filter holds",
    )

    # One of the organisation's people, and an edition they are not in yet.
    people = list_users.sync(client=partner, limit=200)
    check(people.items, f"{len(people.items)} people of {ORGANISATION}")
    check(all(p.organization_id == org.id for p in people.items), "all of them its own")
    candidates = []
    for p in people.items:
        if "professional" not in [r.value for r in p.roles]:
            continue
        theirs = list_user_registrations.sync(p.id, client=partner, limit=200)
        taken = {r.edition.id for r in theirs.items}
        candidates += [(p, e) for e in editions.items if e.id not in taken]
    check(candidates, "a professional and an edition they are not in yet")
    person, edition = candidates[0]

    resp = create_registration.sync_detailed(
        edition.id,
        client=partner,
        body=NewRegistration(user_id=person.id),
        idempotency_key=str(uuid.uuid4()),
    )
    check(resp.status_code == 201, f"registered {person.name}: {resp.parsed.status.value}")
    registration = resp.parsed

    after = list_user_registrations.sync(person.id, client=partner, limit=200)
    check(
        registration.id in {r.id for r in after.items},
        "the registration is among the person's",
    )

    report = report_completions.sync(client=partner, limit=200)
    check(report.items, f"the completions report has {len(report.items)} rows")

    certificates = list_certificates.sync(client=partner, limit=10)
    check(certificates.items, f"{len(certificates.items)} certificates of its people")
    first = certificates.items[0]
    one = get_certificate.sync(first.id, client=partner)
    check(one.id == first.id and one.holder_name, f"certificate of {one.holder_name}")
    pdf = get_certificate_pdf.sync(first.id, client=partner)
    check(pdf.payload.read(5) == b"%PDF-", "its PDF")


if __name__ == "__main__":
    main(sys.argv[1])
