// Drives headless Chromium against a Kinetic WebTransport echo server.
// Usage: node wt_echo.mjs <port> <sha256-hex-of-certificate> <spki-sha256-base64> [path]
// Prints one line "RESULT <json>" and exits 0 when every check passed.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [port, hashHex, spki, path = '/moq'] = process.argv.slice(2);
if (!port || !hashHex || !spki) {
  console.error('usage: node wt_echo.mjs <port> <sha256-hex> <spki-sha256-base64> [path]');
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
  // The page load goes over QUIC to our server too; a self-signed certificate is trusted
  // for navigation only through its SPKI pin (serverCertificateHashes covers WebTransport).
  args: ['--enable-quic', `--origin-to-force-quic-on=127.0.0.1:${port}`,
         `--ignore-certificate-errors-spki-list=${spki}`],
});
let ok = false;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  // First the page from the Kinetic server itself, over HTTP/3, as a relay serves its
  // player; the local HTTP/1.1 copy keeps the WebTransport checks running if that fails.
  let page_over_h3 = false;
  try {
    const response = await page.goto(`https://127.0.0.1:${port}/wt_echo.html`, { timeout: 10000 });
    page_over_h3 = response !== null && response.ok() && (await page.evaluate(() => typeof runEcho === 'function'));
  } catch (e) {
    console.error('page over h3 failed: ' + e);
  }
  if (!page_over_h3) await page.goto(`http://127.0.0.1:${http.address().port}/`);
  const result = await page.evaluate(
    ([url, hash]) => runEcho(url, hash).catch((e) => ({ error: String(e) })),
    [`https://127.0.0.1:${port}${path}`, hashHex],
  );
  result.page_over_h3 = page_over_h3;
  console.log('RESULT ' + JSON.stringify(result));
  ok = result.protocol === 'moqt-20' && result.bidi === 'hello bidi' && result.uni === 'hello uni' &&
       result.datagram === 'hello datagram' && result.server_close?.code === 77 &&
       result.server_close?.reason === 'asked to close' && page_over_h3;
} finally {
  await browser.close();
  http.close();
}
process.exit(ok ? 0 : 1);
