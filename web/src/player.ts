// Kinetic's browser player: @moq/net (MoQT drafts 20 and 18 over the browser's WebTransport)
// subscribes to an MSF broadcast through `kinetic relay`, WebCodecs decodes its LOC tracks
// (VideoDecoder to a canvas, AudioDecoder to an AudioWorklet) and MOCK in WebAssembly decides
// what the canvas shows at each instant: the real picture when it arrived in time, else a
// conjecture (or, with ?late=freeze, the last picture again).
//
// URL parameters: url (WebTransport URL; default this origin's /moq), hash (SHA-256 hex of a
// self-signed relay certificate, for serverCertificateHashes), ns (namespace, default demo),
// protocol (moqt-20 or moqt-18), late (conjecture | freeze | stall), budget (ms; default
// adaptive), mock=0 (frames shown as decoded, without MOCK).
//
// State for tests and the overlay: globalThis.kineticPlayer.
import * as Moq from '@moq/net';
import { useLocTimestamps } from './loc_time';
import { Mock, MockTrack, type LatePolicy } from './mock';

useLocTimestamps();

const params = new URLSearchParams(location.search);
const relayUrl = params.get('url') ?? `${location.origin}/moq`;
const hashHex = params.get('hash') ?? '';
const namespace = params.get('ns') ?? 'demo';
const protocol = params.get('protocol') ?? 'moqt-20';
const late = (params.get('late') ?? 'conjecture') as LatePolicy;
const budgetMs = Number(params.get('budget') ?? '0');
const useMock = params.get('mock') !== '0';

const stats = {
  relay: relayUrl,
  protocol,
  namespace,
  state: 'starting',
  connected: false,
  connects: 0,
  disconnects: 0,
  lastError: '',
  catalogTracks: [] as string[],
  videoCodec: '',
  audioCodec: '',
  unsupported: [] as string[],
  videoObjects: 0,
  videoDecoded: 0,
  videoSkipped: 0,
  videoTimestamps: [] as number[],
  audioObjects: 0,
  audioDecoded: 0,
  audioErrors: 0,
  mock: false,
  late,
  real: 0,
  conjectured: 0,
  frozen: 0,
  stalls: 0,
  drawn: 0,
  latencyMs: 0,
  clock: '',
  budgetMs: 0,
  conjectureMs: 0,
  conjectureMeanMs: 0,
  slotUs: -1,
  lastKind: '',
  width: 0,
  height: 0,
};

const canvas = document.getElementById('video') as HTMLCanvasElement;
const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
const overlay = document.getElementById('overlay') as HTMLElement;

function setState(s: string, error?: string) {
  stats.state = s;
  if (error !== undefined) stats.lastError = error;
  renderOverlay();
}

function renderOverlay() {
  const lines = [
    `relay    ${stats.relay} (${stats.protocol}${stats.connected ? ', connected' : ''})`,
    `state    ${stats.state}`,
    `video    ${stats.videoCodec || '-'} ${stats.width}x${stats.height}  decoded ${stats.videoDecoded}`,
    `audio    ${stats.audioCodec || '-'}  decoded ${stats.audioDecoded}`,
    stats.mock
      ? `MOCK     ${stats.late}: real ${stats.real}  conjectured ${stats.conjectured}  frozen ${stats.frozen}  stalls ${stats.stalls}`
      : 'MOCK     off (frames shown as decoded)',
    `latency  ${stats.latencyMs.toFixed(0)} ms (from ${stats.clock || '-'})  budget ${stats.budgetMs.toFixed(0)} ms  conjecture ${stats.conjectureMeanMs.toFixed(1)} ms/frame`,
  ];
  if (stats.lastError) lines.push(`error    ${stats.lastError}`);
  overlay.textContent = lines.join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => performance.now() * 1000;

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; ++i) out[i] = s.charCodeAt(i);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))]);
}

interface CatalogTrack {
  name: string;
  packaging: string;
  role?: string;
  codec?: string;
  initRef?: string;
  framerate?: number;
  width?: number;
  height?: number;
  samplerate?: number;
  channelConfig?: string;
}
interface Catalog {
  version: string;
  tracks: CatalogTrack[];
  initDataList?: { id: string; type: string; data: string }[];
}

function initData(c: Catalog, t: CatalogTrack): Uint8Array | undefined {
  const d = c.initDataList?.find((x) => x.id === t.initRef && x.type === 'inline');
  return d ? base64ToBytes(d.data) : undefined;
}

