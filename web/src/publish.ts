// Kinetic's browser publisher: camera and microphone through WebCodecs encoders (H.264 and
// Opus) into an MSF broadcast of LOC tracks, published with PUBLISH_NAMESPACE to `kinetic relay`
// by @moq/net over WebTransport. No tool needs installing: the relay serves this page.
//
// URL parameters: url (WebTransport URL; default this origin's /moq), hash (certificate SHA-256
// hex), ns (namespace, default "browser"), protocol (moqt-20 or moqt-18), width, height, fps,
// kbps (video bitrate), audio=0 (camera only).
//
// Media time: each frame's LOC Timestamp is its capture instant in wall-clock microseconds
// since the Unix epoch (LOC's meaning of a Timestamp without Timescale; the tracks declare
// microseconds), so a player on a synchronised clock measures glass-to-glass latency from it.
//
// State for tests: globalThis.kineticPublisher.
import * as Moq from '@moq/net';

const params = new URLSearchParams(location.search);
const relayUrl = params.get('url') ?? `${location.origin}/moq`;
const hashHex = params.get('hash') ?? '';
const namespace = params.get('ns') ?? 'browser';
const protocol = params.get('protocol') ?? 'moqt-20';
const width = Number(params.get('width') ?? '640');
const height = Number(params.get('height') ?? '480');
const fps = Number(params.get('fps') ?? '30');
const kbps = Number(params.get('kbps') ?? '1500');
const withAudio = params.get('audio') !== '0';
const videoCodec = 'avc1.42e01f'; // H.264 Constrained Baseline 3.1: every WebCodecs H.264 encoder has it

const stats = {
  relay: relayUrl,
  protocol,
  namespace,
  state: 'starting',
  lastError: '',
  connected: false,
  videoCodec,
  audioCodec: withAudio ? 'opus' : '',
  width: 0,
  height: 0,
  videoFrames: 0,
  videoEncoded: 0,
  videoKeyframes: 0,
  videoGroups: 0,
  videoBytes: 0,
  audioEncoded: 0,
  catalogs: 0,
  encodeMs: 0,
};

const preview = document.getElementById('preview') as HTMLVideoElement;
const overlay = document.getElementById('overlay') as HTMLElement;
function renderOverlay() {
  overlay.textContent = [
    `relay   ${stats.relay} (${stats.protocol}${stats.connected ? ', connected' : ''})`,
    `state   ${stats.state}`,
    `publish ${stats.namespace}: video ${stats.videoCodec} ${stats.width}x${stats.height} ${stats.videoEncoded} frames ` +
      `(${(stats.videoBytes / 1024).toFixed(0)} KiB)` + (withAudio ? `, audio opus ${stats.audioEncoded} frames` : ''),
    ...(stats.lastError ? [`error   ${stats.lastError}`] : []),
  ].join('\n');
}
function setState(s: string, error?: string) {
  stats.state = s;
  if (error !== undefined) stats.lastError = error;
  renderOverlay();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const wallUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}
function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}
function bytesOf(d: AllowSharedBufferSource): Uint8Array {
  return d instanceof ArrayBuffer ? new Uint8Array(d.slice(0)) : new Uint8Array((d as ArrayBufferView).buffer.slice(
    (d as ArrayBufferView).byteOffset, (d as ArrayBufferView).byteOffset + (d as ArrayBufferView).byteLength));
}
// RFC 7845 identification header, the Opus "extradata" MP4 and WebCodecs take.
function opusHead(channels: number, sampleRate: number): Uint8Array {
  const b = new Uint8Array(19);
  b.set(new TextEncoder().encode('OpusHead'), 0);
  const v = new DataView(b.buffer);
  v.setUint8(8, 1);
  v.setUint8(9, channels);
  v.setUint16(10, 312, true);
  v.setUint32(12, sampleRate, true);
  v.setInt16(16, 0, true);
  v.setUint8(18, 0);
  return b;
}

// Frames are stamped with their capture instant on the wall clock: the first frame of each
// track, when it is read from the camera or microphone (before the encoder), anchors its own
// media clock (VideoFrame/AudioData timestamps, µs) to the wall clock.
class Anchor {
  media = -1;
  wall = 0;
  at(mediaUs: number): number {
    if (this.media < 0) {
      this.media = mediaUs;
      this.wall = wallUs();
    }
    return this.wall + (mediaUs - this.media);
  }
}

