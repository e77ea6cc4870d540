// Drives headless Chromium against a Kinetic WebTransport echo server.
// Usage: node wt_echo.mjs <port> <sha256-hex-of-certificate> [path]
// Prints one line "RESULT <json>" and exits 0 when every check passed.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [port, hashHex, path = '/moq'] = process.argv.slice(2);
if (!port || !hashHex) {
  console.error('usage: node wt_echo.mjs <port> <sha256-hex> [path]');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const page_html = readFileSync(join(here, 'wt_echo.html'));

// http://127.0.0.1 is a secure context, which WebTransport requires of the page.
const http = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page_html);
});
await new Promise((r) => http.listen(0, '127.0.0.1', r));

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--enable-quic', `--origin-to-force-quic-on=127.0.0.1:${port}`],
});
let ok = false;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  await page.goto(`http://127.0.0.1:${http.address().port}/`);
  const result = await page.evaluate(
    ([url, hash]) => runEcho(url, hash).catch((e) => ({ error: String(e) })),
    [`https://127.0.0.1:${port}${path}`, hashHex],
  );
  console.log('RESULT ' + JSON.stringify(result));
  ok = result.protocol === 'moqt-20' && result.bidi === 'hello bidi' && result.uni === 'hello uni' &&
       result.datagram === 'hello datagram' && result.server_close?.code === 77 &&
       result.server_close?.reason === 'asked to close';
} finally {
  await browser.close();
  http.close();
}
process.exit(ok ? 0 : 1);
