/**
 * Filter and splay: turn one CPU's hardware records (and the kernel's annotations among
 * them) into each consumer's stream, in the uniform 64-bit ABI.
 *
 * Works only from what is in the buffer: a record's side of the user/kernel split is read
 * off its addresses, the current thread and its pending kernel entry from CTXSW, SYNC and
 * ENTRY annotations; returns that BTS_OFF_USR suppressed come from RET_SRC + RETURN. Per-CPU
 * state is reset by the SYNC that follows every loss, so no state is carried across a gap. LOSS annotations become loss markers: each consumer gets the
 * count of the lost records that were in its view (by class and thread), and one marker
 * per cause, just before the records that follow the gap.
 */
import type { ConsumerKind, SimConfig } from '../model/config.js';
import { Flags, PSEUDO_HI, PseudoPc, entryPseudoPc, isExplicitEntry, isKernelHi } from '../model/constants.js';
import {
  ANN_CTXSW, ANN_ENTRY, ANN_LOSS, ANN_RETURN, ANN_RET_SRC, ANN_SWITCH_MM, ANN_SYNC, ESCAPE, LossClass, RECORD_WORDS,
  annClass, annCode, annTid, annType, lossClassBit, recordWords, widenAddressHi,
} from '../model/hw-record.js';
import { slotWordsFor } from '../mem/layout.js';
import type { ConsumerWriter } from '../consumers/consumer-writer.js';

const classes = (...lossClasses: number[]): number => lossClasses.reduce((mask, c) => mask | lossClassBit(c), 0);
const { USER, KERNEL, ENTRY_EXPLICIT, ENTRY_IRQ, RETURN_EXPLICIT, RETURN_IRQ, SWITCH_MM } = LossClass;

/** Which loss classes are in each kind's view (lossClassBit per class). */
export const KIND_CLASS_MASK: Record<ConsumerKind, number> = {
  'cpu-all': classes(USER, KERNEL, ENTRY_EXPLICIT, ENTRY_IRQ, RETURN_EXPLICIT, RETURN_IRQ, SWITCH_MM),
  // A thread's view has no switch_mm annotations (they belong to the CPU).
  'thread-all': classes(USER, KERNEL, ENTRY_EXPLICIT, ENTRY_IRQ, RETURN_EXPLICIT, RETURN_IRQ),
  // Kernel views see every kernel record, including both ends of each entry and return.
  'cpu-kernel': classes(KERNEL, ENTRY_EXPLICIT, ENTRY_IRQ, RETURN_EXPLICIT, RETURN_IRQ),
  'thread-kernel': classes(KERNEL, ENTRY_EXPLICIT, ENTRY_IRQ, RETURN_EXPLICIT, RETURN_IRQ),
  // User views see explicit entries and returns (as pseudo-PCs), never interrupts.
  'thread-user': classes(USER, ENTRY_EXPLICIT, RETURN_EXPLICIT),
};

interface CpuSplay {
  tid: number;
  kernelKind: number;
  /** Kernel PC of the return to user announced by RET_SRC (BTS_OFF_USR). */
  retSrc: number;
  retSrcHi: number;
  cpuAll: ConsumerWriter[];
  cpuKernel: ConsumerWriter[];
  /** For the current thread: every branch / kernel view / user view. */
  full: ConsumerWriter[];
  kernel: ConsumerWriter[];
  user: ConsumerWriter[];
}

export class Splay {
  private readonly cpus: CpuSplay[];
  private readonly u32: Uint32Array;
  /** The same words as int32: the 64-bit path's tests stay in small-integer arithmetic. */
  private readonly i32: Int32Array;
  private readonly slotWords: number;
  private readonly hideUserPc: boolean;
  private readonly threadAll = new Map<number, ConsumerWriter[]>();
  private readonly threadKernel = new Map<number, ConsumerWriter[]>();
  private readonly threadUser = new Map<number, ConsumerWriter[]>();
  /** Markers waiting for the SYNC that closes a run of LOSS annotations. */
  private readonly pendingMarkers = new Map<ConsumerWriter, Map<number, number>>();
  /** Hardware records (branches and annotations) read. */
  recordsIn = 0;

