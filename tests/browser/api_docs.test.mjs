// The public API documentation (/docs) in real headless Chromium: readable on a phone without
// JavaScript or sign-in, generated from what the server serves (resources, search parameters,
// SMART endpoints and scopes, token lifetimes), linking to the live directory, and showing the
// operator's Terms of Use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startFlint } from './support/flint.mjs';

const TERMS = 'Riverside Health API terms: be kind to the data.';
let flint, base, browser;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-docs-'));
  writeFileSync(join(dir, 'terms.txt'), TERMS + '\n<script>alert(1)</script>');
  ({ child: flint, base } = await startFlint(['--terms-of-use', join(dir, 'terms.txt')]));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  flint?.kill('SIGTERM');
});

test('the API documentation is public, generated from the server, and fits a phone', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  const response = await page.goto(`${base}/docs`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'Flint FHIR API documentation');

  // Every section a developer needs, reachable from the table of contents.
  for (const id of ['bases', 'register', 'smart', 'tokens', 'native', 'backend', 'fhir', 'bulk', 'errors', 'terms'])
    assert.equal(await page.locator(`nav a[href="#${id}"]`).count(), 1, id);

  // The resources and their searches come from the CapabilityStatement the server publishes.
  const patientRow = page.locator('tr', { has: page.locator('td#Patient') });
  const patientText = await patientRow.innerText();
  for (const expected of ['read', 'search-type', '$export', 'birthdate', 'family', 'identifier'])
    assert.ok(patientText.includes(expected), `Patient row lacks ${expected}: ${patientText}`);
  assert.ok(await page.locator('td#Observation').count() === 1);

  // SMART facts as the smart-configuration has them, and the token lifetimes.
  const smart = await page.locator('#smart').innerText();
  for (const expected of ['authorization_code', 'client_credentials', 'private_key_jwt', 'S256', 'launch-standalone',
                          'permission-v2', '/{instance}/auth/token'])
    assert.ok(smart.includes(expected), `SMART section lacks ${expected}`);
  const tokens = await page.locator('#tokens').innerText();
  assert.match(tokens, /live 60 minutes; of backend services 5 minutes/);
  assert.match(tokens, /90 days/);
  assert.match(await page.locator('#native').innerText(), /Keychain/);

  // The operator's Terms of Use, as text (markup in the file is shown, never run).
  const terms = await page.locator('#terms').innerText();
  assert.ok(terms.includes(TERMS));
  assert.ok(terms.includes('<script>alert(1)</script>'));

  // Readable on a phone: nothing wider than the screen but the scrollable table.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);

  // The directory link leads to the live directory.
  await page.locator('#bases a[href$="/directory/service-base-urls"]').click();
  await page.waitForLoadState();
  assert.match(await page.locator('body').innerText(), /"resourceType":\s*"Bundle"/);
  await context.close();
});
