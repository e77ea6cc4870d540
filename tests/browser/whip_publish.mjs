// Drives headless Chromium as a WHIP publisher (fake camera and microphone) against `kinetic whip`.
// Usage: node whip_publish.mjs <whip-url> <token|-> <seconds> <delete|vanish> [offer.sdp]
// Prints "RESULT <json>" and exits 0 when the gateway answered 201 and media flowed (or, with an
// offer file, whatever the gateway answered: the caller judges the status). 'vanish' closes the
// browser without DELETE, as a client that crashed would.
import { readFileSync } from 'node:fs';
import { runInChromium } from './page_driver.mjs';

const [url, token, seconds = '5', mode = 'delete', offerFile] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node whip_publish.mjs <whip-url> <token|-> <seconds> <delete|vanish> [offer.sdp]');
  process.exit(2);
}
const offer = offerFile ? readFileSync(offerFile, 'utf8') : null;
const result = await runInChromium('whip_publish.html',
  ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
   ...(process.env.KINETIC_FAKE_VIDEO ? [`--use-file-for-fake-video-capture=${process.env.KINETIC_FAKE_VIDEO}`] : [])],
  (page) => page.evaluate(
    ([u, t, s, m, o]) => runWhip(u, t === '-' ? '' : t, Number(s), m, o).catch((e) => ({ error: String(e), step })),
    [url, token, seconds, mode, offer],
  ));
const flowed = result.status === 201 && result.connection === 'connected' && (result.stats?.video?.packetsSent ?? 0) > 0;
process.exit(offer ? (result.status ? 0 : 1) : flowed ? 0 : 1);
