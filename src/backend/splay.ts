/**
 * Filter and splay: turn one CPU's hardware records (and the kernel's annotations among
 * them) into each consumer's stream, in the uniform 64-bit ABI.
 *
 * Works only from what is in the buffer: a record's side of the user/kernel split is read
 * off its addresses, the current thread and its pending kernel entry from CTXSW and SYNC
 * annotations. Per-CPU state is reset by the SYNC that follows every loss, so no state is
 * carried across a gap. LOSS annotations become loss markers: each consumer gets the
 * count of the lost records that were in its view (by class and thread), and one marker
 * per cause, just before the records that follow the gap.
 */
import type { ConsumerKind, SimConfig } from '../model/config.js';
import { Flags, KERNEL_HALF_HI, PSEUDO_HI, PseudoPc } from '../model/constants.js';
import { ANN_CTXSW, ANN_LOSS, ANN_SWITCH_MM, ANN_SYNC, ESCAPE, widenAddressHi } from '../model/hw-record.js';
import { HW_SLOT_BYTES } from '../mem/layout.js';
import type { ConsumerWriter } from '../consumers/writers.js';

/** Which loss classes (bit per LossClass) are in each kind's view. */
export const KIND_CLASS_MASK: Record<ConsumerKind, number> = {
  'cpu-all': 0b111_1111,
  'thread-all': 0b011_1111,
  'cpu-kernel': 0b011_1110,
  'thread-kernel': 0b011_1110,
  'thread-user': 0b001_0101,
};

interface CpuSplay {
  tid: number;
  kernelKind: number;
  all: ConsumerWriter[];
  kernel: ConsumerWriter[];
}

export class Splay {
  private readonly cpus: CpuSplay[];
  private readonly u32: Uint32Array;
  private readonly slotWords: number;
  private readonly hideUserPc: boolean;
  /** Markers waiting for the SYNC that closes a run of LOSS annotations. */
  private readonly pendingMarkers = new Map<ConsumerWriter, Map<number, number>>();
  /** Hardware records (branches and annotations) read. */
  recordsIn = 0;

  constructor(private readonly cfg: SimConfig, bufs: SharedArrayBuffer, writers: ConsumerWriter[]) {
    this.u32 = new Uint32Array(bufs);
    this.slotWords = (cfg.bufferRecords * HW_SLOT_BYTES) / 4;
    this.hideUserPc = cfg.userPc === 'hide';
    this.cpus = Array.from({ length: cfg.cpus }, () => ({ tid: 0, kernelKind: 0, all: [], kernel: [] }));
    for (const w of writers) {
      const s = w.spec;
      if (s.kind === 'cpu-all') this.cpus[s.target]!.all.push(w);
      else if (s.kind === 'cpu-kernel') this.cpus[s.target]!.kernel.push(w);
      else throw new Error(`consumer kind ${s.kind} is not supported by this splay yet`);
    }
  }

  /** Splay records [from, to) of `buffer`, which holds `cpu`'s records. */
  drain(cpu: number, buffer: number, from: number, to: number): void {
    const st = this.cpus[cpu]!;
    const u = this.u32;
    const w = this.cfg.format[cpu] === 64 ? 6 : 3;
    const all = st.all, kernel = st.kernel;
    const hide = this.hideUserPc;
    let p = buffer * this.slotWords + from * w;
    this.recordsIn += to - from;
    for (let r = from; r < to; r++, p += w) {
      let fLo: number, fHi: number, tLo: number, tHi: number, fl: number;
      if (w === 6) {
        fLo = u[p]!; fHi = u[p + 1]!; tLo = u[p + 2]!; tHi = u[p + 3]!; fl = u[p + 4]!;
      } else {
        fLo = u[p]!; tLo = u[p + 1]!; fl = u[p + 2]!;
        fHi = fLo === ESCAPE ? ESCAPE : widenAddressHi(fLo);
        tHi = widenAddressHi(tLo);
      }
      if (fLo === ESCAPE && fHi === ESCAPE) {
        this.annotation(cpu, st, fl, tLo);
        continue;
      }
      for (let k = 0; k < all.length; k++) all[k]!.push(fLo, fHi, tLo, tHi, fl, 0);
      if (kernel.length) {
        const fromK = fHi >>> 0 >= KERNEL_HALF_HI;
        const toK = tHi >>> 0 >= KERNEL_HALF_HI;
        if (fromK && toK) {
          for (let k = 0; k < kernel.length; k++) kernel[k]!.push(fLo, fHi, tLo, tHi, fl, 0);
        } else if (toK) {
          for (let k = 0; k < kernel.length; k++) {
            if (hide) kernel[k]!.push(PseudoPc.USER, PSEUDO_HI, tLo, tHi, 0, 0);
            else kernel[k]!.push(fLo, fHi, tLo, tHi, 0, 0);
          }
        } else if (fromK) {
          for (let k = 0; k < kernel.length; k++) {
            if (hide) kernel[k]!.push(fLo, fHi, PseudoPc.USER, PSEUDO_HI, 0, 0);
            else kernel[k]!.push(fLo, fHi, tLo, tHi, 0, 0);
          }
        }
      }
    }
  }

  private annotation(cpu: number, st: CpuSplay, flags: number, payload: number): void {
    const type = flags & 0xf;
    const code = (flags >>> 8) & 0xff;
    switch (type) {
      case ANN_SWITCH_MM:
        for (const c of st.all) c.push(PseudoPc.SWITCH_MM, PSEUDO_HI, payload, 0, 0, Flags.ANNOTATION_HI);
        break;
      case ANN_CTXSW:
        st.tid = payload;
        st.kernelKind = code;
        break;
      case ANN_SYNC:
        this.emitMarkers();
        st.tid = payload;
        st.kernelKind = code;
        break;
      case ANN_LOSS:
        this.loss(st, (flags >>> 4) & 0xf, code, flags >>> 16, payload);
        break;
      default:
        throw new Error(`cpu${cpu}: unknown annotation type ${type}`);
    }
  }

  /** Account lost records of class `klass` of thread `tid` to every consumer that would have seen them. */
  loss(st: CpuSplay | number, klass: number, cause: number, _tid: number, count: number): void {
    const s = typeof st === 'number' ? this.cpus[st]! : st;
    const bit = 1 << klass;
    for (const list of [s.all, s.kernel]) {
      for (const c of list) {
        if ((KIND_CLASS_MASK[c.spec.kind] & bit) === 0) continue;
        let m = this.pendingMarkers.get(c);
        if (!m) this.pendingMarkers.set(c, (m = new Map()));
        m.set(cause, (m.get(cause) ?? 0) + count);
      }
    }
  }

  /** Write the markers gathered from a run of LOSS annotations. */
  emitMarkers(): void {
    if (this.pendingMarkers.size === 0) return;
    for (const [c, m] of this.pendingMarkers) {
      for (const [cause, count] of m) c.marker(cause, count);
    }
    this.pendingMarkers.clear();
  }
}
