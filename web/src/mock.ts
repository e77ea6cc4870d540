// MOCK in the page: the WebAssembly build of src/kinetic/mock (web/wasm/mock_wasm.cpp), the same
// timeline, kinetics, deadline policy and CPU video conjecturer `kinetic play` runs. Loaded from
// kinetic_mock.mjs beside the page; null when it is not there (the page then shows frames as
// they are decoded and says MOCK is off).

export type Kind = 'real' | 'conjecture' | 'freeze' | 'stall';
const KINDS: Kind[] = ['real', 'conjecture', 'freeze', 'stall'];

interface Module {
  HEAPU8: Uint8Array;
  [name: string]: any;
}

export interface Shown {
  kind: Kind;
  newSlot: boolean;
  slotUs: number;
  latencyUs: number;
  group: number;
  object: number;
  confidence: number;
  // I420, tightly packed, copied out of the module; null before the first real picture.
  picture: { width: number; height: number; data: Uint8Array } | null;
}

export class MockTrack {
  #m: Module;
  #h: number;

  constructor(m: Module, handle: number) {
    this.#m = m;
    this.#h = handle;
  }

  setClockOffset(offsetUs: number): void {
    this.#m._kmock_set_clock_offset(this.#h, Math.round(offsetUs));
  }

  // Copies one decoded picture (I420 tightly packed) into the timeline.
  push(group: number, object: number, timestampUs: number, arrivalUs: number, width: number, height: number,
       fill: (dst: Uint8Array) => void): boolean {
    const size = (width * height * 3) / 2;
    const ptr = this.#m._kmock_input(this.#h, width, height);
    if (!ptr) return false;
    fill(this.#m.HEAPU8.subarray(ptr, ptr + size));
    return this.#m._kmock_push(this.#h, group >>> 0, object >>> 0, Math.round(timestampUs), Math.round(arrivalUs),
      width, height) === 0;
  }

  display(tUs: number, wantPicture: boolean): Shown | null {
    const m = this.#m;
    const h = this.#h;
    const k = m._kmock_display(h, Math.round(tUs));
    if (k < 0) return null;
    const newSlot = m._kmock_new_slot(h) === 1;
    let picture: Shown['picture'] = null;
    const width = m._kmock_width(h);
    const height = m._kmock_height(h);
    if (wantPicture && newSlot && width > 0 && height > 0) {
      const luma = width * height;
      const data = new Uint8Array((luma * 3) / 2);
      const y = m._kmock_plane(h, 0);
      const u = m._kmock_plane(h, 1);
      const v = m._kmock_plane(h, 2);
      data.set(m.HEAPU8.subarray(y, y + luma), 0);
      data.set(m.HEAPU8.subarray(u, u + luma / 4), luma);
      data.set(m.HEAPU8.subarray(v, v + luma / 4), luma + luma / 4);
      picture = { width, height, data };
    }
    return {
      kind: KINDS[k],
      newSlot,
      slotUs: m._kmock_slot_us(h),
      latencyUs: m._kmock_latency_us(h),
      group: m._kmock_group(h),
      object: m._kmock_object(h),
      confidence: m._kmock_confidence(h),
      picture,
    };
  }

  budgetUs(): number {
    return this.#m._kmock_budget_us(this.#h);
  }
  lastPredictUs(): number {
    return this.#m._kmock_last_predict_us(this.#h);
  }
  meanPredictUs(): number {
    return this.#m._kmock_mean_predict_us(this.#h);
  }
  destroy(): void {
    if (this.#h) this.#m._kmock_destroy(this.#h);
    this.#h = 0;
  }
}

export type LatePolicy = 'conjecture' | 'freeze' | 'stall';

export class Mock {
  #m: Module;
  private constructor(m: Module) {
    this.#m = m;
  }

  static async load(base: string): Promise<Mock | null> {
    try {
      const url = new URL('kinetic_mock.mjs', base).href;
      const mod = await import(/* @vite-ignore */ url);
      const m = (await mod.default()) as Module;
      return new Mock(m);
    } catch (e) {
      console.warn(`MOCK WebAssembly not loaded: ${e}`);
      return null;
    }
  }

  // budgetMs 0: adaptive budget.
  videoTrack(intervalUs: number, policy: LatePolicy, budgetMs: number): MockTrack | null {
    const p = policy === 'freeze' ? 1 : policy === 'stall' ? 2 : 0;
    const h = this.#m._kmock_create(intervalUs, p, budgetMs * 1000, 0);
    return h ? new MockTrack(this.#m, h) : null;
  }
}
