// LOC object timestamps through @moq/net.
//
// Kinetic's publishers put LOC Timestamp (0x10) and Timescale (0x08) in every object's
// properties, which is what the LOC draft asks for ("If no timescale property is present, the
// timestamp is interpreted as wall-clock time in microseconds since the Unix epoch"; an object
// Timescale makes it media time). @moq/net 0.3.4 reads object timestamps only when the track
// also declared a TIMESCALE Track Property in SUBSCRIBE_OK; otherwise it drops them and stamps
// each frame with its arrival time, which would leave a player without media time. Its own
// decoder already honours an object-scope Timescale, so the page gives it LOC's default (µs)
// for tracks that declared none: then objects with a Timescale keep theirs, and objects
// without one are microseconds, as LOC defines. Nothing else in the library changes.
//
// @moq/net does not export its IETF layer, so the module is reached by its file; esbuild
// bundles that file once, the same module object the library's subscriber uses.
import * as Moq from '@moq/net';
import { Frame as IetfFrame } from '../node_modules/@moq/net/ietf/object.js';

let installed = false;

export function useLocTimestamps(): void {
  if (installed) return;
  installed = true;
  const frame = IetfFrame as any;
  const decode = frame.decode;
  const micros = Moq.Time.Timescale(1_000_000);
  frame.decode = function (r: unknown, flags: unknown, timescale: unknown, ...rest: unknown[]) {
    return decode.call(this, r, flags, timescale ?? micros, ...rest);
  };
}
