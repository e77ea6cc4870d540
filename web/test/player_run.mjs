// Runs the browser player (web/) in headless Chromium against a real `kinetic relay` serving it
// with --web-root, with `kinetic pub` publishing a clip into the relay. One scenario per run:
//
//   play      the page loads from the relay over HTTP/3, plays: decoded frames advance, canvas
//             pixels match the source frame of the slot shown, audio frames decode; a screenshot
//             is kept (--artifacts).
//   impaired  WebTransport goes through `kinetic impair` with loss bursts: MOCK conjectures and
//             the page's counters say so.
//   badhash   a wrong serverCertificateHashes value: the page never plays and says why.
//   relaygone the relay is killed mid-stream: the page says so, then reconnects and plays again
//             when the relay comes back on the same port.
//   badcodec  a publisher (web/test/bogus_publisher.ts) names a codec no decoder knows in its
//             catalog: the page says "unsupported codec", subscribes to nothing and decodes nothing.
//   watch     @moq/watch (moq-dev's player, npm) renders the Kinetic broadcast to its canvas: the
//             independent check of our MSF + LOC. Not in CTest: @moq/watch 0.4.6 brings @moq/net
//             0.2.8, whose draft-18 SUBSCRIBE the relay refuses (docs/web.md); run it by hand.
//   publish   the publisher page goes live from Chromium's fake camera and microphone; `kinetic
//             sub` writes it to MP4 and ffprobe decodes it; the player page watches it meanwhile
//             and reports glass-to-glass latency (glass_to_glass_ms).
//
// Usage: node player_run.mjs --kinetic PATH --wasm DIR (--clip MP4 | --source MP4) --scenario NAME [--artifacts DIR]
//        [--viewer-params 'budget=40&late=freeze'] (publish: the watching player's own URL parameters)
//        [--page-params 'protocol=moqt-18'] (play, impaired, relaygone: the player's own URL parameters)
// --source: an H.264 MP4 made into the demo's clip here (its video plus a beeping Opus tone).
// Prints "RESULT <json>"; exits 0 when the scenario's checks passed, 77 when Chromium or the npm
// packages are missing (CTest counts it as skipped), 1 otherwise.
import { spawn, execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const { values: args } = parseArgs({
  options: {
    kinetic: { type: 'string' },
    wasm: { type: 'string' },
    clip: { type: 'string' },
    source: { type: 'string' },
    scenario: { type: 'string', default: 'play' },
    artifacts: { type: 'string' },
    seconds: { type: 'string', default: '25' },
    'viewer-params': { type: 'string', default: '' },
    'page-params': { type: 'string', default: '' },
  },
});
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath) || !existsSync(join(web, 'node_modules', 'playwright-core')) ||
    !existsSync(join(web, 'node_modules', '@moq', 'net'))) {
  console.log(`SKIP no Chromium at ${chromiumPath} or no web/node_modules (run npm ci in web/)`);
  process.exit(77);
}
const { chromium } = await import('playwright-core');

const work = mkdtempSync(join(tmpdir(), 'kinetic-web-'));
const children = [];
let browser;
const limitMs = Number(args.seconds) * 1000;
const started = Date.now();
const left = () => limitMs - (Date.now() - started);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(name, argv) {
  const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = { name, p, out: '' };
  p.stdout.on('data', (d) => (rec.out += d));
  p.stderr.on('data', (d) => (rec.out += d));
  children.push(rec);
  return rec;
}
async function waitFor(rec, text, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (rec.out.includes(text)) return true;
    if (rec.p.exitCode !== null) break;
    await sleep(30);
  }
  throw new Error(`${rec.name} did not say "${text}":\n${rec.out}`);
}
function stop(rec) {
  if (rec && rec.p.exitCode === null) rec.p.kill('SIGTERM');
}
async function freeUdpPort() {
  const s = createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  s.close();
  return port;
}

