// Flint's sign-in, consent and app-management pages in real headless Chromium (without
// JavaScript, on a phone-sized screen), and the official SMART client (fhirclient) completing a
// standalone launch against Flint and reading the patient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { launchChromium, listenOnLoopback, startFlint } from './support/flint.mjs';

const ADMIN_KEY = 'browser-test-admin-key';
const FHIRCLIENT = new URL('./vendor/fhir-client-2.6.3.js', import.meta.url);
let flint, base, appServer, appOrigin, browser;
const instance = `browser-${process.pid}-${Date.now() % 100000}`;
const callbacks = [];

async function admin(path, body) {
  const res = await fetch(`${base}/admin${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.status < 300, `admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const fhirBase = () => `${base}/${instance}/fhir`;
const authBase = () => `${base}/${instance}/auth`;

before(async () => {
  ({ child: flint, base } = await startFlint(['--admin-key', ADMIN_KEY]));
  await admin('/instances', { name: instance, organization: { name: 'Browser Test Practice' }, patientPortal: true });
  const seeded = spawnSync(process.env.FLINT_BIN, ['seed', '--instance', instance, '--patients', '3', '--seed', '5'],
                           { encoding: 'utf8' });
  assert.equal(seeded.status, 0, seeded.stderr);

  // The app side: a redirect target that records what it was given, and the fhirclient pages.
  appServer = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/ehr-launch') {
      // The app's launch URI: it answers the EHR's launch with its authorization request.
      const params = new URLSearchParams({
        response_type: 'code', client_id: appServer.ehrClientId, redirect_uri: `${appOrigin}/callback`,
        scope: 'launch openid fhirUser user/*.rs', state: 'ehr-state', aud: url.searchParams.get('iss'),
        launch: url.searchParams.get('launch'), code_challenge: appServer.ehrChallenge, code_challenge_method: 'S256',
      });
      res.statusCode = 302;
      res.setHeader('Location', `${authBase()}/authorize?${params}`);
      res.end();
    } else if (url.pathname === '/callback') {
      callbacks.push(url.searchParams);
      res.end('app received the redirect');
    } else if (url.pathname === '/fhir-client.js') {
      res.setHeader('Content-Type', 'text/javascript');
      res.end(readFileSync(FHIRCLIENT));
    } else if (url.pathname === '/launch.html') {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><script src="/fhir-client.js"></script><script>
        FHIR.oauth2.authorize({ clientId: ${JSON.stringify(appServer.publicClientId)},
          scope: 'launch/patient openid fhirUser patient/*.rs', redirectUri: 'index.html',
          iss: ${JSON.stringify(fhirBase())} });</script>`);
    } else if (url.pathname === '/index.html') {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><title>waiting</title><script src="/fhir-client.js"></script><script>
        FHIR.oauth2.ready().then(client => client.patient.read())
          .then(p => { document.title = 'patient:' + p.id; })
          .catch(e => { document.title = 'error:' + e.message; });</script>`);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  appOrigin = await listenOnLoopback(appServer);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  appServer?.close();
  flint?.kill('SIGTERM');
});

const b64url = (buf) => buf.toString('base64url');

// The app's back end trading its code for tokens (client_secret_basic).
async function exchangeCode(app, code, verifier) {
  const res = await fetch(`${authBase()}/token`, {
    method: 'POST',
    headers: { Authorization: 'Basic ' + Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64'),
               'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${appOrigin}/callback`,
                                code_verifier: verifier }),
  });
  const token = await res.json();
  assert.equal(res.status, 200, JSON.stringify(token));
  return token;
}

