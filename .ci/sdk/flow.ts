// A partner's flow through the TypeScript SDK that @hey-api/openapi-ts generated from the
// served document, against the demo: no raw HTTP. The same steps as flow.py: the admin
// registers a partner client for Triade Vitree, which signs in with client credentials,
// reads the catalogue with filters, finds one of its people, registers them, lists their
// registrations, reads the completions report and fetches a certificate with its PDF.
//
//   tsx flow.ts BASE_URL   (the generated SDK in ./generated)

import { createClient, type Client } from './generated/client';
import {
  createClient as createPartnerClient,
  createRegistration,
  createToken,
  getCertificate,
  getCertificatePdf,
  listCertificates,
  listEditions,
  listOrganizations,
  listUserRegistrations,
  listUsers,
  reportCompletions,
  type TokenRequest,
} from './generated';

const ADMIN = 'beheer@flevoacademiejeugd.nl';
const PASSWORD = 'demo-wachtwoord';
const ORGANISATION = 'Triade Vitree';

function check(condition: unknown, what: string): void {
  if (!condition) {
    console.error(`typescript SDK flow: ${what}`);
    process.exit(1);
  }
  console.log(`typescript SDK flow: ${what}: ok`);
}

async function signedIn(base: string, form: TokenRequest): Promise<Client> {
  const anonymous = createClient({ baseUrl: base });
  const { data, response } = await createToken({ client: anonymous, body: form });
  check(response?.status === 200 && data, `token (${form.grant_type}) is ${response?.status}`);
  return createClient({ baseUrl: base, auth: data!.access_token, throwOnError: true });
}

async function main(base: string): Promise<void> {
  const admin = await signedIn(base, {
    grant_type: 'password',
    username: ADMIN,
    password: PASSWORD,
  });
  const { data: orgs } = await listOrganizations({
    client: admin,
    query: { kind: 'provider', limit: 200 },
    throwOnError: true,
  });
  const org = orgs.items.find((o) => o.name === ORGANISATION);
  check(org, `${ORGANISATION} is a provider`);
  const { data: created } = await createPartnerClient({
    client: admin,
    body: {
      name: `Intranet ${Math.random().toString(16).slice(2, 8)}`,
      organization_id: org!.id,
      scopes: [
        'catalog:read',
        'registrations:write',
        'reports:read',
        'certificates:read',
        'users:read',
      ],
    },
    throwOnError: true,
  });
  check(created.client_secret, 'the admin registered a partner client');

  const partner = await signedIn(base, {
    grant_type: 'client_credentials',
    client_id: created.client_id,
    client_secret: created.client_secret,
  });

  // The catalogue: published editions with seats, from today.
  const { data: editions } = await listEditions({
    client: partner,
    query: { status: 'published', has_seats: true, from: new Date().toISOString(), limit: 50 },
    throwOnError: true,
  });
  check(editions.items.length > 0, `${editions.items.length} editions with seats`);
  check(
    editions.items.every((e) => e.status === 'published'),
    'the filter holds',
  );

  // One of the organisation's people, and an edition they are not in yet.
  const { data: people } = await listUsers({
    client: partner,
    query: { limit: 200 },
    throwOnError: true,
  });
  check(people.items.length > 0, `${people.items.length} people of ${ORGANISATION}`);
  check(
    people.items.every((p) => p.organization_id === org!.id),
    'all of them its own',
  );
  const candidates: [(typeof people.items)[number], (typeof editions.items)[number]][] = [];
  for (const p of people.items.filter((p) => p.roles.includes('professional'))) {
    const { data: theirs } = await listUserRegistrations({
      client: partner,
      path: { id: p.id },
      query: { limit: 200 },
      throwOnError: true,
    });
    const taken = new Set(theirs.items.map((r) => r.edition.id));
    for (const e of editions.items.filter((e) => !taken.has(e.id))) {
      candidates.push([p, e]);
    }
  }
  check(candidates.length > 0, 'a professional and an edition they are not in yet');
  const [person, edition] = candidates[0];

  const { data: registration, response } = await createRegistration({
    client: partner,
    path: { id: edition.id },
    body: { user_id: person.id },
    headers: { 'Idempotency-Key': crypto.randomUUID() },
    throwOnError: true,
  });
  check(response?.status === 201, `registered ${person.name}: ${registration.status}`);

  const { data: after } = await listUserRegistrations({
    client: partner,
    path: { id: person.id },
    query: { limit: 200 },
    throwOnError: true,
  });
  check(
    after.items.some((r) => r.id === registration.id),
    "the registration is among the person's",
  );

  const { data: report } = await reportCompletions({
    client: partner,
    query: { limit: 200 },
    throwOnError: true,
  });
  check(report.items.length > 0, `the completions report has ${report.items.length} rows`);

  const { data: certificates } = await listCertificates({
    client: partner,
    query: { limit: 10 },
    throwOnError: true,
  });
  check(certificates.items.length > 0, `${certificates.items.length} certificates of its people`);
  const first = certificates.items[0];
  const { data: one } = await getCertificate({
    client: partner,
    path: { id: first.id },
    throwOnError: true,
  });
  check(one.id === first.id && one.holder_name, `certificate of ${one.holder_name}`);
  const { data: pdf } = await getCertificatePdf({
    client: partner,
    path: { id: first.id },
    parseAs: 'blob',
    throwOnError: true,
  });
  const head = new TextDecoder().decode(new Uint8Array(await (pdf as Blob).arrayBuffer()).slice(0, 5));
  check(head === '%PDF-', 'its PDF');
}

main(process.argv[2]).catch((e: unknown) => {
  console.error('typescript SDK flow failed:', e);
  process.exit(1);
});