const isVideo = (t: CatalogTrack) => t.role === 'video' || /^(avc|hev|hvc|vp0|vp8|vp9|av01)/.test(t.codec ?? '');
const isAudio = (t: CatalogTrack) => t.role === 'audio' || /^(opus|mp4a|flac)/.test(t.codec ?? '');

// ---- audio output: an AudioWorklet playing a queue of PCM blocks --------------------------
const workletSource = `
class KineticOut extends AudioWorkletProcessor {
  constructor() { super(); this.q = []; this.off = 0; this.port.onmessage = (e) => { this.q.push(e.data); if (this.q.length > 50) this.q.shift(); }; }
  process(_in, outputs) {
    const out = outputs[0];
    const n = out[0].length;
    for (let i = 0; i < n; ++i) {
      while (this.q.length && this.off >= this.q[0][0].length) { this.q.shift(); this.off = 0; }
      for (let c = 0; c < out.length; ++c) {
        const b = this.q[0];
        out[c][i] = b ? b[Math.min(c, b.length - 1)][this.off] : 0;
      }
      if (this.q.length) ++this.off;
    }
    return true;
  }
}
registerProcessor('kinetic-out', KineticOut);
`;
let audioCtx: AudioContext | null = null;
let audioNode: AudioWorkletNode | null = null;

async function audioOutput(sampleRate: number): Promise<AudioWorkletNode | null> {
  if (audioNode) return audioNode;
  try {
    audioCtx = new AudioContext({ sampleRate, latencyHint: 'interactive' });
    const url = URL.createObjectURL(new Blob([workletSource], { type: 'text/javascript' }));
    await audioCtx.audioWorklet.addModule(url);
    audioNode = new AudioWorkletNode(audioCtx, 'kinetic-out', { outputChannelCount: [2] });
    audioNode.connect(audioCtx.destination);
    // Browsers start audio only after a gesture; a click anywhere resumes it.
    document.addEventListener('click', () => audioCtx?.resume(), { once: true });
    return audioNode;
  } catch (e) {
    console.warn(`no audio output: ${e}`);
    return null;
  }
}

// ---- one session: connect, catalog, tracks ------------------------------------------------
async function connect(): Promise<{ wt: WebTransport; conn: any }> {
  const options: WebTransportOptions = { allowPooling: false } as WebTransportOptions;
  (options as any).protocols = [protocol];
  if (hashHex) options.serverCertificateHashes = [{ algorithm: 'sha-256', value: hexToBytes(hashHex) }];
  const wt = new WebTransport(relayUrl, options);
  wt.closed.catch(() => {});
  try {
    await withTimeout(wt.ready, 5000, 'WebTransport');
  } catch (e) {
    // Chromium says only "Opening handshake failed." for a refused certificate and for a relay
    // that is not there alike.
    const why = String((e as Error)?.message ?? e);
    throw new Error(`cannot open WebTransport to ${relayUrl}: ${why} (is the relay up${hashHex ? ', and is hash= its certificate SHA-256' : ''}?)`);
  }
  const conn = await withTimeout(
    Moq.Connection.connect(new URL(relayUrl), { transport: wt, websocket: { enabled: false } } as any),
    5000,
    'MoQT SETUP',
  );
  return { wt, conn };
}

// Waits for the catalog as long as the session lasts. A refused subscription (no publisher yet)
// is retried. Under moqt-18 @moq/net subscribes from the next object (LargestObject), so the
// catalog arrives only when the publisher sends one again (`kinetic pub` does at each loop).
async function readCatalog(conn: any, path: any, closed: Promise<unknown>): Promise<Catalog> {
  let last = '';
  const started = performance.now();
  for (;;) {
    if (performance.now() - started > 3000) setState(`waiting for the catalog of ${namespace}`, last);
    const sub = conn.consume(path).track('catalog').subscribe();
    try {
      const f = await Promise.race([sub.readFrame(), sleep(3000).then(() => undefined), closed.then(() => undefined)]);
      if (f !== undefined) return JSON.parse(new TextDecoder().decode(f.payload)) as Catalog;
      last = 'no catalog object yet';
    } catch (e) {
      last = String(e);
      await sleep(300);
    } finally {
      sub.close();
    }
    if (await Promise.race([closed.then(() => true), sleep(0).then(() => false)])) throw new Error(`session closed while waiting for the catalog: ${last}`);
  }
}

class VideoPipe {
  decoder: VideoDecoder;
  track: MockTrack | null;
  needKey = true;
  lastGroup = -1;
  lastFrame = -1;
  arrivals = new Map<number, { arrival: number; group: number; frame: number }>();
  offsetSet = false;
  timer = 0;