let result = { ok: false };
try {
  // The pages, as `kinetic relay --web-root` serves them.
  const www = join(work, 'www');
  execFileSync(process.execPath, [join(web, 'build.mjs'), '--out', www, ...(args.wasm ? ['--wasm', args.wasm] : [])], { stdio: 'pipe' });
  const withMock = existsSync(join(www, 'kinetic_mock.wasm'));
  if (!withMock && args.scenario === 'impaired') {
    console.log(`SKIP no MOCK WebAssembly in ${args.wasm ?? 'build/web'} (apt-get install emscripten; target kinetic_web_mock)`);
    rmSync(work, { recursive: true, force: true });
    process.exit(77);
  }

  // Test pages bundled beside the player: a misbehaving publisher, and moq-dev's player.
  for (const [scenario, name] of [['badcodec', 'bogus_publisher'], ['watch', 'watch_page']]) {
    if (args.scenario !== scenario) continue;
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(here, `${name}.ts`)], bundle: true, format: 'esm', platform: 'browser',
      target: 'chrome120', outfile: join(www, `${name}.js`), logLevel: 'warning' });
    writeFileSync(join(www, `${name}.html`), `<!doctype html><meta charset="utf-8"><body><script type="module" src="${name}.js"></script></body>`);
  }
  if (!args.clip) {
    args.clip = join(work, 'clip.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', args.source, '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:duration=10',
      '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'libopus', '-b:a', '48k', '-ac', '1', '-frame_duration', '20',
      '-movflags', 'cmaf+frag_keyframe+empty_moov', '-shortest', args.clip], { stdio: 'pipe' });
  }
  execFileSync(args.kinetic, ['cert', '--out', work, '--host', 'localhost', '--host', '127.0.0.1'], { stdio: 'pipe' });
  const pem = readFileSync(join(work, 'cert.pem'));
  const cert = new X509Certificate(pem);
  const hash = createHash('sha256').update(cert.raw).digest('hex');
  const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

  const port = await freeUdpPort();
  const relayArgs = [args.kinetic, 'relay', '--listen', `127.0.0.1:${port}`, '--cert', join(work, 'cert.pem'),
    '--key', join(work, 'key.pem'), '--web-root', www, ...(process.env.KINETIC_RELAY_DEBUG ? ['--log-level', 'debug'] : [])];
  let relay = start('relay', relayArgs);
  await waitFor(relay, 'relay listening', 5000);
  const pubArgs = [args.kinetic, 'pub', `moqt://127.0.0.1:${port}`, '--namespace', 'demo', '--input', args.clip, '--loop', '--insecure'];
  let pub = args.scenario === 'publish' || args.scenario === 'badcodec' ? null : start('pub', pubArgs);

  let wtUrl = `https://127.0.0.1:${port}/moq`;
  if (args.scenario === 'impaired') {
    // Loss bursts both ways: QUIC recovers every packet, so frames arrive late, not never.
    const proxy = start('impair', [args.kinetic, 'impair', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${port}`,
      '--delay-ms', '20', '--burst', '2,20,90', '--seed', '7']);
    await waitFor(proxy, 'impair listening on 127.0.0.1:', 5000);
    const m = proxy.out.match(/impair listening on 127\.0\.0\.1:(\d+)/);
    wtUrl = `https://127.0.0.1:${m[1]}/moq`;
  }

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: args.scenario === 'badhash'
      ? ['--enable-quic', '--autoplay-policy=no-user-gesture-required']
      : ['--enable-quic', `--origin-to-force-quic-on=127.0.0.1:${port}`, `--ignore-certificate-errors-spki-list=${spki}`,
         '--autoplay-policy=no-user-gesture-required',
         // The publisher's camera and microphone: Chromium's generated test pattern and beep.
         '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`error: ${e}`));
  const stats = () => page.evaluate((g) => ({ ...globalThis[g].stats }), args.scenario === 'publish' ? 'kineticPublisher' : 'kineticPlayer');

  let pageUrl;
  let http;
  if (args.scenario === 'badhash') {
    // Without the SPKI pin Chromium cannot load a page from the relay; http://127.0.0.1 is a
    // secure context too, so the same pages come from a local server, and only
    // serverCertificateHashes could let the WebTransport session through: it is wrong.
    http = createServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      const f = join(www, path === '/' ? 'index.html' : path.slice(1));
      if (!existsSync(f)) return res.writeHead(404).end();
      const type = f.endsWith('.html') ? 'text/html' : f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(f));
    });
    await new Promise((r) => http.listen(0, '127.0.0.1', r));
    const wrong = createHash('sha256').update('not the relay certificate').digest('hex');
    pageUrl = `http://127.0.0.1:${http.address().port}/?url=${encodeURIComponent(wtUrl)}&hash=${wrong}&ns=demo`;
  } else if (args.scenario === 'badcodec') {
    const bogus = await browser.newPage();
    bogus.on('console', (m) => log.push(`bogus ${m.type()}: ${m.text()}`));
    await bogus.goto(`https://127.0.0.1:${port}/bogus_publisher.html`, { timeout: 10000 });
    await bogus.waitForFunction(() => globalThis.bogusPublisher !== undefined, null, { timeout: 5000 });
    await bogus.evaluate(([u, h]) => globalThis.bogusPublisher.run(u, h, 'demo', 'x-kinetic-unknown'), [wtUrl, hash]);
    pageUrl = `https://127.0.0.1:${port}/?url=${encodeURIComponent(wtUrl)}&hash=${hash}&ns=demo`;
  } else if (args.scenario === 'watch') {
    pageUrl = `https://127.0.0.1:${port}/watch_page.html?url=${encodeURIComponent(wtUrl)}&ns=demo`;
  } else if (args.scenario === 'publish') {
    pageUrl = `https://127.0.0.1:${port}/publish.html?url=${encodeURIComponent(wtUrl)}&hash=${hash}&ns=browser`;
  } else {
    pageUrl = `https://127.0.0.1:${port}/?url=${encodeURIComponent(wtUrl)}&hash=${hash}&ns=demo` +
      (args['page-params'] ? `&${args['page-params']}` : '');
  }
  await page.goto(pageUrl, { timeout: 10000 });
  const global = { publish: 'kineticPublisher', watch: 'watchCheck' }[args.scenario] ?? 'kineticPlayer';
  await page.waitForFunction((g) => globalThis[g] !== undefined, global, { timeout: 5000 });

  const until = async (pred, ms, what) => {
    const end = Date.now() + Math.min(ms, left());
    let s;
    while (Date.now() < end) {
      s = await stats();
      if (pred(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; stats ${JSON.stringify(s)}`);
  };

  if (args.scenario === 'play') {
    // moqt-18: the catalog comes with the publisher's next one (each 10 s loop of the clip).
    const first = await until((s) => s.drawn >= 5 && s.audioDecoded >= 10, 22000, 'frames drawn and audio decoded');
    const later = await until((s) => s.drawn >= first.drawn + 10, 8000, 'frames advancing');
    // The picture on the canvas against the source frame of the slot it shows.
    const W = 96, H = 72;
    const snap = await page.evaluate(([w, h]) => globalThis.kineticPlayer.snapshot(w, h), [W, H]);
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', args.clip, '-an', '-vf', `scale=${W}:${H}:flags=area,format=gray`,
      '-f', 'rawvideo', '-'], { maxBuffer: 1 << 26 });
    const frames = Math.floor(raw.length / (W * H));
    const fps = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate',
      '-of', 'csv=p=0', args.clip]).toString().trim().split('/').reduce((a, b) => Number(a) / Number(b)));
    const mse = (i) => {
      let e = 0;
      for (let k = 0; k < W * H; ++k) {
        const d = snap.gray[k] - raw[i * W * H + k];
        e += d * d;
      }
      return e / (W * H);
    };
    const psnr = (m) => (m === 0 ? 99 : 10 * Math.log10((255 * 255) / m));
    const expected = ((Math.round((snap.slotUs / 1e6) * fps) % frames) + frames) % frames;
    let best = 0;
    for (let i = 1; i < frames; ++i) if (mse(i) < mse(best)) best = i;
    const shot = args.artifacts ? join(args.artifacts, 'player.png') : join(work, 'player.png');
    if (args.artifacts) mkdirSync(args.artifacts, { recursive: true });
    await page.screenshot({ path: shot });
    const psnrExpected = psnr(mse(expected));
    result = {
      // The slot's own source frame is the closest of the clip's (one frame either way for
      // frames too alike to tell apart) and close in absolute terms.
      ok: later.videoDecoded > first.videoDecoded && later.audioDecoded > 0 && psnrExpected >= 22 &&
        Math.min((best - expected + frames) % frames, (expected - best + frames) % frames) <= 1,
      withMock,
      psnr_expected_db: Number(psnrExpected.toFixed(2)),
      expected_frame: expected,
      best_frame: best,
      psnr_best_db: Number(psnr(mse(best)).toFixed(2)),
      shown: snap.kind,
      screenshot: shot,
      stats: later,
    };
  } else if (args.scenario === 'impaired') {
    const s = await until((x) => x.drawn >= 20 && x.conjectured >= 3, Math.max(left() - 1000, 1000), 'conjectures under loss bursts');
    if (args.artifacts) {
      mkdirSync(args.artifacts, { recursive: true });
      await page.screenshot({ path: join(args.artifacts, 'player_impaired.png') });
    }
    result = { ok: withMock && s.mock && s.conjectured >= 3 && s.real > 0, stats: s };
  } else if (args.scenario === 'badhash') {
    const s = await until((x) => x.disconnects >= 1 && x.lastError !== '', 10000, 'the page to report the failed connection');
    await sleep(1500);
    const s2 = await stats();
    const text = await page.evaluate(() => document.getElementById('overlay').textContent);
    result = { ok: s2.connects === 0 && s2.drawn === 0 && text.includes('error') && s2.disconnects >= 1, stats: s2, overlay: text };
  } else if (args.scenario === 'relaygone') {
    const s1 = await until((x) => x.drawn >= 5, 15000, 'first frames');
    stop(pub);
    stop(relay);
    const gone = await until((x) => x.disconnects >= 1 && x.state.startsWith('disconnected'), 8000, 'the page to notice the relay is gone');
    const overlayGone = await page.evaluate(() => document.getElementById('overlay').textContent);
    await sleep(500);
    relay = start('relay2', relayArgs);
    await waitFor(relay, 'relay listening', 5000);
    pub = start('pub2', pubArgs);
    const back = await until((x) => x.connects >= 2 && x.state === 'playing' && x.drawn >= gone.drawn + 10, 20000, 'playback after the relay came back');
    result = { ok: s1.drawn >= 5 && back.connects >= 2, gone: gone.state, overlay_gone: overlayGone, stats: back };
  } else if (args.scenario === 'watch') {
    // Independent check: @moq/watch renders the Kinetic broadcast (MSF catalog + LOC).
    const end = Date.now() + Math.min(15000, left() - 2000);
    let c;
    while (Date.now() < end) {
      c = await page.evaluate(() => globalThis.watchCheck.canvasStats());
      if (c.stddev > 10) break;
      await sleep(250);
    }
    if (args.artifacts) {
      mkdirSync(args.artifacts, { recursive: true });
      await page.screenshot({ path: join(args.artifacts, 'moq_watch.png') });
    }
    result = { ok: c.stddev > 10, canvas: c, log: log.slice(-40), relay_log: relay.out.slice(-3000) };
  } else if (args.scenario === 'badcodec') {
    const s = await until((x) => x.unsupported.length > 0, 15000, 'the unsupported video codec to be reported');
    await sleep(1000);
    const s2 = await stats();
    const text = await page.evaluate(() => document.getElementById('overlay').textContent);
    result = {
      ok: s.unsupported.some((u) => u.startsWith('video')) && s2.videoObjects === 0 && s2.videoDecoded === 0 &&
        text.includes('unsupported codec: video x-kinetic-unknown') && s2.state === 'nothing to play',
      stats: s2, overlay: text,
    };
  } else if (args.scenario === 'publish') {
    // The publisher page goes live from Chromium's fake camera and microphone; `kinetic sub`
    // writes what reaches it through the relay to MP4 and ffprobe decodes every frame of it.
    const live = await until((x) => x.state === 'live' && x.videoEncoded >= 10 && x.catalogs >= 1, 15000, 'the publisher to go live');
    const mp4 = join(work, 'browser.mp4');
    const sub = start('sub', [args.kinetic, 'sub', `moqt://127.0.0.1:${port}`, '--namespace', 'browser', '--insecure',
      '--output', mp4, '--duration', '5']);
    // Meanwhile the player page watches the same broadcast: glass-to-glass latency (capture on
    // the publisher page to the canvas of the player page, one machine, one clock).
    const viewer = await browser.newPage({ viewport: { width: 900, height: 700 } });
    viewer.on('console', (m) => log.push(`viewer ${m.type()}: ${m.text()}`));
    await viewer.goto(`https://127.0.0.1:${port}/?url=${encodeURIComponent(wtUrl)}&hash=${hash}&ns=browser${args['viewer-params'] ? '&' + args['viewer-params'] : ''}`, { timeout: 10000 });
    const latencies = [];
    let vs;
    const end = Date.now() + Math.min(6000, left() - 8000);
    while (Date.now() < end) {
      vs = await viewer.evaluate(() => ({ ...globalThis.kineticPlayer.stats }));
      if (vs.clock === 'capture' && vs.lastKind === 'real' && vs.real > 0) latencies.push(vs.latencyMs);
      await sleep(100);
    }
    if (args.artifacts) {
      mkdirSync(args.artifacts, { recursive: true });
      await page.screenshot({ path: join(args.artifacts, 'publisher.png') });
      await viewer.screenshot({ path: join(args.artifacts, 'player_of_publisher.png') });
    }
    const subEnd = Date.now() + 10000;
    while (sub.p.exitCode === null && Date.now() < subEnd) await sleep(100);
    const probe = existsSync(mp4)
      ? JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,codec_type,width,height,nb_read_frames',
        '-of', 'json', mp4]).toString())
      : { streams: [] };
    const v = probe.streams.find((x) => x.codec_type === 'video');
    const a = probe.streams.find((x) => x.codec_type === 'audio');
    latencies.sort((x, y) => x - y);
    const pct = (p) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1)) : null);
    result = {
      ok: sub.p.exitCode === 0 && v?.codec_name === 'h264' && Number(v.nb_read_frames) >= 30 && a?.codec_name === 'opus' &&
        Number(a.nb_read_frames) >= 50,
      video: v, audio: a, sub_exit: sub.p.exitCode, sub_log: sub.out.slice(-600), publisher: await stats(),
      glass_to_glass_ms: { samples: latencies.length, p50: pct(0.5), p90: pct(0.9), budget_ms: vs?.budgetMs, viewer: vs },
    };
    void live;
  } else {
    throw new Error(`unknown scenario ${args.scenario}`);
  }
  if (!result.ok) result.log = log.slice(-30);
  if (http) http.close();
} catch (e) {
  result = { ok: false, error: String(e?.stack ?? e), children: children.map((c) => `${c.name}: ${c.out.slice(-1500)}`) };
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const c of children) stop(c);
  rmSync(work, { recursive: true, force: true });
}
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