  constructor(private readonly cfg: SimConfig, bufs: SharedArrayBuffer, writers: ConsumerWriter[]) {
    this.u32 = new Uint32Array(bufs);
    this.i32 = new Int32Array(bufs);
    this.slotWords = slotWordsFor(cfg.bufferRecords);
    this.hideUserPc = cfg.userPc === 'hide';
    this.cpus = Array.from({ length: cfg.cpus }, () => ({
      tid: 0, kernelKind: 0, retSrc: 0, retSrcHi: 0, cpuAll: [], cpuKernel: [], full: [], kernel: [], user: [],
    }));
    const add = (m: Map<number, ConsumerWriter[]>, tid: number, writer: ConsumerWriter) => {
      const l = m.get(tid);
      if (l) l.push(writer);
      else m.set(tid, [writer]);
    };
    for (const writer of writers) {
      const s = writer.spec;
      switch (s.kind) {
        case 'cpu-all': this.cpus[s.target]!.cpuAll.push(writer); break;
        case 'cpu-kernel': this.cpus[s.target]!.cpuKernel.push(writer); break;
        case 'thread-all': add(this.threadAll, s.target, writer); break;
        case 'thread-kernel': add(this.threadKernel, s.target, writer); break;
        case 'thread-user': add(this.threadUser, s.target, writer); break;
      }
    }
    this.cpus.forEach((st) => this.retarget(st, 0));
  }

  /** The current thread changed: recompute who sees its records. */
  private retarget(st: CpuSplay, tid: number): void {
    st.tid = tid;
    st.full = [...st.cpuAll, ...(this.threadAll.get(tid) ?? [])];
    st.kernel = [...st.cpuKernel, ...(this.threadKernel.get(tid) ?? [])];
    st.user = this.threadUser.get(tid) ?? [];
  }

  /** Splay records [from, to) of `buffer`, which holds `cpu`'s records. */
  drain(cpu: number, buffer: number, from: number, to: number): void {
    const st = this.cpus[cpu]!;
    const recWords = recordWords(this.cfg.format[cpu]!);
    const p = buffer * this.slotWords + from * recWords;
    this.recordsIn += to - from;
    if (recWords === RECORD_WORDS) this.drain64(cpu, st, p, to - from);
    else this.drain32(cpu, st, p, to - from);
  }