  constructor(public codec: string, public mock: Mock | null, public intervalUs: number, description?: Uint8Array) {
    this.track = mock ? mock.videoTrack(intervalUs, late, budgetMs) : null;
    stats.mock = this.track !== null;
    this.decoder = new VideoDecoder({
      output: (frame) => this.onDecoded(frame),
      error: (e) => {
        stats.lastError = `video decoder: ${e.message}`;
        this.needKey = true;
      },
    });
    this.decoder.configure({ codec, description, optimizeForLatency: true });
    if (this.track) this.timer = setInterval(() => this.tick(), 5) as unknown as number;
  }

  onObject(group: number, frame: number, payload: Uint8Array, timestampUs: number) {
    ++stats.videoObjects;
    stats.videoTimestamps.push(timestampUs);
    if (stats.videoTimestamps.length > 8) stats.videoTimestamps.shift();
    const continues = group === this.lastGroup && frame === this.lastFrame + 1;
    if (!continues && frame !== 0) this.needKey = true;
    this.lastGroup = group;
    this.lastFrame = frame;
    if (this.needKey) {
      if (frame !== 0) {
        ++stats.videoSkipped;
        return;
      }
      this.needKey = false;
    }
    if (this.decoder.state !== 'configured') return;
    this.arrivals.set(timestampUs, { arrival: nowUs(), group, frame });
    this.decoder.decode(new EncodedVideoChunk({ type: frame === 0 ? 'key' : 'delta', timestamp: timestampUs, data: payload }));
  }

  onDecoded(frame: VideoFrame) {
    ++stats.videoDecoded;
    const ts = frame.timestamp;
    const meta = this.arrivals.get(ts);
    this.arrivals.delete(ts);
    if (this.arrivals.size > 300) this.arrivals.clear();
    const width = frame.visibleRect?.width ?? frame.codedWidth;
    const height = frame.visibleRect?.height ?? frame.codedHeight;
    stats.width = width;
    stats.height = height;
    if (!this.track) {
      // Without MOCK: shown as soon as it is decoded; with wall-clock timestamps the latency is
      // capture to canvas with no playout budget, the floor under any MOCK budget.
      draw(frame, width, height);
      stats.slotUs = ts;
      ++stats.real;
      stats.lastKind = 'real';
      const wall = (performance.timeOrigin + performance.now()) * 1000;
      if (Math.abs(ts - wall) < 3600e6) {
        stats.clock = 'capture';
        stats.latencyMs = (wall - ts) / 1000;
      }
      frame.close();
      return;
    }
    const arrival = meta?.arrival ?? nowUs();
    if (!this.offsetSet) {
      const wall = (performance.timeOrigin + performance.now()) * 1000;
      if (Math.abs(ts - wall) < 3600e6) {
        // Timestamps on the wall clock (LOC without Timescale, as the browser publisher sends):
        // deadlines sit at capture time + budget and latency is glass-to-glass.
        this.track.setClockOffset(-performance.timeOrigin * 1000);
        stats.clock = 'capture';
      } else {
        // Media time: the first frame's arrival anchors it to this clock (as `kinetic play`
        // does without a capture time), so latency counts from that frame's arrival.
        this.track.setClockOffset(arrival - ts);
        stats.clock = 'first arrival';
      }
      this.offsetSet = true;
    }
    const w = width & ~1;
    const h = height & ~1;
    this.track.push(meta?.group ?? 0, meta?.frame ?? 0, ts, arrival, w, h, (dst) => copyI420(frame, w, h, dst));
    frame.close();
  }

  tick() {
    if (!this.track) return;
    const shown = this.track.display(nowUs(), true);
    if (!shown) return;
    if (shown.kind === 'stall') {
      if (stats.lastKind !== 'stall' && stats.drawn > 0) ++stats.stalls;
      stats.lastKind = 'stall';
      return;
    }
    if (!shown.newSlot) return;
    stats.lastKind = shown.kind;
    if (shown.kind === 'real') ++stats.real;
    else if (shown.kind === 'conjecture') {
      ++stats.conjectured;
      stats.conjectureMs = this.track.lastPredictUs() / 1000;
      stats.conjectureMeanMs = this.track.meanPredictUs() / 1000;
    } else if (shown.kind === 'freeze') ++stats.frozen;
    stats.latencyMs = shown.latencyUs / 1000;
    stats.budgetMs = this.track.budgetUs() / 1000;
    stats.slotUs = shown.slotUs;
    if (shown.picture) {
      const p = shown.picture;
      const vf = new VideoFrame(p.data, { format: 'I420', codedWidth: p.width, codedHeight: p.height, timestamp: shown.slotUs });
      draw(vf, p.width, p.height);
      vf.close();
    }
    renderOverlay();
  }

