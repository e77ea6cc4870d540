// Builds the player and publisher pages into a directory `kinetic relay --web-root` serves:
//   node web/build.mjs [--out DIR] [--wasm DIR]
// DIR defaults to web/dist; --wasm names where kinetic_mock.mjs/.wasm were built
// (default build/web, the CMake target kinetic_web_mock). Without them the page plays
// without MOCK and says so.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' }, wasm: { type: 'string' } } });
const out = resolve(values.out ?? join(here, 'dist'));
const wasm = resolve(values.wasm ?? join(here, '..', 'build', 'web'));
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { player: join(here, 'src', 'player.ts'), publish: join(here, 'src', 'publish.ts') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  outdir: out,
  sourcemap: true,
  logLevel: 'warning',
});
for (const f of ['index.html', 'publish.html']) copyFileSync(join(here, f), join(out, f));
let mock = false;
if (existsSync(join(wasm, 'kinetic_mock.mjs')) && existsSync(join(wasm, 'kinetic_mock.wasm'))) {
  for (const f of ['kinetic_mock.mjs', 'kinetic_mock.wasm']) copyFileSync(join(wasm, f), join(out, f));
  mock = true;
}
console.log(`web pages in ${out}${mock ? ' with MOCK (WebAssembly)' : ' without MOCK: no kinetic_mock.wasm in ' + wasm}`);
