// What the WebRTC browser drivers share: their page (and whip_client.js, the WHIP/WHEP exchange
// both pages use) served from http://127.0.0.1, a secure context as getUserMedia requires;
// headless Chromium launched with the driver's flags; one function run in the page; the
// result printed as "RESULT <json>".
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

// Serves `pageFile` at / and runs `run(page)` in Chromium with `args`; returns its result, or
// { error } when the page never ran.
export async function runInChromium(pageFile, args, run) {
  const files = {
    '/': ['text/html', readFileSync(join(here, pageFile))],
    '/whip_client.js': ['text/javascript', readFileSync(join(here, 'whip_client.js'))],
  };
  const http = createServer((req, res) => {
    const file = files[req.url];
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0] });
    res.end(file[1]);
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Loopback host candidates only: nothing leaves the machine.
    args: ['--allow-loopback-in-peer-connection', '--enable-logging=stderr', ...args],
  });
  let result = { error: 'the page did not run' };
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(`http://127.0.0.1:${http.address().port}/`);
    result = await run(page);
  } finally {
    await browser.close();
    http.close();
  }
  console.log('RESULT ' + JSON.stringify(result));
  return result;
}
