// The browser side of the @moq/net interop cases: @moq/net (the npm package, unmodified) is the
// MoQT client, over Chromium's own WebTransport, against `kinetic relay`. Bundled by run.mjs
// with esbuild and driven through globalThis.moqnetInterop.runCase(name, options).
//
// @moq/net's public API is broadcast/track oriented and does not surface the control replies
// the interop cases are about (REQUEST_OK to PUBLISH_NAMESPACE, SUBSCRIBE_OK / REQUEST_ERROR to
// SUBSCRIBE). Since draft-17 every request has a bidirectional stream of its own, so the page
// records the first message type each request stream carries in each direction, and whether the
// client closed it: that is the exchange as it happened on the wire, observed under the library
// without changing what it sends.
import * as Moq from '@moq/net';

// Control message types used by the cases; the same in drafts 17 through 20.
const kSubscribe = 0x03;
const kSubscribeOk = 0x04;
const kRequestError = 0x05;
const kPublishNamespace = 0x06;
const kRequestOk = 0x07;

const TYPE_NAMES = {
  [kSubscribe]: 'SUBSCRIBE',
  [kSubscribeOk]: 'SUBSCRIBE_OK',
  [kRequestError]: 'REQUEST_ERROR',
  [kPublishNamespace]: 'PUBLISH_NAMESPACE',
  [kRequestOk]: 'REQUEST_OK',
};

// A message type below 0x40 is one byte in both the QUIC varint of draft-18 and the
// leading-ones varint of later drafts; every type the cases look at is.
function firstType(bytes) {
  if (bytes.length === 0) return undefined;
  return bytes[0] < 0x40 ? bytes[0] : -1;
}

function typeName(t) {
  if (t === undefined) return null;
  return TYPE_NAMES[t] ?? `0x${t.toString(16)}`;
}

function concat(chunks) {
  const n = chunks.reduce((a, c) => a + c.byteLength, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer ?? c, c.byteOffset ?? 0, c.byteLength), at);
    at += c.byteLength;
  }
  return out;
}

