/**
 * Where a CPU waits on other actors.
 *
 * Where a CPU waits on others: the context-switch flush of a traced thread, a migrated thread's
 * release by the CPU it last ran on, and do_notify_resume for a thread whose user-only tracer
 * must not lose its user code.
 */
import { DS_ENABLED, cpuWord } from '../mem/layout.js';
import { WAIT_ENABLE, WAIT_RELEASE } from '../mem/layout.js';
import type { Op } from '../mem/shared-mem.js';
import { CPU_STAT_MIGRATION_WAIT, CPU_STAT_RESUME_WAIT, CPU_STAT_STRIDE } from '../mem/layout.js';
import { CpuInterrupts } from './cpu-interrupts.js';

export abstract class CpuWaits extends CpuInterrupts {
  /**
   * Context-switch flush of a thread with per-thread consumers: hand the coordinator the
   * published prefix and the losses not written yet, and wait until they reached the
   * thread's consumers (so the thread's records stay in order wherever it runs next).
   */
  protected *flush(tid: number, epoch: number): Generator<Op, void, unknown> {
    const t0 = process.hrtime.bigint();
    const m0 = this.clock ? this.t() : 0;
    if (!(yield* this.handOver(tid, epoch))) return;
    this.flushes++;
    let dt: number;
    if (this.clock) {
      dt = this.t() - m0; // handOver counted the stall
    } else {
      dt = Number(process.hrtime.bigint() - t0);
      this.flushStallNs += dt;
      this.stallNs += dt;
    }
    this.timeline?.span('context-switch flush (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid });
    if (!this.clock) yield* this.reload();
    // Back on while it stalled: the tracing-off window ended when it came back on.
    else if (!this.enabled && this.lastOn) yield* this.reload(true, this.clock.onSince());
  }

  /** Before running a thread that last ran on another CPU: wait until its records there were splayed. */
  protected *waitReleased(tid: number, epoch: number): Generator<Op, boolean, unknown> {
    const t0 = process.hrtime.bigint();
    const slot = this.id * CPU_STAT_STRIDE + CPU_STAT_MIGRATION_WAIT;
    this.stats[slot] = tid;
    let ok: boolean;
    let dt: number;
    if (this.clock) {
      const m0 = this.t();
      const on = yield* this.waitRequest(WAIT_RELEASE, tid, epoch, m0, 0);
      ok = on !== null;
      dt = ok ? this.lastAnswer - m0 : 0;
      if (ok) {
        this.clock.resume(this.lastAnswer, this.branches, this.hwRecords + this.annotations);
        if (!this.enabled && on) yield* this.reload(true, this.clock.onSince());
      }
    } else {
      ok = yield* this.waitAtLeast(this.layout.relBase + tid, epoch + 1);
      dt = Number(process.hrtime.bigint() - t0);
    }
    this.stats[slot] = 0;
    this.migrationWaitNs += dt;
    if (dt > 0) this.timeline?.span('migration wait (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid });
    return ok;
  }
  /**
   * do_notify_resume for a thread with a continuous user-only tracer, at a return to user
   * mode while tracing is off on this CPU (a design's disabled window): the thread waits until
   * the design re-arms (the coordinator's DS programming notifies DS_ENABLED), so its tracer loses nothing of its
   * user code. Only its kernel records in the window are lost. The wait is the thread's; in
   * wall time it holds this CPU, as any thread running on it would.
   */
  protected *notifyResume(): Generator<Op, boolean, unknown> {
    const enabledWord = cpuWord(this.id, DS_ENABLED);
    if (!this.clock && (yield* this.mem.load(enabledWord)) === 1) {
      // Back on already (this CPU had not looked yet): no wait.
      yield* this.reload();
      return true;
    }
    const t0 = process.hrtime.bigint();
    const waitSlot = this.id * CPU_STAT_STRIDE + CPU_STAT_RESUME_WAIT;
    this.stats[waitSlot] = this.tid;
    let ok: boolean;
    let dt: number;
    if (this.clock) {
      // On again at a time already known (an answer said so), or ask when.
      const m0 = this.t();
      ok = true;
      let at = this.clock.grantEnd;
      if (!this.clock.onAtGrantEnd) {
        ok = (yield* this.waitRequest(WAIT_ENABLE, this.tid, 0, m0, 0)) !== null;
        at = this.lastAnswer;
      }
      dt = ok ? at - m0 : 0;
      if (ok) this.clock.resume(at, this.branches, this.hwRecords + this.annotations);
    } else {
      ok = yield* this.waitAtLeast(enabledWord, 1);
      dt = Number(process.hrtime.bigint() - t0);
    }
    this.stats[waitSlot] = 0;
    this.stallNs += dt;
    const w = this.resumeWaits.get(this.tid) ?? { tid: this.tid, waits: 0, waitNs: 0 };
    w.waits++;
    w.waitNs += dt;
    this.resumeWaits.set(this.tid, w);
    this.timeline?.span('notify-resume: waits for tracing (stall)', this.timeline.now() - dt / 1000, this.timeline.now(), { tid: this.tid, ...(ok ? {} : { stopped: true }) });
    if (!ok) return false;
    if (this.clock) yield* this.reload(true, this.t());
    else yield* this.reload();
    return true;
  }
}
