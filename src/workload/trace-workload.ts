/**
 * A real program's branch trace as a workload (issue 8): each trace is one task, in its
 * own address space, on its own CPU (trace i runs as tid i + 1 on CPU i), streamed from
 * its file chunk by chunk (never loaded whole). Nothing is interleaved with it, so its
 * per-thread streams are the trace's own.
 *
 * Expansion of the trace's events into the simulator's (what both the CPU and the oracle
 * replay, deterministically):
 *   branch u->u     a user branch; k->k a kernel branch; u->k an entry and k->u a return
 *                   (asynchronous: the trace does not say why it entered the kernel)
 *   syscall         an entry (the syscall instruction's PC to a kernel entry point), a
 *                   synthetic kernel path (seeded length), and, when it returns, the return
 *                   to the PC the trace resumes at; exit/exit_group switch to idle instead
 *   end of trace    a CPU whose trace is shorter than the longest one runs idle (kernel
 *                   branches) to the end, after an interrupt and a switch away from it
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind } from '../model/constants.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_USER, EventChunk, REC_WORDS } from './events.js';
import { hashKey, Rng } from './prng.js';
import { KERNEL_LO_MIN, KERNEL_LO_SPAN } from './addresses.js';
import { QemuTraceReader } from './trace/qemu-reader.js';
import { PerfScriptReader } from './trace/perf-script-reader.js';
import type { TraceEvent, TraceReader } from './trace/trace-event.js';

const KERNEL_HALF_HI = 0xffff_8000;

interface Ev {
  type: number;
  fLo: number; fHi: number; tLo: number; tHi: number;
  aux: number;
}

export class TraceWorkload {
  private readonly reader: TraceReader | null;
  private readonly rng: Rng;
  private readonly queue: Ev[] = [];
  /** The task running now: the trace's tid until it exits or ends, then 0 (idle). */
  private owner: number;
  private inKernel = false;
  private readerDone = false;
  private lastUserLo = 0x40_0000;
  private lastUserHi = 0;
  private produced = 0;
  private chunks = 0;

  /** `total`: events to produce (the run's branches per CPU); Infinity to measure a trace. */
  constructor(private readonly cfg: SimConfig, readonly cpu: number, private readonly total = cfg.branches) {
    const t = cfg.traceFiles?.[cpu];
    this.reader = t ? (t.format === 'qemu' ? new QemuTraceReader(t.path, t.source) : new PerfScriptReader(t.path, t.source)) : null;
    this.owner = t ? cpu + 1 : 0;
    this.rng = new Rng(hashKey(cfg.seed, 0x7ace, cpu));
  }

  /**
   * Events the trace gives before it ends (its natural length; reads the whole file), or
   * null once `signal` is aborted. A long trace takes seconds to read: it gives way to the
   * event loop every 20 ms, so a Ctrl-C is seen at once.
   */
  static async measure(cfg: SimConfig, cpu: number, signal?: AbortSignal): Promise<number | null> {
    const w = new TraceWorkload(cfg, cpu, Infinity);
    try {
      let n = 0;
      let since = Date.now();
      while (w.nextEvent(true)) {
        if ((++n & 0x3fff) === 0 && Date.now() - since >= 20) {
          await new Promise((r) => setImmediate(r));
          if (signal?.aborted) return null;
          since = Date.now();
        }
      }
      return n;
    } finally {
      w.close();
    }
  }

  close(): void {
    this.reader?.close();
  }

  fill(out: EventChunk): boolean {
    if (this.produced >= this.total) {
      this.close();
      return false;
    }
    out.tid = this.owner;
    out.epoch = this.chunks++;
    out.start = this.produced;
    out.migratedAfter = -1;
    let i = 0;
    while (i < out.capacity && this.produced < this.total) {
      const e = this.nextEvent(false)!;
      const o = i * REC_WORDS;
      out.rec[o] = e.fLo; out.rec[o + 1] = e.fHi; out.rec[o + 2] = e.tLo; out.rec[o + 3] = e.tHi;
      out.rec[o + 4] = 0; out.rec[o + 5] = 0;
      out.type[i] = e.type;
      out.aux[i] = e.aux;
      out.aux2[i] = 0;
      out.aux3[i] = 0;
      i++;
      this.produced++;
      // A chunk belongs to one task: end it at the switch away from the trace's task.
      if (e.type === EV_SWITCH) break;
    }
    out.length = i;
    out.ownedEnd = i;
    return true;
  }

  /** The next expanded event; with `natural`, null when the trace ends (no idle padding). */
  private nextEvent(natural: boolean): Ev | null {
    while (this.queue.length === 0) {
      if (this.owner === 0) {
        if (natural) return null;
        this.queue.push(this.kernelBranch());
        break;
      }
      const t = this.readerDone ? null : this.reader!.next();
      if (t === null) {
        this.readerDone = true;
        if (natural) return null;
        // Still running when its trace ends: an interrupt, and the CPU goes idle.
        if (!this.inKernel) this.queue.push({ type: EV_ENTRY, ...lohi(this.lastUserLo, this.lastUserHi, this.kLo(), 0xffff_ffff), aux: EntryKind.INTERRUPT });
        this.queue.push(this.switchToIdle());
        break;
      }
      this.expand(t);
    }
    const e = this.queue.shift()!;
    if (e.type === EV_SWITCH) this.owner = 0;
    return e;
  }

  private expand(t: TraceEvent): void {
    if (t.kind === 'branch') {
      const fLo = Number(t.from & 0xffff_ffffn), fHi = Number(t.from >> 32n);
      const tLo = Number(t.to & 0xffff_ffffn), tHi = Number(t.to >> 32n);
      const fromK = fHi >= KERNEL_HALF_HI, toK = tHi >= KERNEL_HALF_HI;
      const type = fromK ? (toK ? EV_KERNEL : EV_RETURN) : toK ? EV_ENTRY : EV_USER;
      this.queue.push({ type, fLo, fHi, tLo, tHi, aux: type === EV_ENTRY || type === EV_RETURN ? EntryKind.INTERRUPT : 0 });
      this.inKernel = toK;
      if (!toK) { this.lastUserLo = tLo; this.lastUserHi = tHi; }
      return;
    }
    const pLo = Number(t.pc & 0xffff_ffffn), pHi = Number(t.pc >> 32n);
    this.queue.push({ type: EV_ENTRY, fLo: pLo, fHi: pHi, tLo: this.kLo(), tHi: 0xffff_ffff, aux: EntryKind.SYSCALL });
    const path = 1 + this.rng.below(2 * this.cfg.workload.kernelPathMean);
    for (let k = 0; k < path; k++) this.queue.push(this.kernelBranch());
    if (t.returns) {
      const rLo = Number(t.resume & 0xffff_ffffn), rHi = Number(t.resume >> 32n);
      this.queue.push({ type: EV_RETURN, fLo: this.kLo(), fHi: 0xffff_ffff, tLo: rLo, tHi: rHi, aux: EntryKind.SYSCALL });
      this.lastUserLo = rLo;
      this.lastUserHi = rHi;
      this.inKernel = false;
    } else {
      this.inKernel = true;
      this.queue.push(this.switchToIdle());
      this.readerDone = true; // nothing runs after exit
    }
  }

  private switchToIdle(): Ev {
    return { type: EV_SWITCH, fLo: this.kLo(), fHi: 0xffff_ffff, tLo: this.kLo(), tHi: 0xffff_ffff, aux: 0 };
  }

  private kernelBranch(): Ev {
    return { type: EV_KERNEL, fLo: this.kLo(), fHi: 0xffff_ffff, tLo: this.kLo(), tHi: 0xffff_ffff, aux: 0 };
  }

  private kLo(): number {
    return KERNEL_LO_MIN + this.rng.below(KERNEL_LO_SPAN);
  }
}

function lohi(fLo: number, fHi: number, tLo: number, tHi: number) {
  return { fLo, fHi, tLo, tHi };
}
