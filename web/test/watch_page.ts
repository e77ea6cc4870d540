// @moq/watch (moq-dev's player, npm, unmodified) as an independent check of Kinetic's MSF + LOC:
// its <moq-watch> element subscribes through `kinetic relay` and renders to its canvas.
// Bundled by player_run.mjs (scenario "watch").
import '@moq/watch/element';

const params = new URLSearchParams(location.search);
const el = document.createElement('moq-watch');
el.setAttribute('url', params.get('url') ?? `${location.origin}/moq`);
el.setAttribute('name', params.get('ns') ?? 'demo');
el.setAttribute('catalog-format', 'msf');
el.setAttribute('visible', 'always');
el.setAttribute('muted', '');
const canvas = document.createElement('canvas');
canvas.width = 320;
canvas.height = 240;
el.appendChild(canvas);
document.body.appendChild(el);

// What the canvas shows: mean and spread of its pixels (all zero while nothing is drawn).
function canvasStats() {
  const c = new OffscreenCanvas(64, 48);
  const x = c.getContext('2d')!;
  x.drawImage(canvas, 0, 0, 64, 48);
  const d = x.getImageData(0, 0, 64, 48).data;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < 64 * 48; ++i) {
    const g = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2];
    sum += g;
    sq += g * g;
  }
  const mean = sum / (64 * 48);
  return { width: canvas.width, height: canvas.height, mean, stddev: Math.sqrt(Math.max(0, sq / (64 * 48) - mean * mean)) };
}
(globalThis as any).watchCheck = { canvasStats, element: el };