  /** The 32-bit format: each record widened to the 64-bit ABI, one at a time. */
  private drain32(cpu: number, st: CpuSplay, p: number, n: number): void {
    const u = this.u32;
    const hide = this.hideUserPc;
    const recWords = recordWords(32);
    for (let r = 0; r < n; r++, p += recWords) {
      const fLo = u[p]!, tLo = u[p + 1]!, fl = u[p + 2]!;
      const fHi = fLo === ESCAPE ? ESCAPE : widenAddressHi(fLo);
      const tHi = widenAddressHi(tLo);
      if (fLo === ESCAPE) {
        this.annotation(cpu, st, fl, tLo, tHi);
        continue;
      }
      const full = st.full;
      for (let k = 0; k < full.length; k++) full[k]!.push(fLo, fHi, tLo, tHi, fl, 0);
      const fromK = isKernelHi(fHi);
      const toK = isKernelHi(tHi);
      const kernel = st.kernel;
      if (kernel.length) {
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
      if (!toK) {
        const user = st.user;
        if (!fromK) {
          for (let k = 0; k < user.length; k++) user[k]!.push(fLo, fHi, tLo, tHi, fl, 0);
        } else {
          this.returnToUser(st, tLo, tHi);
        }
      }
    }
  }

  /**
   * The 64-bit format: records are already in the consumers' layout (from, to, flags; the
   * CPU stores the flags' high word as 0), so runs of branch records between two
   * annotations go to each consumer in bulk (pushRun). Each consumer receives exactly what
   * a per-record loop like drain32's would give it, in the same order: only the interleaving
   * between different consumers changes, which nothing observes.
   */
  private drain64(cpu: number, st: CpuSplay, p: number, n: number): void {
    const u = this.u32;
    const i = this.i32;
    // A local: an imported binding is loaded (and checked for initialisation) at every use.
    const W = RECORD_WORDS;
    const end = p + n * W;
    while (p < end) {
      let q = p;
      // (ESCAPE is -1 as int32.) Four records at a time while none of them starts with it: an
      // annotation's first word is always ESCAPE, so those four are branch records.
      const end4 = end - 4 * W;
      while (q <= end4 && i[q] !== -1 && i[q + W] !== -1 && i[q + 2 * W] !== -1 && i[q + 3 * W] !== -1) q += 4 * W;
      while (q < end && (i[q] !== -1 || i[q + 1] !== -1)) q += W;
      if (q > p) this.run64(st, p, q);
      if (q < end) {
        this.annotation(cpu, st, u[q + 4]!, u[q + 2]!, u[q + 3]!);
        q += W;
      }
      p = q;
    }
  }

  /** Branch records [p, end) (word offsets), no annotation among them. */
  private run64(st: CpuSplay, p: number, end: number): void {
    const u = this.u32;
    const W = RECORD_WORDS;
    const full = st.full;
    for (let k = 0; k < full.length; k++) full[k]!.pushRun(u, p, (end - p) / W);
    const kernel = st.kernel;
    const user = st.user;
    // With no kernel or user view here, the records need no look. (st.kernelKind, which a
    // return to user would clear, is read only for user views, and those change only at a
    // CTXSW or SYNC, which set it: so it is left alone.)
    if (kernel.length === 0 && user.length === 0) return;
    const hide = this.hideUserPc;
    const i = this.i32;
    let r = p;
    while (r < end) {
      const fromK = isKernelHi(i[r + 1]!);
      const toK = isKernelHi(i[r + 3]!);
      if (fromK === toK) {
        // A run inside the kernel (kernel views) or inside user mode (user views), as it is.
        let q = r + W;
        if (toK) while (q < end && isKernelHi(i[q + 1]! & i[q + 3]!)) q += W;
        else while (q < end && !isKernelHi(i[q + 1]!) && !isKernelHi(i[q + 3]!)) q += W;
        const list = toK ? kernel : user;
        for (let k = 0; k < list.length; k++) list[k]!.pushRun(u, r, (q - r) / W);
        r = q;
        continue;
      }
      const fLo = u[r]!, fHi = u[r + 1]!, tLo = u[r + 2]!, tHi = u[r + 3]!;
      if (toK) {
        // An entry into the kernel.
        for (let k = 0; k < kernel.length; k++) {
          if (hide) kernel[k]!.push(PseudoPc.USER, PSEUDO_HI, tLo, tHi, 0, 0);
          else kernel[k]!.push(fLo, fHi, tLo, tHi, 0, 0);
        }
      } else {
        // A return to user.
        for (let k = 0; k < kernel.length; k++) {
          if (hide) kernel[k]!.push(fLo, fHi, PseudoPc.USER, PSEUDO_HI, 0, 0);
          else kernel[k]!.push(fLo, fHi, tLo, tHi, 0, 0);
        }
        this.returnToUser(st, tLo, tHi);
      }
      r += W;
    }
  }

  private annotation(cpu: number, st: CpuSplay, flags: number, payload: number, payloadHi: number): void {
    const type = annType(flags);
    const code = annCode(flags);
    switch (type) {
      case ANN_SWITCH_MM:
        for (const c of st.cpuAll) c.push(PseudoPc.SWITCH_MM, PSEUDO_HI, payload, 0, 0, Flags.ANNOTATION_HI);
        break;
      case ANN_CTXSW:
        this.retarget(st, payload);
        st.kernelKind = code;
        break;
      case ANN_SYNC:
        this.emitMarkers();
        this.retarget(st, payload);
        st.kernelKind = code;
        break;
      case ANN_LOSS:
        this.loss(cpu, annClass(flags), code, annTid(flags), payload);
        break;
      case ANN_ENTRY:
        st.kernelKind = code;
        if (isExplicitEntry(code)) {
          const pc = entryPseudoPc(code);
          for (const c of st.user) c.push(payload, payloadHi, pc, PSEUDO_HI, 0, 0);
        }
        break;
      case ANN_RET_SRC:
        st.retSrc = payload;
        st.retSrcHi = payloadHi;
        break;
      case ANN_RETURN:
        for (const c of st.kernel) {
          if (this.hideUserPc) c.push(st.retSrc, st.retSrcHi, PseudoPc.USER, PSEUDO_HI, 0, 0);
          else c.push(st.retSrc, st.retSrcHi, payload, payloadHi, 0, 0);
        }
        st.kernelKind = 0;
        break;
      default:
        throw new Error(`cpu${cpu}: unknown annotation type ${type}`);
    }
  }

  /** A return to user: visible to user-only views when it closes an explicit entry. */
  private returnToUser(st: CpuSplay, tLo: number, tHi: number): void {
    const user = st.user;
    if (user.length && isExplicitEntry(st.kernelKind)) {
      const pc = entryPseudoPc(st.kernelKind);
      for (let k = 0; k < user.length; k++) user[k]!.push(pc, PSEUDO_HI, tLo, tHi, 0, 0);
    }
    st.kernelKind = 0;
  }

  /** Set a CPU's state (current thread, pending entry kind), as a SYNC record would. */
  resync(cpu: number, tid: number, kind: number): void {
    const st = this.cpus[cpu]!;
    this.retarget(st, tid);
    st.kernelKind = kind;
  }

  /** Account lost records of LossClass `lossClass` of thread `tid` to every consumer that would have seen them. */
  loss(cpu: number, lossClass: number, cause: number, tid: number, count: number): void {
    const s = this.cpus[cpu]!;
    const bit = lossClassBit(lossClass);
    const lists = [s.cpuAll, s.cpuKernel, this.threadAll.get(tid), this.threadKernel.get(tid), this.threadUser.get(tid)];
    for (const list of lists) {
      if (!list) continue;
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
