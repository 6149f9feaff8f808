// What the browser tests share: a `flint serve` of their own on a free loopback port (the
// database from FLINT_DATABASE_URL), and headless Chromium.
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

// Resolves to { child, base } once the server says where it serves.
export function startFlint(args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.FLINT_BIN, ['serve', '--listen', '127.0.0.1:0', ...args],
                        { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/serving on 127\.0\.0\.1:(\d+) /);
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`flint exited ${code}: ${seen}`)));
  });
}

// Starts an app's HTTP server on a free loopback port; resolves to its origin.
export function listenOnLoopback(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
