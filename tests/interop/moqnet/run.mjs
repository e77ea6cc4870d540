// Runs interop cases with @moq/net as the MoQT client in headless Chromium against a running
// `kinetic relay`. Bundles page.js (and @moq/net with it) with esbuild into a temporary
// directory, serves it on http://127.0.0.1 (a secure context, as WebTransport requires), runs
// each case in a fresh browser context, and prints one line per case:
//   RESULT <case> <json>
// where json.ok tells whether the page saw what the case requires. Exits 0 when every case passed.
//
// Usage: node run.mjs --url https://127.0.0.1:PORT/moq --hash <certificate sha-256 hex>
//                     --protocol moqt-20|moqt-18 --cases a,b,c [--options <json>] [--case-timeout-ms N]
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    hash: { type: 'string' },
    protocol: { type: 'string', default: 'moqt-20' },
    cases: { type: 'string' },
    options: { type: 'string', default: '{}' },
    'case-timeout-ms': { type: 'string', default: '10000' },
  },
});
if (!args.url || !args.hash || !args.cases) {
  console.error('usage: node run.mjs --url URL --hash HEX --protocol moqt-20|moqt-18 --cases a,b [--options JSON]');
  process.exit(2);
}
const caseTimeoutMs = Number(args['case-timeout-ms']);
const extra = JSON.parse(args.options);

const here = dirname(fileURLToPath(import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'kinetic-moqnet-'));
let browser;
let http;
let failed = 0;
try {
  await esbuild.build({
    entryPoints: [join(here, 'page.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    outfile: join(out, 'page.bundle.js'),
    logLevel: 'warning',
  });
  const files = {
    '/': { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><script type="module" src="/page.bundle.js"></script>' },
    '/page.bundle.js': { type: 'text/javascript', body: readFileSync(join(out, 'page.bundle.js')) },
  };
  http = createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    const f = files[req.url];
    res.writeHead(f ? 200 : 404, { 'content-type': f ? f.type : 'text/plain' });
    res.end(f ? f.body : 'not found');
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${http.address().port}/`;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--enable-quic'],
  });
  for (const name of args.cases.split(',')) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => console.log(`page[${name}] ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console.log(`page[${name}] error: ${e}`));
    let result;
    try {
      await page.goto(origin);
      await page.waitForFunction(() => globalThis.moqnetInterop !== undefined, null, { timeout: 5000 });
      const options = { url: args.url, hash: args.hash, protocol: args.protocol, ...extra };
      result = await Promise.race([
        page.evaluate(([n, o]) => globalThis.moqnetInterop.runCase(n, o), [name, options]),
        new Promise((r) => setTimeout(() => r({ ok: false, error: `case timed out after ${caseTimeoutMs} ms` }), caseTimeoutMs)),
      ]);
    } catch (e) {
      result = { ok: false, error: String(e) };
    }
    if (!result.ok) ++failed;
    console.log(`RESULT ${name} ${JSON.stringify(result)}`);
    await context.close();
  }
} catch (e) {
  console.log(`BAIL ${String(e?.stack ?? e).split('\n').join(' | ')}`);
  failed = -1;
} finally {
  if (browser) await browser.close();
  if (http) http.close();
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
