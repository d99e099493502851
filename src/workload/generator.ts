/**
 * The seeded workload: what each CPU executes, timeslice by timeslice. A pure function of
 * (config, seed): the CPU worker runs it to produce records, the oracle runs it again to
 * know what should have been seen. Nothing here depends on thread timing.
 *
 * One epoch (timeslice) on one CPU, running thread T (prev P before it, N after it):
 *
 *   head   kernel branches finishing the switch (or timer tick), then the return to user
 *          that T's canonical resume state names            (not at epoch 0: the trace
 *                                                             starts with T in user mode)
 *   body   user branches; syscalls, exceptions and interrupts, each an entry, a kernel
 *          path (some with interrupts disabled) and a return to the right user PC
 *   tail   an entry (timer interrupt, or T blocking in a syscall), kernel branches, and
 *          the switch_to branch when N != T             (not in the last epoch: the run
 *                                                             ends mid-timeslice)
 *
 * The idle task (tid 0) executes kernel branches only. All events of an epoch belong to
 * T: the switch path up to and including switch_to is the outgoing thread's.
 */
import type { SimConfig } from '../model/config.js';
import { EntryKind, isExplicitEntry } from '../model/constants.js';
import { KERNEL_HI, cr3Of, mmOf, userHi } from './addresses.js';
import type { EpochSchedule } from './epoch-schedule.js';
import { EV_ENTRY, EV_RETURN, EV_SWITCH } from '../model/event-types.js';
import { EventChunk, GATE_BODY, GATE_NONE, GATE_TAIL } from './events.js';
import { hashKey } from '../base/prng.js';
import { EpochWriter } from './epoch-writer.js';

const EXCEPTION_VECTORS = [14, 14, 14, 14, 3, 6, 13, 1];
/** Events every thread keeps free before its tail, where a gated one blocks: the interrupt, a kernel branch, the switch to idle. */
const GATE_RESERVE = 3;

/** The syscall instruction the workload uses: `syscall` on 64-bit CPUs, `int $0x80` when any CPU is 32-bit. */
export function syscallKind(cfg: SimConfig): number {
  return cfg.format.includes(32) ? EntryKind.INT80 : EntryKind.SYSCALL;
}

export function epochCount(cfg: SimConfig): number {
  return Math.ceil(cfg.branches / cfg.workload.timesliceBranches);
}

export function epochLength(cfg: SimConfig, epoch: number): number {
  const e = cfg.workload.timesliceBranches;
  return Math.min(e, cfg.branches - epoch * e);
}

/**
 * Fill `out` with epoch `schedule.epoch` of `cpu`. `out.capacity` must be at least the
 * timeslice.
 */