async function connect(): Promise<{ wt: WebTransport; conn: any }> {
  const options: any = { allowPooling: false, protocols: [protocol] };
  if (hashHex) options.serverCertificateHashes = [{ algorithm: 'sha-256', value: hexToBytes(hashHex) }];
  const wt = new WebTransport(relayUrl, options);
  wt.closed.catch(() => {});
  await Promise.race([wt.ready, sleep(5000).then(() => Promise.reject(new Error('WebTransport: no answer in 5 s')))]);
  const conn = await Moq.Connection.connect(new URL(relayUrl), { transport: wt, websocket: { enabled: false } } as any);
  return { wt, conn };
}

async function main() {
  renderOverlay();
  setState('opening the camera');
  const media = await navigator.mediaDevices.getUserMedia({
    video: { width, height, frameRate: fps },
    audio: withAudio ? { channelCount: 1, sampleRate: 48000, echoCancellation: false } : false,
  });
  preview.srcObject = media;
  const vtrack = media.getVideoTracks()[0];
  const atrack = withAudio ? media.getAudioTracks()[0] : undefined;

  setState('connecting');
  const { wt, conn } = await connect();
  stats.connected = true;
  wt.closed.then(
    () => setState('relay closed the session', 'the relay closed the session; reload to publish again'),
    (e) => setState('relay gone', String(e)),
  ).finally(() => (stats.connected = false));

  const broadcast = new Moq.Broadcast.Producer();
  const micro = Moq.Time.Timescale(1_000_000);
  const catalogTrack = broadcast.createTrack('catalog');
  const video = broadcast.createTrack('video0', { timescale: micro });
  const audio = withAudio ? broadcast.createTrack('audio0', { timescale: micro }) : undefined;
  conn.publish(Moq.Path.from(namespace), broadcast);

  // The catalog goes out once the encoders have said their configuration, and again every
  // 2 s in a new group, so a subscriber that comes later starts from a whole one.
  let videoDescription: Uint8Array | undefined;
  // A camera delivers what it can, not what was asked (Chromium's fake one gives 20 of 30
  // frames/s): the catalog's framerate, the player's slot grid, is measured over the first
  // frames before the catalog goes out.
  let measuredFps = fps;
  const firstStamps: number[] = [];
  let live = false;
  let settings = vtrack.getSettings();
  const audioSettings = atrack?.getSettings();
  const sampleRate = 48000;
  const channels = 1;
  const catalog = () => ({
    version: 'draft-01',
    generatedAt: Date.now(),
    tracks: [
      {
        name: 'video0', packaging: 'loc', isLive: true, role: 'video', codec: videoCodec,
        width: stats.width, height: stats.height, framerate: measuredFps, timescale: 1000000, bitrate: kbps * 1000,
        ...(videoDescription ? { initRef: 'video0-init' } : {}),
      },
      ...(audio ? [{
        name: 'audio0', packaging: 'loc', isLive: true, role: 'audio', codec: 'opus', samplerate: sampleRate,
        channelConfig: String(channels), timescale: 1000000, bitrate: 64000, initRef: 'audio0-init',
      }] : []),
    ],
    initDataList: [
      ...(videoDescription ? [{ id: 'video0-init', type: 'inline', data: toBase64(videoDescription) }] : []),
      ...(audio ? [{ id: 'audio0-init', type: 'inline', data: toBase64(opusHead(channels, sampleRate)) }] : []),
    ],
  });
  const writeCatalog = () => {
    const g = catalogTrack.appendGroup();
    g.writeJson(catalog());
    g.close();
    ++stats.catalogs;
  };

  // Video: one group per keyframe (one a second).
  let vgroup: any = null;
  const vanchor = new Anchor();
  const encodeStarted = new Map<number, number>();
  const vencoder = new VideoEncoder({
    output: (chunk, meta) => {
      if (meta?.decoderConfig?.description && !videoDescription) videoDescription = bytesOf(meta.decoderConfig.description);
      if (!videoDescription) return;
      if (!live) {
        firstStamps.push(chunk.timestamp);
        if (firstStamps.length >= 10) {
          const deltas = firstStamps.slice(1).map((t, i) => t - firstStamps[i]).sort((a, b) => a - b);
          const median = deltas[Math.floor(deltas.length / 2)];
          if (median > 0) measuredFps = Math.round((1e6 / median) * 100) / 100;
          live = true;
          writeCatalog();
          setInterval(writeCatalog, 2000);
          setState('live');
        }
      }
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      if (chunk.type === 'key') {
        vgroup?.close();
        vgroup = video.appendGroup();
        ++stats.videoGroups;
        ++stats.videoKeyframes;
      }
      if (!vgroup) return;
      vgroup.writeFrame({ payload: data, timestamp: new Moq.Time.Timestamp(vanchor.at(chunk.timestamp), micro) });
      ++stats.videoEncoded;
      stats.videoBytes += data.byteLength;
      const t0 = encodeStarted.get(chunk.timestamp);
      if (t0 !== undefined) {
        stats.encodeMs = performance.now() - t0;
        encodeStarted.delete(chunk.timestamp);
      }
    },
    error: (e) => setState('video encoder failed', e.message),
  });

  // Audio: Opus, 20 ms frames, a new group every second.
  let agroup: any = null;
  let aframes = 0;
  const aanchor = new Anchor();
  const aencoder = audio
    ? new AudioEncoder({
        output: (chunk) => {
          if (!live) return; // nothing is live before the catalog
          const data = new Uint8Array(chunk.byteLength);
          chunk.copyTo(data);
          if (!agroup || aframes % 50 === 0) {
            agroup?.close();
            agroup = audio.appendGroup();
          }
          ++aframes;
          agroup.writeFrame({ payload: data, timestamp: new Moq.Time.Timestamp(aanchor.at(chunk.timestamp), micro) });
          ++stats.audioEncoded;
        },
        error: (e) => setState('audio encoder failed', e.message),
      })
    : undefined;
  aencoder?.configure({ codec: 'opus', sampleRate, numberOfChannels: channels, bitrate: 64000, opus: { frameDuration: 20000 } } as any);

  const vreader = new (globalThis as any).MediaStreamTrackProcessor({ track: vtrack }).readable.getReader();
  const pumpVideo = async () => {
    let configured = false;
    for (;;) {
      const { value: frame, done } = await vreader.read();
      if (done) return;
      ++stats.videoFrames;
      vanchor.at(frame.timestamp); // the first frame read fixes the anchor, before any encoding delay
      if (!configured) {
        settings = vtrack.getSettings();
        stats.width = frame.displayWidth & ~1;
        stats.height = frame.displayHeight & ~1;
        vencoder.configure({
          codec: videoCodec, width: stats.width, height: stats.height, bitrate: kbps * 1000, framerate: fps,
          latencyMode: 'realtime', avc: { format: 'avc' },
        } as any);
        configured = true;
      }
      if (vencoder.encodeQueueSize > 4) {
        frame.close(); // the encoder is behind: drop rather than queue latency
        continue;
      }
      encodeStarted.set(frame.timestamp, performance.now());
      vencoder.encode(frame, { keyFrame: stats.videoFrames === 1 || stats.videoFrames % Math.max(1, Math.round(fps)) === 0 });
      frame.close();
    }
  };
  const pumpAudio = async () => {
    if (!atrack || !aencoder) return;
    const reader = new (globalThis as any).MediaStreamTrackProcessor({ track: atrack }).readable.getReader();
    for (;;) {
      const { value: data, done } = await reader.read();
      if (done) return;
      aanchor.at(data.timestamp);
      if (aencoder.state === 'configured' && data.sampleRate === sampleRate) aencoder.encode(data);
      else if (aencoder.state === 'configured') resampleAndEncode(aencoder, data, sampleRate);
      data.close();
    }
  };
  void settings;
  void audioSettings;
  await Promise.all([pumpVideo(), pumpAudio()]);
}

// A microphone at another rate: linear interpolation to 48 kHz mono, enough for speech.
function resampleAndEncode(enc: AudioEncoder, data: AudioData, rate: number) {
  const n = data.numberOfFrames;
  const src = new Float32Array(n);
  data.copyTo(src, { planeIndex: 0, format: 'f32-planar' });
  const m = Math.round((n * rate) / data.sampleRate);
  const out = new Float32Array(m);
  for (let i = 0; i < m; ++i) {
    const x = (i * data.sampleRate) / rate;
    const k = Math.min(n - 1, Math.floor(x));
    const f = x - k;
    out[i] = src[k] * (1 - f) + src[Math.min(n - 1, k + 1)] * f;
  }
  enc.encode(new AudioData({ format: 'f32-planar', sampleRate: rate, numberOfFrames: m, numberOfChannels: 1, timestamp: data.timestamp, data: out }));
}

(globalThis as any).kineticPublisher = { stats };
setInterval(renderOverlay, 250);
main().catch((e) => setState('stopped', String(e?.message ?? e)));
