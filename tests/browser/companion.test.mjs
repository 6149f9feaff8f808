// The provider companion in real headless Chromium at phone width without JavaScript: a staff
// member signs in and finds the practice's global apps in the launcher; a patient cannot sign in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startFlint } from './support/flint.mjs';

const ADMIN_KEY = 'companion-admin-key';
const instance = `companion-${process.pid}-${Date.now() % 100000}`;
let flint, base, browser;

async function admin(path, body) {
  const res = await fetch(`${base}/admin${path}`, {
    method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(res.status < 300, `admin ${path}: ${res.status} ${await res.text()}`);
}

const app = (cls, scope, name) => ({
  class: cls, name, description: `${name} for the practice`, icon: 'assets/icon.png', scope,
  launch_url: `https://apps.example/${cls}/launch`, redirect_uris: [`https://apps.example/${cls}/callback`],
});

before(async () => {
  ({ child: flint, base } = await startFlint(['--admin-key', ADMIN_KEY]));
  await admin('/instances', { name: instance, organization: { name: 'Riverside Clinic' }, patientPortal: true });
  await admin(`/instances/${instance}/plugins`, {
    manifest: {
      sdk_version: '0.203.0', plugin_version: '1.0.0', name: 'rounds', description: 'Ward rounds',
      components: { applications: [app('rounds.Board', 'provider_companion_global', 'Ward board'),
                                   app('rounds.Tab', 'provider_companion_patient_specific', 'Care plan')] },
      tags: {}, license: '', readme: false,
    },
  });
  await admin(`/instances/${instance}/users`, { username: 'nurse', password: 'nurse-password', fhirUser: 'Practitioner/p1', displayName: 'Nurse Joy' });
  await admin(`/instances/${instance}/users`, { username: 'pat', password: 'pat-password', fhirUser: 'Patient/x' });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
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
