/**
 * The modelled clock's shared words (`--clock model`) and the synchronisation rule that keeps
 * every figure a pure function of (config, seed, costs) while CPUs stay real threads.
 *
 * Conservative parallel discrete-event simulation (Chandy-Misra-Bryant, no rollback):
 *
 *  - Each CPU keeps its own clock in modelled ns: branches x branchNs + stored records x
 *    recordNs, plus the stalls its answers give it. It never reads anything another actor
 *    wrote except in an answer to one of its own requests, so between requests its course
 *    depends on nobody.
 *  - Everything a CPU does that other actors see or wait for is a request stamped with its
 *    modelled time: an overflow interrupt (PMI_REQ, stamped with the handler's start), a
 *    context-switch flush (FLUSH_REQ), and a wait (WAIT_REQ: for tracing to come back on, for
 *    a thread to be released by the CPU it last ran on, or for leave to run on with tracing
 *    off). One request at a time per CPU; the CPU then waits for the matching ACK.
 *  - SAFE[c] is a lower bound on the time of any request CPU c may still make. A running CPU
 *    raises it to its clock at each batch boundary (Atomics.store on the BigInt64 view; it
 *    is the only writer while it runs). While a request is outstanding the coordinator owns
 *    it: it stores the answer's time there before the ACK. A finished CPU stores +inf.
 *  - The coordinator keeps one event queue for everything it models (requests, handlers,
 *    deferred work on the kworkers, copies sharing bandwidth, consumers' callbacks, releases,
 *    re-enables) and processes an event at time t only when every CPU without an outstanding
 *    request has SAFE > t. Ties are broken by (time, kind, cpu, sequence): never by which host
 *    thread got there first. It reads a CPU's request counter before its SAFE word, and a CPU
 *    bumps the counter before it stops raising SAFE, so an unseen request is never later
 *    than the SAFE read.
 *  - Tracing off: a CPU with tracing off may not execute past a re-enable it has not been
 *    told about. It asks (WAIT_RUN) for leave to run until L, its next request point (a
 *    flush, or the end of its timeslice); the coordinator answers once its own events have
 *    reached L ("still off until L": SAFE = L, a promise the CPU keeps because it cannot
 *    raise a PMI while off) or once a re-enable at x < L was processed ("on again at x").
 *    The records it executes before that time are the ones lost. The one request below its
 *    promise: within "off until L", a thread at its return to user mode asks to wait for the
 *    re-enable (WAIT_ENABLE); that request only waits, changes nothing another actor sees, and
 *    is answered at the re-enable, which lies at L or later.
 *
 * Who writes what: layout.ts TABLES.clock (the Float64 words are plain stores, made visible
 * by the Atomics operation on ctl that follows them, and read only after the matching Atomics
 * load) and, on ctl, the WAIT_* and ANS_ON words of TABLES.cpu.
 */
import { CLOCK_STRIDE, T_SAFE, T_WAKE } from './layout.js';

/** SAFE of a CPU that will never request anything again. */
export const SAFE_NEVER = 0x7fff_ffff_ffff_ffffn;

export function clockBytes(cpus: number): number {
  return cpus * CLOCK_STRIDE * 8;
}

/** One actor's view of the clock words. */
export class ClockWords {
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;

  constructor(sab: SharedArrayBuffer) {
    this.f64 = new Float64Array(sab);
    this.i64 = new BigInt64Array(sab);
  }

  at(cpu: number, field: number): number {
    return cpu * CLOCK_STRIDE + field;
  }

  /** A lower bound on CPU `cpu`'s next request (Infinity: none). */
  safe(cpu: number): number {
    const v = Atomics.load(this.i64, cpu * CLOCK_STRIDE + T_SAFE);
    return v === SAFE_NEVER ? Infinity : Number(v);
  }

  /** Tell every CPU the time of the coordinator's earliest event before it sleeps. */
  setWake(cpus: number, t: number): void {
    for (let c = 0; c < cpus; c++) this.f64[c * CLOCK_STRIDE + T_WAKE] = t;
  }

  setSafe(cpu: number, t: number): void {
    Atomics.store(this.i64, cpu * CLOCK_STRIDE + T_SAFE, t === Infinity ? SAFE_NEVER : BigInt(Math.floor(t)));
  }
}
