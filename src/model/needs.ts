/**
 * What the consumers need from the hardware, per CPU and per thread, and the hardware
 * filter that follows (docs/domain-model.md §1, §3: "filter and splay").
 *
 * The kernel programs the CPU for the union of what the consumers present need: the
 * CPU's own consumers plus those of the thread running on it (reprogrammed at each
 * context switch, right after switch_to). With ds_cpl, a kernel-only or user-only union is
 * filtered by the hardware (BTS_OFF_USR / BTS_OFF_OS); otherwise the hardware records
 * everything and software filters. Nobody interested: BTS is off.
 */
import type { ConsumerKind, SimConfig } from './config.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_USER } from './event-types.js';

export const NEED_KERNEL = 1;
export const NEED_USER = 2;

export const KIND_NEEDS: Record<ConsumerKind, number> = {
  'cpu-kernel': NEED_KERNEL,
  'cpu-all': NEED_KERNEL | NEED_USER,
  'thread-kernel': NEED_KERNEL,
  'thread-user': NEED_USER,
  'thread-all': NEED_KERNEL | NEED_USER,
};

/** Hardware filter modes, as a bit mask over event types: which branches are stored. */
export const HW_ALL = (1 << EV_USER) | (1 << EV_KERNEL) | (1 << EV_ENTRY) | (1 << EV_RETURN) | (1 << EV_SWITCH);
/** BTS_OFF_USR: only branches whose destination is the kernel. */
export const HW_KERNEL_ONLY = (1 << EV_KERNEL) | (1 << EV_ENTRY) | (1 << EV_SWITCH);
/** BTS_OFF_OS: only branches whose destination is user mode. */
export const HW_USER_ONLY = (1 << EV_USER) | (1 << EV_RETURN);
export const HW_OFF = 0;

export class TraceNeeds {
  readonly cpuNeed: Uint8Array;
  readonly cpuAll: Uint8Array;
  readonly threadNeed: Uint8Array;
  /** The thread has a user-only consumer: the kernel records its kernel entries (kind, user PC). */
  readonly threadUser: Uint8Array;
  /** The thread has a per-thread consumer: its records are flushed when it is switched out. */
  readonly threadTraced: Uint8Array;
  /**
   * The thread has a continuous user-only consumer: it never runs user code while tracing is
   * off on its CPU, but waits at its return to user mode until it is back (notify-resume).
   */
  readonly threadUserContinuous: Uint8Array;

  constructor(private readonly cfg: SimConfig) {
    this.cpuNeed = new Uint8Array(cfg.cpus);
    this.cpuAll = new Uint8Array(cfg.cpus);
    const n = cfg.workload.threads + 1;
    this.threadNeed = new Uint8Array(n);
    this.threadUser = new Uint8Array(n);
    this.threadTraced = new Uint8Array(n);
    this.threadUserContinuous = new Uint8Array(n);
    for (const c of cfg.consumers) {
      if (c.kind.startsWith('cpu')) {
        this.cpuNeed[c.target]! |= KIND_NEEDS[c.kind];
        if (c.kind === 'cpu-all') this.cpuAll[c.target] = 1;
      } else {
        this.threadNeed[c.target]! |= KIND_NEEDS[c.kind];
        this.threadTraced[c.target] = 1;
        if (c.kind === 'thread-user') this.threadUser[c.target] = 1;
        if (c.kind === 'thread-user' && c.mode === 'continuous') this.threadUserContinuous[c.target] = 1;
      }
    }
  }

  /** The hardware filter on `cpu` while `tid` runs there. */
  hwMode(cpu: number, tid: number): number {
    const need = this.cpuNeed[cpu]! | this.threadNeed[tid]!;
    if (need === 0) return HW_OFF;
    if (this.cfg.dsCpl[cpu]) {
      if (need === NEED_KERNEL) return HW_KERNEL_ONLY;
      if (need === NEED_USER) return HW_USER_ONLY;
    }
    return HW_ALL;
  }
}
