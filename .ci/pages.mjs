// The pages a person opens from a mail or a QR code, in a real browser (Debian's Chromium,
// driven by playwright-core), each checked with axe-core: no serious or critical
// accessibility violation.
//
//   node .ci/pages.mjs  (with PAGES_* set by .ci/pages.sh)
//
// PAGES_VALID and PAGES_REVOKED are verification URLs, PAGES_RESET a password link from a
// mail, PAGES_CHECK_IN the check-in link of a session running now, PAGES_EMAIL the
// participant who resets their password and checks in with it, PAGES_BASE the service and
// PAGES_ADMIN_EMAIL the demo admin who signs in on /docs.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(process.env.PAGES_NODE_MODULES + "/");
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
let failures = 0;
const fail = (what) => {
  console.error(`FAIL ${what}`);
  failures += 1;
};

async function accessible(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const serious = result.violations.filter((v) => ["serious", "critical"].includes(v.impact));
  for (const v of serious) {
    fail(`${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  }
  const minor = result.violations.length - serious.length;
  console.log(`${name}: axe found ${serious.length} serious, ${minor} minor`);
}

async function expectText(page, name, text) {
  const body = await page.textContent("body");
  if (!body.includes(text)) fail(`${name}: "${text}" not on the page: ${body.slice(0, 400)}`);
  else console.log(`${name}: shows "${text}"`);
}

// The pages allow no script at all (CSP); axe is injected past it, as a tester would.
const context = await browser.newContext({ locale: "nl-NL", bypassCSP: true });
const page = await context.newPage();

// The certificate's QR code: a valid and a revoked one.
await page.goto(env("PAGES_VALID"));
await expectText(page, "valid certificate", "Geldig.");
await accessible(page, "verification page (valid)");
await page.goto(env("PAGES_REVOKED"));
await expectText(page, "revoked certificate", "Ingetrokken.");
await accessible(page, "verification page (revoked)");

// The password link of a reset mail: the form, a mismatch, then the new password.
await page.goto(env("PAGES_RESET"));
await accessible(page, "password form");
await page.getByLabel("Nieuw wachtwoord").fill("een-nieuw-wachtwoord-1");
await page.getByLabel("Herhaal het wachtwoord").fill("iets-anders-getypt");
await page.getByRole("button", { name: "Wachtwoord instellen" }).click();
await expectText(page, "password mismatch", "De twee wachtwoorden zijn niet gelijk.");
await accessible(page, "password form with an error");
await page.getByLabel("Nieuw wachtwoord").fill("een-nieuw-wachtwoord-1");
await page.getByLabel("Herhaal het wachtwoord").fill("een-nieuw-wachtwoord-1");
await page.getByRole("button", { name: "Wachtwoord instellen" }).click();
await expectText(page, "password set", "Je wachtwoord is ingesteld");
await accessible(page, "password set");
// The link works once.
await page.goto(env("PAGES_RESET"));
await expectText(page, "used link", "Deze link werkt niet meer");

// The check-in QR code: sign in with the new password, checked in.
await page.goto(env("PAGES_CHECK_IN"));
await accessible(page, "check-in form");
await page.getByLabel("E-mailadres").fill(env("PAGES_EMAIL"));
await page.getByLabel("Wachtwoord").fill("een-nieuw-wachtwoord-1");
await page.getByRole("button", { name: "Aanmelden en inchecken" }).click();
await expectText(page, "check-in", "Je bent ingecheckt");
await accessible(page, "checked in");

// The edition page of a mail's "more about this edition".
await page.goto(env("PAGES_EDITION"));
await expectText(page, "edition page", "vrij");
await accessible(page, "edition page");

// The catalogue page of a points reminder.
await page.goto(env("PAGES_BASE") + "/catalogue");
await expectText(page, "catalogue page", "plaatsen vrij");
await accessible(page, "catalogue page");

// HR's approval request: sign in and approve.
await page.goto(env("PAGES_APPROVAL"));
await accessible(page, "approval form");
await page.getByLabel("E-mailadres").fill(env("PAGES_HR_EMAIL"));
await page.getByLabel("Wachtwoord").fill("demo-wachtwoord");
await page.getByLabel("Goedkeuren").check();
await page.getByRole("button", { name: "Aanmelden en besluiten" }).click();
await expectText(page, "approval", "De inschrijving is goedgekeurd");
await accessible(page, "approval decided");

// The evaluation invitation's page: the form, and a refusal told on the page.
await page.goto(env("PAGES_EVALUATION"));
await accessible(page, "evaluation form");
await page.getByLabel("E-mailadres").fill(env("PAGES_EMAIL"));
await page.getByLabel("Wachtwoord").fill("een-nieuw-wachtwoord-1");
await page.getByLabel("Cijfer (1 tot en met 10)").selectOption("8");
await page.getByRole("button", { name: "Aanmelden en versturen" }).click();
await page.waitForSelector("[role=alert], [role=status]");
await accessible(page, "evaluation answered");

// English, by the browser's language.
const english = await (await browser.newContext({ locale: "en-GB", bypassCSP: true })).newPage();
await english.goto(env("PAGES_VALID"));
await expectText(english, "English verification page", "Valid.");
await accessible(english, "verification page (English)");

// The API's docs: Swagger UI loads the served document; "Authorize" signs in with the
// password grant at the token endpoint, and "Try it out" then calls with that token.
const docs = await (await browser.newContext()).newPage();
await docs.goto(env("PAGES_BASE") + "/docs");
await docs.waitForSelector(".opblock", { timeout: 20000 });
console.log(`docs: ${await docs.locator(".opblock").count()} operations shown`);
await docs.getByRole("button", { name: "Authorize" }).first().click();
await docs.locator("#oauth_username").fill(env("PAGES_ADMIN_EMAIL"));
await docs.locator("#oauth_password").fill("demo-wachtwoord");
// The password flow is the last of the schemes in the dialog.
const [granted] = await Promise.all([
  docs.waitForResponse((r) => r.url().endsWith("/api/v1/auth/token")),
  docs.locator(".modal-ux button.authorize").last().click(),
]);
if (granted.status() !== 200) fail(`docs: the token endpoint answered ${granted.status()}: ${await granted.text()}`);
else console.log("docs: signed in with the password grant");
await docs.locator(".modal-ux button.btn-done").last().click();
const me = docs.locator("#operations-Auth-getMe");
await me.locator(".opblock-summary").click();
await me.getByRole("button", { name: "Try it out" }).click();
const [answer] = await Promise.all([
  docs.waitForResponse((r) => r.url().endsWith("/api/v1/me")),
  me.getByRole("button", { name: "Execute" }).click(),
]);
if (answer.status() !== 200) fail(`docs: GET /api/v1/me answered ${answer.status()}`);
else console.log("docs: GET /api/v1/me with the token from Authorize: 200");

await browser.close();
if (failures > 0) {
  console.error(`${failures} page check(s) failed`);
  process.exit(1);
}
console.log("all pages work in Chromium and pass axe-core");
