// Drives headless Chromium against a Kinetic WebTransport echo server.
// Usage: node wt_echo.mjs <port> <sha256-hex-of-certificate> <spki-sha256-base64> [path]
// Prints one line "RESULT <json>" and exits 0 when every check passed; Chromium's own log
// lines that matter to the result come before it as "chromium: ...".
// KINETIC_NETLOG=<dir> also keeps Chromium's net log of the run there (netlog-<port>.json).
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// Chromium's own log (every process, on its stderr) tells its defects apart from ours:
// Playwright writes the browser's stderr to DEBUG_FILE, read once the page is done. Both
// variables are read when playwright-core loads, hence the late import.
const log_dir = mkdtempSync(join(tmpdir(), 'kinetic-chromium-'));
const chromium_log = join(log_dir, 'browser.log');
process.on('exit', () => rmSync(log_dir, { recursive: true, force: true }));
process.env.DEBUG = [process.env.DEBUG, 'pw:browser'].filter(Boolean).join(',');
process.env.DEBUG_FILE = chromium_log;
const { chromium } = await import('playwright-core');

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  headless: true,
  // The page load goes over QUIC to our server too; a self-signed certificate is trusted
  // for navigation only through its SPKI pin (serverCertificateHashes covers WebTransport).
  args: ['--enable-quic', `--origin-to-force-quic-on=127.0.0.1:${port}`,
         `--ignore-certificate-errors-spki-list=${spki}`,
         '--enable-logging=stderr',
         // KINETIC_NETLOG=<dir> keeps Chromium's account of every QUIC connection for diagnosis.
         ...(process.env.KINETIC_NETLOG
           ? [`--log-net-log=${join(process.env.KINETIC_NETLOG, `netlog-${port}.json`)}`,
              '--net-log-capture-mode=Everything']
           : [])],
});
let result = { error: 'the page did not run' };
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
  result = await page.evaluate(
    ([url, hash]) => runEcho(url, hash).catch((e) => ({ error: String(e), step: echoStep })),
    [`https://127.0.0.1:${port}${path}`, hashHex],
  );
  result.page_over_h3 = page_over_h3;
} finally {
  // Closing waits for the browser to exit, so its log is complete afterwards.
  await browser.close();
  http.close();
}
// Chromium's network service can report a server-closed session without the final stats its
// own interface requires once the CONNECT stream is already gone (our FIN received and its
// own FIN acknowledged before its posted close task runs); the renderer rejects the message,
// drops the session's pipe and the page sees "Connection lost.". These lines are the evidence.
const rejected = chromiumLogLines().filter(
  (l) => l.includes('VALIDATION_ERROR') || l.includes('rejected by interface network.mojom.WebTransportClient'));
for (const line of rejected) console.log('chromium: ' + line);
result.chromium_rejected_close = result.step === 'server close' &&
  rejected.some((l) => l.includes('VALIDATION_ERROR_UNEXPECTED_NULL_POINTER')) &&
  rejected.some((l) => l.includes('network.mojom.WebTransportClient'));
console.log('RESULT ' + JSON.stringify(result));
const ok = result.protocol === 'moqt-20' && result.bidi === 'hello bidi' && result.uni === 'hello uni' &&
           result.datagram === 'hello datagram' && result.server_close?.code === 77 &&
           result.server_close?.reason === 'asked to close' && result.page_over_h3;
process.exit(ok ? 0 : 1);

function chromiumLogLines() {
  try {
    return readFileSync(chromium_log, 'utf8').split('\n');
  } catch {
    return [];
  }
}
