// Drives headless Chromium as a WHEP viewer of `kinetic whip`'s /whep/<namespace>.
// Usage: node whep_play.mjs <whep-url> <token|-> <seconds> [delete|vanish]
// Prints "RESULT <json>" (framesDecoded once a second, the <video> element's state) and exits 0
// when the gateway answered 201 and the frames decoded advanced while playing. 'vanish' closes
// the browser without DELETE, as a closed tab or a crash would.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [url, token, seconds = '5', mode = 'delete'] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node whep_play.mjs <whep-url> <token|-> <seconds>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const page_html = readFileSync(join(here, 'whep_play.html'));
const http = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page_html);
});
await new Promise((r) => http.listen(0, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Loopback host candidates, not mDNS names: the gateway only talks to 127.0.0.1.
  args: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
         '--autoplay-policy=no-user-gesture-required', '--enable-logging=stderr'],
});
let result = { error: 'the page did not run' };
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(`http://127.0.0.1:${http.address().port}/`);
  result = await page.evaluate(
    ([u, t, s, m]) => runWhep(u, t === '-' ? '' : t, Number(s), m).catch((e) => ({ error: String(e), step: whepStep })),
    [url, token, seconds, mode],
  );
} finally {
  await browser.close();
  http.close();
}
console.log('RESULT ' + JSON.stringify(result));
const decoded = (result.samples ?? []).map((s) => s.framesDecoded);
const advancing = decoded.length >= 3 && decoded[decoded.length - 1] > decoded[1] && decoded[1] > 0;
process.exit(result.status === 201 && advancing ? 0 : 1);
