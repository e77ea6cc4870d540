// Drives headless Chromium as a WHEP viewer of `kinetic whip`'s /whep/<namespace>.
// Usage: node whep_play.mjs <whep-url> <token|-> <seconds> [delete|vanish]
// Prints "RESULT <json>" (framesDecoded once a second, the <video> element's state) and exits 0
// when the gateway answered 201 and the frames decoded advanced while playing. 'vanish' closes
// the browser without DELETE, as a closed tab or a crash would.
import { runInChromium } from './page_driver.mjs';

const [url, token, seconds = '5', mode = 'delete'] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node whep_play.mjs <whep-url> <token|-> <seconds>');
  process.exit(2);
}
// Loopback host candidates, not mDNS names: the gateway only talks to 127.0.0.1.
const result = await runInChromium('whep_play.html',
  ['--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'],
  (page) => page.evaluate(
    ([u, t, s, m]) => runWhep(u, t === '-' ? '' : t, Number(s), m).catch((e) => ({ error: String(e), step })),
    [url, token, seconds, mode],
  ));
const decoded = (result.samples ?? []).map((s) => s.framesDecoded);
const advancing = decoded.length >= 3 && decoded[decoded.length - 1] > decoded[1] && decoded[1] > 0;
process.exit(result.status === 201 && advancing ? 0 : 1);
