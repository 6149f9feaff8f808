// The developer programme's whole journey in real headless Chromium, without JavaScript on a
// phone-sized screen: sign up, confirm the mailed code, a sandbox whose test sign-in completes a
// SMART launch, a production access request, a reviewer verifying and enabling it from the review
// pages, and the app then completing a SMART launch on two practices with the same client id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { launchChromium, listenOnLoopback, startFlint } from './support/flint.mjs';

const ADMIN_KEY = 'developer-portal-admin-key';
const suffix = `${process.pid}-${Date.now() % 100000}`;
const practices = [`portal-a-${suffix}`, `portal-b-${suffix}`];
const developerEmail = `dev-${suffix}@acme.example`;
const reviewerEmail = `reviewer-${suffix}@flint.example`;
const password = 'correct horse battery';
let flint, base, appServer, appOrigin, browser;
const callbacks = [];

async function call(method, path, body, token = ADMIN_KEY) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function mailedCode(email) {
  const mails = await call('GET', `/admin/developer/outbox?to=${encodeURIComponent(email)}`);
  const m = mails[0]?.body.match(/code is (\d{6})/);
  assert.ok(m, `no code mailed to ${email}: ${JSON.stringify(mails[0])}`);
  return m[1];
}

before(async () => {
  ({ child: flint, base } = await startFlint(['--admin-key', ADMIN_KEY]));
  for (const name of practices) {
    await call('POST', '/admin/instances', { name, organization: { name: `Practice ${name}` }, patientPortal: true });
    const seeded = spawnSync(process.env.FLINT_BIN, ['seed', '--instance', name, '--patients', '2', '--seed', '3'],
                             { encoding: 'utf8' });
    assert.equal(seeded.status, 0, seeded.stderr);
  }
  appServer = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/callback') callbacks.push(url.searchParams);
    res.end('app received the redirect');
  });
  appOrigin = await listenOnLoopback(appServer);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  appServer?.close();
  flint?.kill('SIGTERM');
});

const phone = () => browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });

