// Drives headless Chromium as a WHIP publisher (fake camera and microphone) against `kinetic whip`.
// Usage: node whip_publish.mjs <whip-url> <token|-> <seconds> <delete|vanish> [offer.sdp]
// Prints "RESULT <json>" and exits 0 when the gateway answered 201 and media flowed (or, with an
// offer file, whatever the gateway answered: the caller judges the status). 'vanish' closes the
// browser without DELETE, as a client that crashed would.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [url, token, seconds = '5', mode = 'delete', offerFile] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node whip_publish.mjs <whip-url> <token|-> <seconds> <delete|vanish> [offer.sdp]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const page_html = readFileSync(join(here, 'whip_publish.html'));
const offer = offerFile ? readFileSync(offerFile, 'utf8') : null;

// http://127.0.0.1 is a secure context, which getUserMedia requires of the page.
const http = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page_html);
});
await new Promise((r) => http.listen(0, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
         // Loopback host candidates only: nothing leaves the machine.
         '--allow-loopback-in-peer-connection', '--enable-logging=stderr',
         ...(process.env.KINETIC_FAKE_VIDEO ? [`--use-file-for-fake-video-capture=${process.env.KINETIC_FAKE_VIDEO}`] : [])],
});
let result = { error: 'the page did not run' };
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(`http://127.0.0.1:${http.address().port}/`);
  result = await page.evaluate(
    ([u, t, s, m, o]) => runWhip(u, t === '-' ? '' : t, Number(s), m, o).catch((e) => ({ error: String(e), step: whipStep })),
    [url, token, seconds, mode, offer],
  );
} finally {
  await browser.close();
  http.close();
}
console.log('RESULT ' + JSON.stringify(result));
const flowed = result.status === 201 && result.connection === 'connected' && (result.stats?.video?.packetsSent ?? 0) > 0;
process.exit(offer ? (result.status ? 0 : 1) : flowed ? 0 : 1);
