// A misbehaving publisher for the player's bad-input test: an MSF catalog naming a video codec
// no decoder knows, and a track of bytes in it. Bundled by player_run.mjs next to the pages.
import * as Moq from '@moq/net';

async function run(url: string, hash: string, ns: string, codec: string) {
  const value = new Uint8Array(hash.match(/../g)!.map((h) => parseInt(h, 16)));
  const wt = new WebTransport(url, { serverCertificateHashes: [{ algorithm: 'sha-256', value }], protocols: ['moqt-20'] } as any);
  await wt.ready;
  const conn = await Moq.Connection.connect(new URL(url), { transport: wt, websocket: { enabled: false } } as any);
  const broadcast = new Moq.Broadcast.Producer();
  const catalog = broadcast.createTrack('catalog');
  const video = broadcast.createTrack('video0', { timescale: Moq.Time.Timescale(1_000_000) });
  conn.publish(Moq.Path.from(ns), broadcast);
  const json = {
    version: 'draft-01',
    tracks: [{ name: 'video0', packaging: 'loc', isLive: true, role: 'video', codec, width: 320, height: 240, framerate: 10, timescale: 1000000 }],
  };
  setInterval(() => {
    const g = catalog.appendGroup();
    g.writeJson(json);
    g.close();
  }, 500);
  let n = 0;
  setInterval(() => {
    const g = video.appendGroup();
    g.writeFrame({ payload: new Uint8Array([0, 0, 0, 1, n++ & 0xff]), timestamp: Moq.Time.Timestamp.fromMicros(n * 100000) });
    g.close();
  }, 100);
  return 'publishing';
}

(globalThis as any).bogusPublisher = { run };