async function noSidewaysScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${page.url()} is ${overflow}px wider than the screen`);
}

async function signUpAndIn(page, email) {
  await page.goto(`${base}/developer/signup`);
  await page.fill('#email', email);
  await page.fill('#password', 'short');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('#password + .field-error'), /10 to 256 characters/);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.notice'), /six-digit code/);
  await page.fill('#code', '000000');
  await page.click('form[action="/developer/confirm"] button[type=submit]');
  assert.ok(await page.isVisible('.error'), 'a wrong code is refused');
  await page.fill('#code', await mailedCode(email));
  await page.click('form[action="/developer/confirm"] button[type=submit]');
  assert.match(await page.textContent('.notice'), /confirmed/);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  assert.match(await page.textContent('h1'), /Your applications/);
}

// A patient-directed app's launch as its user makes it: authorize, sign in, allow; then the
// app's back end trades the code (a public client with PKCE) and reads the patient.
async function patientLaunch(context, instance, clientId, username, userPassword) {
  const page = await context.newPage();
  const verifier = randomBytes(32).toString('base64url');
  const fhirBase = `${base}/${instance}/fhir`;
  const params = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: `${appOrigin}/callback`,
    scope: 'launch/patient openid fhirUser patient/Patient.rs', state: `s-${instance}`, aud: fhirBase,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  await page.goto(`${base}/${instance}/auth/authorize?${params}`);
  await page.fill('#username', username);
  await page.fill('#password', userPassword);
  await page.click('button[type=submit]');
  await page.click('button[value=allow]');
  await page.waitForURL(`${appOrigin}/callback?**`);
  const got = callbacks.at(-1);
  assert.equal(got.get('state'), `s-${instance}`);
  const res = await fetch(`${base}/${instance}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: got.get('code'), redirect_uri: `${appOrigin}/callback`,
                                client_id: clientId, code_verifier: verifier }),
  });
  const token = await res.json();
  assert.equal(res.status, 200, JSON.stringify(token));
  const read = await fetch(`${fhirBase}/Patient/${token.patient}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  assert.equal(read.status, 200);
  await page.close();
  return token;
}

test('a developer gets a sandbox, then production access on every portal with one client id', async () => {
  const context = await phone();
  const page = await context.newPage();
  await signUpAndIn(page, developerEmail);
  await noSidewaysScroll(page);

  // A sandbox at once, before any verification; its test patient completes a launch there.
  const sandboxName = `mine-${suffix}`;
  await page.fill('#sandbox-name', sandboxName);
  await page.fill('#sandbox-patients', '2');
  await page.click('form[action="/developer/sandboxes"] button[type=submit]');
  assert.match(await page.textContent('h1'), new RegExp(`sandbox-${sandboxName}`));
  const sandboxPassword = (await page.textContent('li:has-text("Patient") .password')).trim();
  assert.ok(sandboxPassword.length >= 12);
  await noSidewaysScroll(page);

  // The access request, first with a problem the form shows next to its field.
  await page.goto(`${base}/developer/requests/new`);
  await page.fill('#org-name', 'Acme Health, Inc.');
  await page.fill('#org-domain', 'acme.example');
  await page.check('input[value=duns]');
  await page.fill('#org-number', '12-345-6789');
  await page.fill('#contact-name', 'Ann Lee');
  await page.fill('#contact-email', 'ann@gmail.com');
  await page.fill('#app-name', 'Acme Records');
  await page.fill('#app-description', 'Shows people their health records.');
  await page.check('input[value=patient-directed]');
  await page.fill('#app-redirects', `${appOrigin}/callback`);
  await page.fill('#att-privacy', 'https://acme.example/privacy');
  await page.fill('#att-terms', 'https://acme.example/terms');
  await page.check('input[name="attestations.lawfulUse"]');
  await page.check('input[name="attestations.compliance"]');
  await page.check('input[name="termsOfUse.accepted"]');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('#contact-email + .field-error'), /organisation's domain/);
  assert.equal(await page.inputValue('#app-name'), 'Acme Records', 'the form keeps what was typed');
  await page.fill('#contact-email', 'ann@acme.example');
  await page.check('input[name="termsOfUse.accepted"]');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('.notice'), /Request received/);
  assert.match(await page.textContent('body'), /received/);
  const requestUrl = page.url();
  const requestId = requestUrl.match(/requests\/(\d+)/)[1];
  await noSidewaysScroll(page);

  // The app is in the sandbox at once, under a sandbox-only client id.
  await page.goto(`${base}/developer/home`);
  const sandboxClient = (await page.textContent('.sandbox-client')).trim();
  assert.match(sandboxClient, /^sandbox-/);
  await patientLaunch(context, `sandbox-${sandboxName}`, sandboxClient, 'test-patient', sandboxPassword);

  // A reviewer verifies and enables it from the review pages.
  await call('POST', '/developer/api/accounts', { email: reviewerEmail, password });
  await call('POST', '/developer/api/accounts/confirm', { email: reviewerEmail, code: await mailedCode(reviewerEmail) });
  await call('PUT', `/admin/developer/reviewers/${encodeURIComponent(reviewerEmail)}`);
  const staff = await phone();
  const desk = await staff.newPage();
  await desk.goto(`${base}/developer/signin`);
  await desk.fill('#email', reviewerEmail);
  await desk.fill('#password', password);
  await desk.click('button[type=submit]');
  await desk.click('text=Review queue');
  assert.match(await desk.textContent('table'), /Acme Records/);
  await noSidewaysScroll(desk);
  await desk.click(`a[href="/developer/review/${requestId}"]`);
  assert.match(await desk.textContent('body'), /D-U-N-S 123456789/);
  assert.equal(await desk.locator('select[name=reason] option').count() >= 3, true, 'denials come from a fixed list');
  await desk.click('button:has-text("Verify identity")');
  assert.match(await desk.textContent('dd strong'), /verified/);
  await desk.click('button:has-text("Enable for production")');
  assert.match(await desk.textContent('dd strong'), /enabled/);
  assert.match(await desk.textContent('body'), new RegExp(`reviewer ${reviewerEmail}`));
  await staff.close();

  // The developer sees the client id and every practice's base URL; the app launches on both.
  await page.goto(requestUrl);
  const clientId = (await page.textContent('dt:has-text("Client id") + dd')).trim();
  assert.notEqual(clientId, sandboxClient);
  for (const practice of practices) assert.match(await page.textContent('body'), new RegExp(`${base}/${practice}/fhir`));
  const first = await patientLaunch(context, practices[0], clientId, 'demo-patient', 'demo-patient-password');
  const second = await patientLaunch(context, practices[1], clientId, 'demo-patient', 'demo-patient-password');
  assert.ok(first.access_token && second.access_token);
  assert.equal((await fetch(`${base}/${practices[1]}/fhir/Patient/${first.patient}`,
                            { headers: { Authorization: `Bearer ${first.access_token}` } })).status, 401,
               "one practice's token is not another's");
  await context.close();
});

test('the portal refuses a form without its session token, and its pages need signing in', async () => {
  const context = await phone();
  const page = await context.newPage();
  await page.goto(`${base}/developer/home`);
  assert.match(page.url(), /\/developer\/signin$/);
  const forged = await fetch(`${base}/developer/sandboxes`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=forged&patients=1',
    redirect: 'manual',
  });
  assert.equal(forged.status, 303, 'no session: sent to sign in');
  await signUpAndIn(page, `forger-${suffix}@acme.example`);
  const cookie = (await context.cookies()).find((c) => c.name === 'flint_developer');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict');
  const noToken = await fetch(`${base}/developer/sandboxes`, {
    method: 'POST', body: 'name=forged&patients=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `flint_developer=${cookie.value}` },
  });
  assert.equal(noToken.status, 403);
  await page.goto(`${base}/developer/review`);
  assert.match(await page.textContent('.error'), /reviewers/);
  await context.close();
});

test("a practice admin authorises a population app for the practice on the practice's page", async () => {
  const practice = practices[0];
  const email = `backend-${suffix}@acme.example`;
  await call('POST', '/developer/api/accounts', { email, password });
  await call('POST', '/developer/api/accounts/confirm', { email, code: await mailedCode(email) });
  const session = (await call('POST', '/developer/api/sessions', { email, password })).token;
  const terms = await call('GET', '/developer/api/terms');
  const request = await call('POST', '/developer/api/requests', {
    organization: { legalName: 'Acme Analytics, Inc.', domain: 'acme.example', identifier: { kind: 'duns', number: '987654321' } },
    contact: { name: 'Bo Chen', email: 'bo@acme.example' },
    application: { name: 'Acme Population Insights', description: 'Quality measures for the practice.', accessModel: 'population',
                   jwksUrl: 'https://acme.example/jwks.json' },
    attestations: { privacyPolicyUrl: 'https://acme.example/privacy', termsUrl: 'https://acme.example/terms', lawfulUse: true, compliance: true },
    termsOfUse: { accepted: true, version: terms.version },
  }, session);
  await call('POST', `/admin/developer/requests/${request.id}/verify`, {});
  const enabled = await call('POST', `/admin/developer/requests/${request.id}/enable`, {});
  await call('POST', `/admin/instances/${practice}/users`,
             { username: 'practice-boss', password: 'practice-boss-password', fhirUser: 'Practitioner/p1', practiceAdmin: true });
  const hasClient = async () => (await call('GET', `/admin/instances/${practice}/clients`))
    .some((c) => c.clientId === enabled.clientId && !c.disabled);
  assert.equal(await hasClient(), false, 'enabled is only available: no practice, no data');

  const context = await phone();
  const page = await context.newPage();
  await page.goto(`${base}/${practice}/auth/practice-apps`);
  await page.fill('#username', 'practice-boss');
  await page.fill('#password', 'practice-boss-password');
  await page.click('button[type=submit]');
  const app = page.locator('fieldset', { hasText: 'Acme Population Insights' });
  assert.match(await app.textContent(), /Not authorised/);
  await app.locator('input[name=scope]').fill('system/Patient.rs system/Observation.rs');
  await app.locator('button[value=authorize]').click();
  assert.match(await page.locator('fieldset', { hasText: 'Acme Population Insights' }).textContent(),
               /Authorised: system\/Patient.rs system\/Observation.rs/);
  await noSidewaysScroll(page);
  assert.equal(await hasClient(), true);
  await context.close();
});