test('a patient signs in, unticks a record type, and the app gets exactly what was shared; then revokes it', async () => {
  const app = await admin(`/instances/${instance}/clients`, {
    name: 'Browser Diary', type: 'confidential-symmetric', redirectUris: [`${appOrigin}/callback`],
    scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
  });
  // No JavaScript and a phone's screen: the pages must work as plain HTML forms.
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  const verifier = b64url(randomBytes(32));
  const params = new URLSearchParams({
    response_type: 'code', client_id: app.clientId, redirect_uri: `${appOrigin}/callback`,
    scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs patient/Condition.rs',
    state: 'browser-state', aud: fhirBase(), code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  });
  await page.goto(`${authBase()}/authorize?${params}`);
  assert.match(await page.textContent('h1'), /Sign in/);
  await page.fill('#username', 'demo-patient');
  await page.fill('#password', 'wrong password!');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.error'), /not right/);
  await page.fill('#username', 'demo-patient');
  await page.fill('#password', 'demo-patient-password');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('body'), /Browser Diary/);
  assert.ok(await page.isChecked('input[name=offline]'), 'offline access is explained and can be refused');
  await page.uncheck('input[name=scope][value="patient/Condition.rs"]');
  await page.click('button[value=allow]');
  await page.waitForURL(`${appOrigin}/callback?**`);
  const got = callbacks.at(-1);
  assert.equal(got.get('state'), 'browser-state');

  const token = await exchangeCode(app, got.get('code'), verifier);
  assert.equal(token.scope, 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs');
  const read = (path) => fetch(`${fhirBase()}/${path}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
  assert.equal((await read(`Patient/${token.patient}`)).status, 200);
  assert.equal((await read('Condition')).status, 403);

  // The patient's own page lists the app and revokes it; the token stops working.
  await page.goto(`${authBase()}/manage`);
  assert.match(await page.textContent('body'), /Browser Diary/);
  await page.click('text=Revoke access');
  assert.match(await page.textContent('body'), /Access revoked/);
  assert.equal((await read(`Patient/${token.patient}`)).status, 401);
  await context.close();
});

test('a clinician launches an app from the EHR with the patient and encounter in context', async () => {
  const app = await admin(`/instances/${instance}/clients`, {
    name: 'Chart Helper', type: 'confidential-symmetric', redirectUris: [`${appOrigin}/callback`],
    launchUri: `${appOrigin}/ehr-launch`, scope: 'launch openid fhirUser user/*.rs',
  });
  const verifier = b64url(randomBytes(32));
  appServer.ehrClientId = app.clientId;
  appServer.ehrChallenge = b64url(createHash('sha256').update(verifier).digest());
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${authBase()}/manage`);
  await page.fill('#username', 'demo-clinician');
  await page.fill('#password', 'demo-clinician-password');
  await page.click('button[type=submit]');
  // The EHR screen asks Flint for a launch with its session, then opens the app's launch URL.
  const users = await admin(`/instances/${instance}/users`);
  const patientId = users.find((u) => u.username === 'demo-patient').fhirUser.split('/')[1];
  // (The request shares the browser's cookies, as the EHR's own front end would.)
  const launchRes = await context.request.post(`${authBase()}/launch`, {
    headers: { 'Content-Type': 'application/json' },
    data: JSON.stringify({ clientId: app.clientId, patient: patientId, encounter: 'enc-9' }),
  });
  const launch = await launchRes.json();
  assert.equal(launchRes.status(), 201, JSON.stringify(launch));
  await page.goto(launch.launchUrl);
  await page.click('button[value=allow]');
  await page.waitForURL(`${appOrigin}/callback?**`);
  const got = callbacks.at(-1);
  assert.equal(got.get('state'), 'ehr-state');
  const token = await exchangeCode(app, got.get('code'), verifier);
  assert.equal(token.patient, patientId);
  assert.equal(token.encounter, 'enc-9');
  assert.equal(token.need_patient_banner, false);
  await context.close();
});

test('the pages fit a phone screen without sideways scrolling', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await context.newPage();
  await page.goto(`${authBase()}/manage`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await context.close();
});

test('the official SMART client completes a standalone launch and reads the patient', async () => {
  const app = await admin(`/instances/${instance}/clients`, {
    name: 'fhirclient demo', type: 'public', redirectUris: [`${appOrigin}/index.html`],
    scope: 'launch/patient openid fhirUser patient/*.rs',
  });
  appServer.publicClientId = app.clientId;
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${appOrigin}/launch.html`);
  await page.waitForSelector('#username');
  await page.fill('#username', 'demo-patient');
  await page.fill('#password', 'demo-patient-password');
  await page.click('button[type=submit]');
  await page.click('button[value=allow]');
  await page.waitForFunction(() => document.title !== 'waiting' && document.title !== '', null, { timeout: 15000 });
  const title = await page.title();
  const users = await admin(`/instances/${instance}/users`);
  const patientId = users.find((u) => u.username === 'demo-patient').fhirUser.split('/')[1];
  assert.equal(title, `patient:${patientId}`);
  await context.close();
});
