// Video conjecture time per frame (push_real + predict(1)) of MOCK's CPU engine in WebAssembly
// (build/web/kinetic_mock.wasm, run by node's V8, the engine Chromium runs it with) beside the
// native build (build/bench/mock/video_conjecture_bench), on the same 16 frames of
// ../shared/media/vtest.avi scaled to each size, in the same run.
//   node web/bench/conjecture_bench.mjs [--iterations 40]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({ options: { iterations: { type: 'string', default: '40' }, build: { type: 'string', default: join(root, 'build') } } });
const iterations = Number(values.iterations);
const clip = join(root, '..', 'shared', 'media', 'vtest.avi');
const sizes = [[640, 480], [1280, 720], [1920, 1080]];
const frames = 16;

// emcc 3.1.6's ES module reaches node's fs through CommonJS names it does not define itself.
globalThis.__dirname = join(values.build, 'web');
globalThis.require = createRequire(import.meta.url);
const create = (await import(pathToFileURL(join(values.build, 'web', 'kinetic_mock.mjs')).href)).default;
const m = await create({ wasmBinary: readFileSync(join(values.build, 'web', 'kinetic_mock.wasm')) });
const rows = [];
for (const [w, h] of sizes) {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-vf', `scale=${w}:${h}`, '-frames:v', String(frames),
    '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-'], { maxBuffer: 1 << 28 });
  const count = Math.floor(raw.length / ((w * h * 3) / 2));
  const ptr = m._malloc(raw.length);
  m.HEAPU8.set(raw, ptr);
  m._kmock_bench_conjecture(ptr, count, w, h, 3); // warm-up
  const us = m._kmock_bench_conjecture(ptr, count, w, h, iterations);
  m._free(ptr);
  rows.push({ size: `${w}x${h}`, wasm_ms: us / 1000 });
}
const native = join(values.build, 'bench', 'mock', 'video_conjecture_bench');
if (existsSync(native)) {
  const out = JSON.parse(execFileSync(native, ['--benchmark_filter=BM_ConjectureCpu', '--benchmark_format=json'],
    { maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
  for (const b of out.benchmarks) {
    const m2 = b.name.match(/\/(\d+)\/(\d+)/);
    const row = m2 && rows.find((r) => r.size === `${m2[1]}x${m2[2]}`);
    if (row) row.native_ms = (b.real_time * ({ ns: 1e-6, us: 1e-3, ms: 1 }[b.time_unit] ?? 1));
  }
}
for (const r of rows) {
  const ratio = r.native_ms ? (r.wasm_ms / r.native_ms).toFixed(1) + 'x' : '-';
  console.log(`${r.size}: wasm ${r.wasm_ms.toFixed(2)} ms/frame, native ${r.native_ms ? r.native_ms.toFixed(2) : '-'} ms/frame, wasm/native ${ratio}`);
}