  close() {
    clearInterval(this.timer);
    if (this.decoder.state !== 'closed') this.decoder.close();
    this.track?.destroy();
    this.track = null;
  }
}

// Decoded pictures come as I420 (software decoders) or NV12 (most hardware ones); MOCK takes
// I420 planes packed tightly.
function copyI420(frame: VideoFrame, w: number, h: number, dst: Uint8Array) {
  const cw = w / 2;
  const ch = h / 2;
  if (frame.format === 'I420' || frame.format === 'I420A') {
    frame.copyTo(dst, {
      rect: { x: 0, y: 0, width: w, height: h },
      layout: [
        { offset: 0, stride: w },
        { offset: w * h, stride: cw },
        { offset: w * h + cw * ch, stride: cw },
      ],
    } as any);
    return;
  }
  if (frame.format === 'NV12') {
    const tmp = new Uint8Array(w * h + cw * ch * 2);
    frame.copyTo(tmp, { rect: { x: 0, y: 0, width: w, height: h }, layout: [{ offset: 0, stride: w }, { offset: w * h, stride: w }] } as any);
    dst.set(tmp.subarray(0, w * h), 0);
    const uv = tmp.subarray(w * h);
    for (let i = 0; i < cw * ch; ++i) {
      dst[w * h + i] = uv[2 * i];
      dst[w * h + cw * ch + i] = uv[2 * i + 1];
    }
    return;
  }
  // Anything else: through a canvas to RGBA, then BT.601 to I420.
  const c = new OffscreenCanvas(w, h);
  const x = c.getContext('2d')!;
  x.drawImage(frame, 0, 0, w, h);
  const rgba = x.getImageData(0, 0, w, h).data;
  for (let yy = 0; yy < h; ++yy)
    for (let xx = 0; xx < w; ++xx) {
      const i = (yy * w + xx) * 4;
      dst[yy * w + xx] = Math.max(0, Math.min(255, Math.round(16 + 0.257 * rgba[i] + 0.504 * rgba[i + 1] + 0.098 * rgba[i + 2])));
    }
  for (let yy = 0; yy < ch; ++yy)
    for (let xx = 0; xx < cw; ++xx) {
      const i = (2 * yy * w + 2 * xx) * 4;
      dst[w * h + yy * cw + xx] = Math.round(128 - 0.148 * rgba[i] - 0.291 * rgba[i + 1] + 0.439 * rgba[i + 2]);
      dst[w * h + cw * ch + yy * cw + xx] = Math.round(128 + 0.439 * rgba[i] - 0.368 * rgba[i + 1] - 0.071 * rgba[i + 2]);
    }
}

function draw(image: CanvasImageSource, width: number, height: number) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  ctx.drawImage(image, 0, 0, width, height);
  ++stats.drawn;
}

class AudioPipe {
  decoder: AudioDecoder;
  node: AudioWorkletNode | null = null;
  constructor(codec: string, sampleRate: number, channels: number, description?: Uint8Array) {
    this.decoder = new AudioDecoder({
      output: (data) => this.onDecoded(data),
      error: (e) => {
        ++stats.audioErrors;
        stats.lastError = `audio decoder: ${e.message}`;
      },
    });
    this.decoder.configure({ codec, sampleRate, numberOfChannels: channels, description });
    audioOutput(sampleRate).then((n) => (this.node = n));
  }
  onObject(payload: Uint8Array, timestampUs: number) {
    ++stats.audioObjects;
    if (this.decoder.state !== 'configured') return;
    this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: timestampUs, data: payload }));
  }
  onDecoded(data: AudioData) {
    ++stats.audioDecoded;
    if (this.node) {
      const planes: Float32Array[] = [];
      for (let c = 0; c < data.numberOfChannels; ++c) {
        const p = new Float32Array(data.numberOfFrames);
        data.copyTo(p, { planeIndex: c, format: 'f32-planar' });
        planes.push(p);
      }
      this.node.port.postMessage(planes);
    }
    data.close();
  }
  close() {
    if (this.decoder.state !== 'closed') this.decoder.close();
  }
}

async function pump(sub: any, onFrame: (f: { group: number; frame: number; payload: Uint8Array; timestamp: any }) => void) {
  for (;;) {
    const f = await sub.readFrameSequence();
    if (f === undefined) return;
    onFrame(f);
  }
}

