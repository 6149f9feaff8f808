// The provider companion in real headless Chromium at phone width without JavaScript: a staff
// member signs in and finds the practice's global apps in the launcher; a patient cannot sign in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { launchChromium, listenOnLoopback, startFlint } from './support/flint.mjs';

const ADMIN_KEY = 'companion-admin-key';
const instance = `companion-${process.pid}-${Date.now() % 100000}`;
let flint, base, browser, appServer, appOrigin, boardClient;

async function admin(path, body) {
  const res = await fetch(`${base}/admin${path}`, {
    method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const app = (cls, scope, name) => ({
  class: cls, name, description: `${name} for the practice`, icon: 'assets/icon.png', scope,
  launch_url: `https://apps.example/${cls}/launch`, redirect_uris: [`https://apps.example/${cls}/callback`],
});

// The plugin's web app: its launch URL answers with the SMART authorization request (the
// companion's launch completes without a page), and its page closes itself with CLOSE_MODAL over
// the MessagePort the companion hands it.
function startApp() {
  appServer = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/launch') {
      const params = new URLSearchParams({
        response_type: 'code', client_id: boardClient, redirect_uri: `${appOrigin}/callback`, scope: 'launch openid fhirUser user/Patient.rs',
        state: 'board', aud: url.searchParams.get('iss'), launch: url.searchParams.get('launch'),
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      });
      res.statusCode = 302;
      res.setHeader('Location', `${base}/${instance}/auth/authorize?${params}`);
      res.end();
    } else if (url.pathname === '/callback') {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><title>waiting</title><p id="code">${url.searchParams.has('code') ? 'code' : 'no code'}</p>
        <p id="state">waiting</p><button id="done">Done</button><script>
        let port;
        window.addEventListener('message', (e) => {
          if (e.data && e.data.type === 'INIT_CHANNEL') { port = e.ports[0]; document.getElementById('state').textContent = 'ready'; }
        });
        document.getElementById('done').onclick = () => port.postMessage({ type: 'CLOSE_MODAL' });
        </script>`);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return listenOnLoopback(appServer).then((origin) => { appOrigin = origin; });
}

before(async () => {
  ({ child: flint, base } = await startFlint(['--admin-key', ADMIN_KEY]));
  await startApp();
  await admin('/instances', { name: instance, organization: { name: 'Riverside Clinic' }, patientPortal: true });
  const board = { ...app('rounds.Board', 'provider_companion_global', 'Ward board'),
                  launch_url: `${appOrigin}/launch`, redirect_uris: [`${appOrigin}/callback`] };
  const installed = await admin(`/instances/${instance}/plugins`, {
    manifest: {
      sdk_version: '0.203.0', plugin_version: '1.0.0', name: 'rounds', description: 'Ward rounds',
      components: { applications: [board, app('rounds.Tab', 'provider_companion_patient_specific', 'Care plan')] },
      url_permissions: [{ url: `${appOrigin}/`, permissions: ['SCRIPTS'] }],
      tags: {}, license: '', readme: false,
    },
  });
  boardClient = installed.applications.find((a) => a.class === 'rounds.Board').clientId;
  const seeded = spawnSync(process.env.FLINT_BIN, ['seed', '--instance', instance, '--patients', '2', '--seed', '7'], { encoding: 'utf8' });
  assert.equal(seeded.status, 0, seeded.stderr);
  await admin(`/instances/${instance}/users`, { username: 'nurse', password: 'nurse-password', fhirUser: 'Practitioner/p1', displayName: 'Nurse Joy' });
  await admin(`/instances/${instance}/users`, { username: 'pat', password: 'pat-password', fhirUser: 'Patient/x' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  appServer?.close();
  flint?.kill('SIGTERM');
});

test('staff sign in on a phone and see the launcher; patients are turned away', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${base}/${instance}/companion/`);
  assert.match(await page.textContent('h1'), /Staff sign-in/);
  await page.fill('#username', 'pat');
  await page.fill('#password', 'pat-password');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('.error'), /for the practice's staff/);
  await page.fill('#username', 'nurse');
  await page.fill('#password', 'nurse-password');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('main'), /Signed in as Nurse Joy/);
  assert.match(await page.textContent('ul.apps'), /Ward board/);
  assert.doesNotMatch(await page.textContent('ul.apps'), /Care plan/);
  const icon = await page.$eval('ul.apps img', (img) => img.naturalWidth);
  assert.equal(icon, 48, 'the icon Flint draws for a package path loads');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the launcher is ${overflow}px wider than the screen`);
  await page.click('header button');
  assert.match(await page.textContent('h1'), /Staff sign-in/);
  await context.close();
});

test('an app opens in the companion, completes its launch without a page, and closes itself with CLOSE_MODAL', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/${instance}/companion/`);
  await page.fill('#username', 'nurse');
  await page.fill('#password', 'nurse-password');
  await page.click('main button[type=submit]');
  await page.click('text=Ward board');
  assert.match(await page.textContent('h1'), /Ward board/);
  const frame = page.frameLocator('#app-frame');
  assert.equal(await frame.locator('#code').textContent(), 'code', 'the launch gave the app a code');
  assert.equal(await page.getAttribute('#app-frame', 'sandbox'), 'allow-forms allow-scripts');
  assert.equal(await page.evaluate(() => document.getElementById('app-frame').contentDocument), null,
               'the app runs in an opaque origin: it cannot reach into the companion');
  await frame.locator('#state', { hasText: 'ready' }).waitFor();
  await frame.locator('#done').click();
  await page.waitForURL(`${base}/${instance}/companion/`);
  assert.match(await page.textContent('main'), /Signed in as Nurse Joy/);
  await context.close();
});

test('on a phone, staff find a patient, read the timeline, and reach the patient and note apps', async () => {
  const users = await (await fetch(`${base}/admin/instances/${instance}/users`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })).json();
  const patientId = users.find((u) => u.username === 'demo-patient').fhirUser.split('/')[1];
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${base}/${instance}/companion/`);
  await page.fill('#username', 'nurse');
  await page.fill('#password', 'nurse-password');
  await page.click('main button[type=submit]');
  await page.goto(`${base}/${instance}/companion/patients/${patientId}`);
  const banner = await page.textContent('#banner');
  const family = banner.split(' · ')[0].split(' ').at(-1);
  await page.goto(`${base}/${instance}/companion/`);
  await page.fill('#name', family);
  await page.click('form[method=get] button[type=submit]');
  await page.click(`a[href="/${instance}/companion/patients/${patientId}"]`);
  assert.equal(await page.textContent('#banner'), banner);
  assert.match(await page.textContent('nav.tabs'), /Timeline/);
  assert.match(await page.textContent('nav.tabs'), /Care plan/, 'a tab per patient-specific app');
  assert.ok(await page.locator('h2', { hasText: 'Observations' }).count() === 1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the patient page is ${overflow}px wider than the screen`);
  await page.click('section:has(h2:text("Encounters")) ul.list a >> nth=0');
  assert.match(page.url(), new RegExp(`/patients/${patientId}/encounters/`));
  assert.equal(await page.textContent('#banner'), banner);
  await page.click('text=Back to the patient');
  await page.click('a.tab:text("Care plan")');
  assert.match(await page.textContent('h1'), /Care plan/);
  assert.equal(await page.getAttribute('#app-frame', 'sandbox'), 'allow-forms', 'no url_permissions for that origin: no scripts');
  assert.match(await page.getAttribute('#app-frame', 'src'), new RegExp(`^https://apps\\.example/rounds\\.Tab/launch\\?iss=.*&launch=`));
  await context.close();
});