// Records what crosses each bidirectional stream the library opens on this transport.
function tapTransport(wt) {
  const streams = [];
  const waiters = new Set();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const open = wt.createBidirectionalStream.bind(wt);
  wt.createBidirectionalStream = async (options) => {
    const s = await open(options);
    const rec = { sent: [], recv: [], fin: false, reset: false, peerFin: false };
    streams.push(rec);
    const getWriter = s.writable.getWriter.bind(s.writable);
    s.writable.getWriter = () => {
      const w = getWriter();
      const write = w.write.bind(w);
      const close = w.close.bind(w);
      const abort = w.abort.bind(w);
      w.write = (chunk) => {
        rec.sent.push(new Uint8Array(chunk).slice());
        notify();
        return write(chunk);
      };
      w.close = () => {
        rec.fin = true;
        notify();
        return close();
      };
      w.abort = (e) => {
        rec.reset = true;
        notify();
        return abort(e);
      };
      return w;
    };
    const getReader = s.readable.getReader.bind(s.readable);
    s.readable.getReader = (...args) => {
      const r = getReader(...args);
      const read = r.read.bind(r);
      r.read = async (...a) => {
        const x = await read(...a);
        if (x.done) rec.peerFin = true;
        else rec.recv.push(new Uint8Array(x.value).slice());
        notify();
        return x;
      };
      return r;
    };
    return s;
  };
  const view = () =>
    streams.map((r) => {
      const sent = concat(r.sent);
      const recv = concat(r.recv);
      return {
        request: typeName(firstType(sent)),
        response: typeName(firstType(recv)),
        fin: r.fin,
        reset: r.reset,
      };
    });
  // Resolves with the first request stream matching pred, or rejects after ms.
  const waitFor = (pred, ms, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = view().find(pred);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; streams: ${JSON.stringify(view())}`));
      }, ms);
      if (!check()) waiters.add(check);
    });
  return { view, waitFor };
}

function timeout(ms, what) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One MoQT session: our own WebTransport offering exactly one protocol (so the version is the
// one under test, not a negotiation), handed to @moq/net's connect, which runs SETUP on it.
async function open(o, label) {
  const hash = new Uint8Array(o.hash.match(/../g).map((h) => parseInt(h, 16)));
  const wt = new WebTransport(o.url, {
    protocols: [o.protocol],
    serverCertificateHashes: [{ algorithm: 'sha-256', value: hash }],
    allowPooling: false,
  });
  wt.closed.catch(() => {});
  await Promise.race([wt.ready, timeout(o.timeoutMs ?? 2000, `${label}: WebTransport ready`)]);
  const tap = tapTransport(wt);
  const conn = await Promise.race([
    Moq.Connection.connect(new URL(o.url), { transport: wt, websocket: { enabled: false } }),
    timeout(o.timeoutMs ?? 2000, `${label}: SETUP exchange`),
  ]);
  let closeInfo = null;
  wt.closed.then(
    (info) => (closeInfo = { code: info?.closeCode ?? 0, reason: info?.reason ?? '' }),
    (e) => (closeInfo = { error: String(e) }),
  );
  return {
    wt,
    conn,
    tap,
    label,
    info: { protocol: wt.protocol, version: conn.version },
    async close() {
      conn.close();
      await Promise.race([wt.closed.catch(() => {}), sleep(1000)]);
      return closeInfo;
    },
  };
}

const isPublishNamespace = (s) => s.request === 'PUBLISH_NAMESPACE' && s.response !== null;
const isSubscribe = (s) => s.request === 'SUBSCRIBE' && s.response !== null;

async function announce(session, path, ms) {
  const broadcast = new Moq.Broadcast.Producer();
  const track = broadcast.createTrack('test-track');
  session.conn.publish(Moq.Path.from(path), broadcast);
  const stream = await session.tap.waitFor(isPublishNamespace, ms, `${session.label}: reply to PUBLISH_NAMESPACE`);
  return { broadcast, track, stream };
}

function subscribe(session, path, name) {
  const sub = session.conn.consume(Moq.Path.from(path)).track(name).subscribe();
  // The library reports a refused subscription by closing the subscriber with an error;
  // the first frame read settles either way.
  const first = sub.readFrame().then(
    (f) => ({ frame: f === undefined ? null : f.payload.byteLength }),
    (e) => ({ error: String(e) }),
  );
  return { sub, first };
}

const cases = {
  async 'setup-only'(o) {
    const s = await open(o, 'client');
    const close = await s.close();
    return { ok: s.info.protocol === o.protocol && s.info.version !== undefined, ...s.info, close };
  },

  async 'announce-only'(o) {
    const s = await open(o, 'publisher');
    const a = await announce(s, 'moq-test/interop', 2000);
    const close = await s.close();
    return { ok: a.stream.response === 'REQUEST_OK', ...s.info, publish_namespace: a.stream, close };
  },

  async 'publish-namespace-done'(o) {
    const s = await open(o, 'publisher');
    const a = await announce(s, 'moq-test/interop', 2000);
    // Closing the broadcast is how @moq/net withdraws it: since draft-17 that ends the
    // PUBLISH_NAMESPACE request stream (there is no PUBLISH_NAMESPACE_DONE message any more).
    a.broadcast.close();
    const withdrawn = await s.tap.waitFor((x) => x.request === 'PUBLISH_NAMESPACE' && (x.fin || x.reset), 2000, 'withdrawal');
    // With the publisher's session still up, a subscriber must now be refused: the relay
    // acted on the withdrawal itself, not on a closed session.
    await sleep(200);
    const t = await open(o, 'subscriber');
    const { first } = subscribe(t, 'moq-test/interop', 'test-track');
    const answer = await t.tap.waitFor(isSubscribe, 2000, 'reply to SUBSCRIBE after the withdrawal');
    await first;
    await t.close();
    const close = await s.close();
    return {
      ok: a.stream.response === 'REQUEST_OK' && withdrawn.fin && answer.response === 'REQUEST_ERROR',
      ...s.info,
      publish_namespace: withdrawn,
      subscribe_after_withdrawal: answer,
      close,
    };
  },

  async 'subscribe-error'(o) {
    const s = await open(o, 'subscriber');
    const { first } = subscribe(s, 'nonexistent/namespace', 'test-track');
    const answer = await s.tap.waitFor(isSubscribe, 2000, 'reply to SUBSCRIBE');
    const library = await Promise.race([first, sleep(1000).then(() => ({ pending: true }))]);
    const close = await s.close();
    return { ok: answer.response === 'REQUEST_ERROR', ...s.info, subscribe: answer, library, close };
  },

  async 'announce-subscribe'(o) {
    const started = Date.now();
    const p = await open(o, 'publisher');
    const a = await announce(p, 'moq-test/interop', 2000);
    const s = await open(o, 'subscriber');
    subscribe(s, 'moq-test/interop', 'test-track');
    const left = 3000 - (Date.now() - started);
    const answer = await s.tap.waitFor(isSubscribe, Math.max(left, 1), 'reply to SUBSCRIBE');
    const closes = { subscriber: await s.close(), publisher: await p.close() };
    return {
      ok: a.stream.response === 'REQUEST_OK' && answer.response === 'SUBSCRIBE_OK',
      ...p.info,
      publish_namespace: a.stream,
      subscribe: answer,
      close: closes,
    };
  },

  async 'subscribe-before-announce'(o) {
    const started = Date.now();
    const s = await open(o, 'subscriber');
    subscribe(s, 'moq-test/interop', 'test-track');
    await sleep(500);
    const p = await open(o, 'publisher');
    const a = await announce(p, 'moq-test/interop', 2000);
    const left = 3500 - (Date.now() - started);
    const answer = await s.tap.waitFor(isSubscribe, Math.max(left, 1), 'reply to SUBSCRIBE');
    const closes = { subscriber: await s.close(), publisher: await p.close() };
    // Either answer is graceful: the relay may hold the subscription until the namespace
    // arrives or refuse it at once.
    return {
      ok: a.stream.response === 'REQUEST_OK' && (answer.response === 'SUBSCRIBE_OK' || answer.response === 'REQUEST_ERROR'),
      ...p.info,
      publish_namespace: a.stream,
      subscribe: answer,
      close: closes,
    };
  },

  // Publishes o.path / o.track for o.durationMs: one group per o.framesPerGroup frames, one
  // frame every o.intervalMs, each payload naming its own group and frame so the Kinetic
  // subscriber can check every object it gets against its location.
  async 'publish-media'(o) {
    const p = await open(o, 'publisher');
    const broadcast = new Moq.Broadcast.Producer();
    const track = broadcast.createTrack(o.track);
    p.conn.publish(Moq.Path.from(o.path), broadcast);
    const a = await p.tap.waitFor(isPublishNamespace, 2000, 'reply to PUBLISH_NAMESPACE');
    console.log(`ANNOUNCED ${o.path}`);
    let written = 0;
    const deadline = Date.now() + o.durationMs;
    for (let g = 0; Date.now() < deadline; ++g) {
      const group = track.appendGroup();
      for (let f = 0; f < o.framesPerGroup && Date.now() < deadline; ++f) {
        group.writeString(`moqnet ${group.sequence}/${f}`);
        ++written;
        await sleep(o.intervalMs);
      }
      group.close();
    }
    track.close();
    const close = await p.close();
    return { ok: a.response === 'REQUEST_OK', ...p.info, publish_namespace: a, written, close };
  },

  // An MSF broadcast: reads the catalog track of o.path (retrying until the publisher is
  // there), parses it, subscribes to the first video track it names and reports o.count of its
  // objects: location, size and first bytes. With o.videoTrack the catalog is skipped: before
  // draft-20 @moq/net joins a track at the object after the largest (a LargestObject filter),
  // so a catalog published once, before anyone subscribed, never reaches it.
  async 'subscribe-msf'(o) {
    const s = await open(o, 'subscriber');
    const deadline = Date.now() + o.durationMs;
    const path = Moq.Path.from(o.path);
    let catalogText;
    let attempts = 0;
    let lastError = null;
    while (catalogText === undefined && o.videoTrack === undefined && Date.now() < deadline) {
      ++attempts;
      const sub = s.conn.consume(path).track('catalog').subscribe();
      try {
        const f = await Promise.race([sub.readFrame(), timeout(Math.max(deadline - Date.now(), 1), 'catalog')]);
        if (f !== undefined) catalogText = new TextDecoder().decode(f.payload);
      } catch (e) {
        lastError = String(e);
        await sleep(300);
      } finally {
        sub.close();
      }
    }
    if (catalogText === undefined && o.videoTrack === undefined) {
      await s.close();
      return { ok: false, ...s.info, attempts, error: `no catalog: ${lastError}` };
    }
    const catalog = catalogText === undefined ? { tracks: [] } : JSON.parse(catalogText);
    const tracks = (catalog.tracks ?? []).map((t) => ({ name: t.name, packaging: t.packaging, codec: t.codec, role: t.role }));
    const video = o.videoTrack !== undefined
      ? { name: o.videoTrack }
      : tracks.find((t) => t.role === 'video' || String(t.codec ?? '').startsWith('avc'));
    const frames = [];
    // Without the catalog nothing says the publisher is there yet: retry the subscription
    // while the relay refuses it.
    while (video && frames.length < o.count && Date.now() < deadline) {
      const sub = s.conn.consume(path).track(video.name).subscribe();
      try {
        while (frames.length < o.count) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          const f = await Promise.race([sub.readFrameSequence(), timeout(left, 'next video frame')]);
          if (f === undefined) break;
          const head = Array.from(f.payload.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
          frames.push({ group: f.group, frame: f.frame, bytes: f.payload.byteLength, head });
        }
      } catch (e) {
        lastError = String(e);
        await sleep(300);
      } finally {
        sub.close();
      }
    }
    const close = await s.close();
    return { ok: video !== undefined && frames.length >= o.count, ...s.info, attempts, lastError, tracks, video: video?.name ?? null, frames, close };
  },
};

globalThis.moqnetInterop = {
  cases: Object.keys(cases),
  async runCase(name, options) {
    const run = cases[name];
    if (!run) return { ok: false, error: `unknown case ${name}` };
    try {
      return await run(options);
    } catch (e) {
      return { ok: false, error: String(e?.stack ?? e) };
    }
  },
};