async function session(mock: Mock | null) {
  setState('connecting');
  const { wt, conn } = await connect();
  ++stats.connects;
  stats.connected = true;
  const closed = wt.closed.then(
    (i: any) => `closed (${i?.closeCode ?? 0} ${i?.reason ?? ''})`,
    (e: unknown) => String(e),
  );
  const path = Moq.Path.from(namespace);
  const pipes: { close(): void }[] = [];
  const subs: any[] = [];
  try {
    setState('reading the catalog');
    const catalog = await readCatalog(conn, path, closed);
    stats.catalogTracks = catalog.tracks.map((t) => `${t.name}:${t.codec ?? t.packaging}`);
    const pumps: Promise<unknown>[] = [];
    const video = catalog.tracks.find((t) => t.packaging === 'loc' && isVideo(t));
    const audio = catalog.tracks.find((t) => t.packaging === 'loc' && isAudio(t));
    stats.unsupported = [];
    if (video) {
      const description = initData(catalog, video);
      const config: VideoDecoderConfig = { codec: video.codec ?? '', description, optimizeForLatency: true };
      const support = video.codec ? await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false })) : { supported: false };
      if (!support.supported) {
        stats.unsupported.push(`video ${video.codec ?? '(none)'}`);
      } else {
        stats.videoCodec = video.codec!;
        const interval = video.framerate && video.framerate > 0 ? 1e6 / video.framerate : 33333;
        const v = new VideoPipe(video.codec!, useMock ? mock : null, interval, description);
        pipes.push(v);
        const sub = conn.consume(path).track(video.name).subscribe();
        subs.push(sub);
        pumps.push(pump(sub, (f) => v.onObject(f.group, f.frame, f.payload, Math.round(f.timestamp.asMicros()))));
      }
    }
    if (audio) {
      const description = initData(catalog, audio);
      const sampleRate = audio.samplerate ?? 48000;
      const channels = Number(audio.channelConfig ?? '1') || 1;
      const config: AudioDecoderConfig = { codec: audio.codec ?? '', sampleRate, numberOfChannels: channels, description };
      const support = audio.codec ? await AudioDecoder.isConfigSupported(config).catch(() => ({ supported: false })) : { supported: false };
      if (!support.supported) {
        stats.unsupported.push(`audio ${audio.codec ?? '(none)'}`);
      } else {
        stats.audioCodec = audio.codec!;
        const a = new AudioPipe(audio.codec!, sampleRate, channels, description);
        pipes.push(a);
        const sub = conn.consume(path).track(audio.name).subscribe();
        subs.push(sub);
        pumps.push(pump(sub, (f) => a.onObject(f.payload, Math.round(f.timestamp.asMicros()))));
      }
    }
    if (pumps.length === 0) {
      const what = stats.unsupported.length ? `unsupported codec: ${stats.unsupported.join(', ')}` : 'no LOC audio or video track in the catalog';
      setState('nothing to play', what);
      await closed;
      return;
    }
    stats.lastError = stats.unsupported.length ? `unsupported codec: ${stats.unsupported.join(', ')}` : '';
    setState('playing');
    const why = await Promise.race([closed, Promise.all(pumps).then(() => 'the broadcast ended')]);
    throw new Error(why);
  } finally {
    stats.connected = false;
    for (const s of subs) s.close?.();
    for (const p of pipes) p.close();
    try {
      conn.close();
    } catch {}
  }
}

async function main() {
  renderOverlay();
  const mock = useMock ? await Mock.load(location.href) : null;
  stats.mock = mock !== null;
  let backoff = 500;
  for (;;) {
    const started = performance.now();
    try {
      await session(mock);
    } catch (e) {
      ++stats.disconnects;
      const msg = String((e as Error)?.message ?? e);
      setState(`disconnected: ${msg}; reconnecting in ${(backoff / 1000).toFixed(1)} s`, msg);
    }
    if (performance.now() - started > 10000) backoff = 500;
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 4000);
  }
}

// For tests: the canvas as gray samples on a small grid, with the slot it shows.
function snapshot(w: number, h: number) {
  const c = new OffscreenCanvas(w, h);
  const x = c.getContext('2d')!;
  x.drawImage(canvas, 0, 0, w, h);
  const d = x.getImageData(0, 0, w, h).data;
  const gray: number[] = [];
  for (let i = 0; i < w * h; ++i) gray.push(Math.round(0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]));
  return { slotUs: stats.slotUs, kind: stats.lastKind, width: canvas.width, height: canvas.height, gray };
}

(globalThis as any).kineticPlayer = { stats, snapshot };
setInterval(renderOverlay, 250);
main();