export function generateEpoch(cfg: SimConfig, schedule: EpochSchedule, cpu: number, out: EventChunk): void {
  const epoch = schedule.epoch;
  const len = epochLength(cfg, epoch);
  const last = epoch + 1 >= epochCount(cfg);
  const wl = cfg.workload;
  const w = new EpochWriter(out, hashKey(cfg.seed, 0xe90c, cpu, epoch), len);
  const T = schedule.running[cpu]!;
  const P = schedule.previous[cpu]!;
  // The tail's room is reserved from the raw pick (a pure function of the epoch), so a
  // thread's body never depends on whether the next one is blocked; the switch itself goes
  // to the effective pick (idle when the picked thread waits for its tracer).
  const nRaw = last ? -1 : schedule.nextRaw[cpu]!;
  const N = last ? -1 : schedule.next[cpu]!;
  const uHi = T ? userHi(mmOf(T, cfg), cfg) : 0;
  const sysKind = syscallKind(cfg);
  const gate = T ? schedule.gateOf(T) : null;

  // A gated thread (schedule.ts) counts the records of its gated consumer's view (the
  // thread-user rules of views.ts); when that consumer's buffer is full, the thread blocks at
  // its next return to user mode. In user mode that return is the overflow interrupt's own.
  let gateLeft = gate ? gate.size - (schedule.gateStart[T - 1]! % gate.size) : 0;
  let gateRecords = 0;
  let pendingBlock = false;
  let block = GATE_NONE;
  let ownedEnd = -1;
  const counted = (n: number): void => {
    gateRecords += n;
    gateLeft -= n;
    if (gateLeft === 0) {
      pendingBlock = true;
      gateLeft = gate!.size;
    }
  };
  /** The return to user at (pc, kind) waits for the tracer: switch to the idle task instead. */
  const blockAt = (pc: number, pcHi: number, kind: number): void => {
    w.event(EV_SWITCH, w.kLo(), KERNEL_HI, w.kLo(), KERNEL_HI);
    ownedEnd = w.i;
    block = GATE_BODY;
    out.gatePc = pc; out.gatePcHi = pcHi; out.gateKind = kind;
    pendingBlock = false;
  };

  out.tid = T;
  out.start = epoch * wl.timesliceBranches;
  out.epoch = epoch;
  out.migratedAfter = T && schedule.lastCpu[T - 1]! >= 0 && schedule.lastCpu[T - 1] !== cpu ? schedule.lastRan[T - 1]! : -1;

  // Tail length is fixed up front so the body knows where to stop. Every thread reserves a
  // switch (it may have to leave for the idle task) and room to block in, gated or not, so
  // a gate that never closes leaves the workload exactly as it is without one; unused, they
  // are kernel branches of the tail.
  let tailKernel = 0;
  let tailLen = 0;
  let switchSlot = 0;
  if (nRaw >= 0) {
    tailKernel = 1 + w.below(3);
    switchSlot = T || nRaw !== T ? 1 : 0;
    tailLen = (T ? 1 : 0) + tailKernel + switchSlot;
  }
  const reserve = T && nRaw >= 0 ? GATE_RESERVE : 0;
  const bodyEnd = Math.max(0, len - tailLen - reserve);

  // Head.
  if (P >= 0 && w.i < bodyEnd) {
    w.kernel(Math.min(1 + w.below(3), bodyEnd - w.i - (T ? 1 : 0)), 0);
    if (T && w.i < bodyEnd) {
      const rs = schedule.resumeState(T, schedule.lastRan[T - 1]!);
      w.event(EV_RETURN, w.kLo(), KERNEL_HI, rs.pc, rs.pcHi);
      w.kindOfLast(rs.kind);
      if (gate && isExplicitEntry(rs.kind)) counted(1);
    }
  }

  // Body. The idle task runs kernel branches only; a thread, user branches with entries
  // (each an entry, a kernel path and a return) drawn between them.
  const pSys = wl.syscallRate / 1000;
  const pExc = pSys + wl.exceptionRate / 1000;
  const pIrq = pExc + wl.interruptRate / 1000;
  if (!T) w.kernel(bodyEnd - w.i, 0);
  while (T && w.i < bodyEnd && !pendingBlock) {
    const r = w.users(bodyEnd, pIrq, uHi, gate ? gateLeft : -1);
    if (gate) counted(w.written);
    if (r < 0) continue; // USERS_END or USERS_LIMIT: the loop's test says which
    const room = bodyEnd - w.i;
    let kind: number;
    let from = w.uLo();
    let back = from;
    if (r < pSys) {
      kind = sysKind;
      back = from + 2;
    } else if (r < pExc) {
      const v = EXCEPTION_VECTORS[w.below(EXCEPTION_VECTORS.length)]!;
      kind = EntryKind.EXCEPTION_BASE + v;
      if (v === 3) back = from + 1; // int3 traps after the instruction
    } else {
      kind = EntryKind.INTERRUPT;
    }
    let path = w.below(2 * wl.kernelPathMean);
    let irqsOff = 0;
    if (wl.irqsOffRate > 0 && w.chance(wl.irqsOffRate)) {
      irqsOff = wl.irqsOffBranches;
      path = Math.max(path, irqsOff);
    }
    path = Math.min(path, room - 2);
    w.event(EV_ENTRY, from, uHi, w.kLo(), KERNEL_HI);
    w.kindOfLast(kind);
    if (gate && isExplicitEntry(kind)) counted(1);
    w.kernel(path, irqsOff);
    if (pendingBlock) {
      blockAt(back, uHi, kind);
      break;
    }
    w.event(EV_RETURN, w.kLo(), KERNEL_HI, back, uHi);
    w.kindOfLast(kind);
    if (gate && isExplicitEntry(kind)) counted(1);
  }
  if (pendingBlock && block === GATE_NONE && len - w.i >= GATE_RESERVE) {
    // Full in user mode: the overflow interrupt, and its return to user waits.
    const pc = w.uLo();
    w.event(EV_ENTRY, pc, uHi, w.kLo(), KERNEL_HI);
    w.kindOfLast(EntryKind.INTERRUPT);
    w.kernel(1, 0);
    blockAt(pc, uHi, EntryKind.INTERRUPT);
  }
  // The running task from here on: the idle task once the thread has blocked.
  const cur = block === GATE_BODY ? 0 : T;
  if (block === GATE_BODY) {
    const idleTail = nRaw >= 0 ? tailKernel + (N !== 0 ? 1 : 0) : 0;
    w.kernel(len - idleTail - w.i, 0);
  } else if (reserve) {
    tailKernel += reserve + (len - tailLen - reserve - w.i);
  } else if (T && w.i < len - tailLen) {
    // The last epoch, blocked too late to take the interrupt: the run ends first.
    while (w.i < len) {
      w.user(uHi);
      if (gate) counted(1);
    }
  }

  // Tail.
  if (nRaw >= 0) {
    if (cur) {
      const rs = schedule.resumeState(cur, epoch);
      w.event(EV_ENTRY, rs.kind === EntryKind.INTERRUPT ? rs.pc : rs.pc - 2, rs.pcHi, w.kLo(), KERNEL_HI);
      w.kindOfLast(rs.kind);
      if (gate && isExplicitEntry(rs.kind)) {
        counted(1);
        // Switched out anyway: its return to user, when it is next picked, waits.
        if (pendingBlock) block = GATE_TAIL;
      }
    }
    w.kernel(tailKernel, 0);
    if (N === cur) {
      // No switch after all (the pick is blocked, or the same thread): the reserved slot.
      w.kernel(len - w.i, 0);
    } else {
      w.event(EV_SWITCH, w.kLo(), KERNEL_HI, w.kLo(), KERNEL_HI);
      w.kindOfLast(N);
      if (N) {
        const loaded = T ? mmOf(T, cfg) : schedule.loadedMm[cpu]!;
        const nextMm = mmOf(N, cfg);
        out.switchCr3[w.i - 1] = nextMm !== loaded ? cr3Of(nextMm) : 0;
        out.switchPendingKind[w.i - 1] = schedule.resumeState(N, schedule.switchOutEpoch(N)).kind;
      }
    }
  }
  const i = w.i;
  out.length = i;
  out.ownedEnd = block === GATE_BODY ? ownedEnd : i;
  out.gateRecords = gateRecords;
  out.gateBlock = block;
  if (i !== len) throw new Error(`internal: epoch ${epoch} of cpu ${cpu} generated ${i} events, wanted ${len}`);
}

/** An event chunk sized for one timeslice of `cfg`. */
export function newChunk(cfg: SimConfig): EventChunk {
  return new EventChunk(cfg.workload.timesliceBranches);
}
