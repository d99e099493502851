/**
 * The CPU's write path (the frontend): its loop over the workload's events.
 *
 * It executes the workload, stores one BTS record per taken branch into the DS buffer,
 * publishes the index in batches, raises the overflow interrupt (PMI) at the threshold and
 * takes it after the skid, once interrupts are on.
 *
 * It never allocates per record and never waits except in the PMI (its stall). The DS
 * words it shares with the coordinator follow src/mem/layout.ts: it owns DS_INDEX and the
 * installed buffer's records while tracing is on and it is not in a PMI.
 *
 * What the simulated hardware and kernel write, per event (the hardware filter, from the
 * consumers present, decides whether the branch record itself is stored; see needs.ts):
 *   SWITCH:   [SWITCH_MM if the mm changes and a cpu-all consumer is here], the record,
 *             CTXSW (incoming tid, its pending entry kind); then the filter is reprogrammed
 *             for the incoming thread, and a traced outgoing thread is flushed
 *   ENTRY:    the record, [ENTRY (kind, user PC) if the thread has a user-only consumer]
 *   RETURN:   the record, or under BTS_OFF_USR RET_SRC + RETURN (kernel-only views)
 *   other:    the record
 * An event's records are stored all or none. One that cannot be stored (tracing off, or
 * no room before the absolute maximum) is counted by (cause, thread, class), and so is
 * every later one until the DS area is reprogrammed; then, before anything else, the CPU
 * writes one LOSS annotation per count and a SYNC. So a gap in the buffer is always
 * marked, in order, and the splay never carries state across it.
 *
 * The CPU is one class built in layers, one file each, lowest first: cpu-buffer.ts (the
 * stores into the installed buffer, no shared-memory operation), cpu-requests.ts (requests
 * to the coordinator), cpu-interrupts.ts (the PMI and DS reprogramming), cpu-waits.ts
 * (flushes, migrations, notify-resume), and this file, the loop over the workload's events.
 */
import { lossCauseName } from '../model/constants.js';
import { ANN_CTXSW, ANN_ENTRY, ANN_RETURN, ANN_RET_SRC, ANN_SWITCH_MM, ANN_SYNC, ESCAPE, LossClass, RECORD_WORDS, annFlags } from '../model/hw-record.js';
import { HW_ALL, HW_KERNEL_ONLY, HW_OFF } from '../model/needs.js';
import { runSync, type Op } from '../mem/shared-mem.js';
import { EV_ENTRY, EV_KERNEL, EV_RETURN, EV_SWITCH, EV_TYPE_MASK, EV_USER, IRQS_OFF } from '../model/event-types.js';
import { EventChunk, GATE_BODY } from '../workload/events.js';
import { isExplicitEntry } from '../model/constants.js';
import type { CpuResult } from './cpu-result.js';
import type { PendingLoss } from '../model/hw-record.js';
import { CpuWaits } from './cpu-waits.js';
import { BACK_ON, STOPPED } from './cpu-interrupts.js';
import { lossKeyParts } from './loss-key.js';

export class CpuCore extends CpuWaits {
  /** Execute one epoch of the workload. Returns false if the run was stopped. */
  execute(chunk: EventChunk): boolean {
    return runSync(this.steps(chunk));
  }

  /**
   * The same, as a protocol step: it yields only at shared-memory operations (batch
   * publishes, the PMI, flushes), so the explorer can interleave CPUs with the rest.
   */
  *steps(chunk: EventChunk): Generator<Op, boolean, unknown> {
    if (!this.started) {
      // The DS area as the coordinator programmed it before the CPU started.
      this.started = true;
      yield* this.reload();
    }
    const n = chunk.length;
    const rec = chunk.rec, type = chunk.type, kindOrTid = chunk.kindOrTid, switchCr3 = chunk.switchCr3, switchPendingKind = chunk.switchPendingKind;
    const batch = this.cfg.batchRecords;
    const needs = this.needs;
    const cpuAll = needs.cpuAll[this.id] === 1;
    this.tid = chunk.tid;
    if (chunk.epoch === 0) this.inKernel = chunk.tid === 0;
    if (chunk.epoch === 0 && this.reserve(1)) {
      // Tracing starts: say who runs (the splay knows nothing else about this CPU yet).
      this.put(ESCAPE, annFlags(ANN_SYNC, 0, this.kernelKind, 0), this.tid, 0);
    }
    if (chunk.migratedAfter >= 0 && needs.threadTraced[chunk.tid] && !(yield* this.waitReleased(chunk.tid, chunk.migratedAfter))) {
      return false;
    }
    let mode = needs.hwMode(this.id, this.tid);
    let userAnn = needs.threadUser[this.tid] === 1;
    let untilPublish = batch;
    for (let i = 0; i < n; i++) {
      if (!this.pmiPending && this.canWrite && !this.circular) {
        // The common case: a run of plain user/kernel branches below the threshold, in a
        // plain method with its state in locals (a generator's body is slower at this).
        const j = this.storeRun(chunk, i, Math.min(n, i + untilPublish), mode);
        if (j > i) {
          this.branches += j - i;
          untilPublish -= j - i;
          i = j - 1;
          if (untilPublish === 0) {
            untilPublish = batch;
            if (!(yield* this.batchBoundary())) return false;
          }
          continue;
        }
      }
      if (this.clock && !this.enabled) {
        // Tracing off: execute no further than what the coordinator has said about it.
        const r = yield* this.whileOff(chunk, i);
        if (r === STOPPED) return false;
        if (r === BACK_ON) {
          i--;
          continue;
        }
      }
      const ty = type[i]!;
      const t = ty & EV_TYPE_MASK;
      const o = i * RECORD_WORDS;
      const store = (mode >> t) & 1;
      if (!this.enabled && needs.threadUserContinuous[this.tid] && inUserView(t, kindOrTid[i]!)) {
        // A record of its user-only view while tracing is off: the thread is at a return to
        // user mode (a syscall's or exception's, or the overflow interrupt's own when it came
        // in user mode), where it waits (notify-resume); then this event again. Checked at the
        // record, not at the return event: a trace may go from kernel to user code without one.
        if (!(yield* this.notifyResume())) return false;
        i--;
        continue;
      }
      if (t === EV_USER || t === EV_KERNEL) {
        // One record or nothing (runs of these go through storeRun above).
        if (store) {
          if (this.canWrite && (this.idx < this.absMax || this.circular)) {
            this.branch(rec, o, t === EV_USER ? LossClass.USER : LossClass.KERNEL);
          } else {
            this.drop(t === EV_USER ? LossClass.USER : LossClass.KERNEL, -1, true);
          }
        }
      } else if (this.circular && (t === EV_RETURN || t === EV_SWITCH)) {
        // Back to filtering (a normal buffer) before the return to user, or before a switch
        // that may bring consumers that are not rings: then this event again.
        yield* this.leaveCircular();
        i--;
        continue;
      } else if (t === EV_ENTRY) {
        const slots = store + (userAnn ? 1 : 0);
        if (slots) {
          if (this.reserve(slots)) {
            if (store) this.branch(rec, o, lossClass(t, kindOrTid[i]!));
            if (userAnn) this.put(ESCAPE, annFlags(ANN_ENTRY, 0, kindOrTid[i]!, 0), rec[o]!, rec[o + 1]!);
          } else this.drop(lossClass(t, kindOrTid[i]!), -1, store === 1);
        }
        this.kernelKind = kindOrTid[i]!;
        this.inKernel = true;
      } else if (t === EV_RETURN) {
        const synth = mode === HW_KERNEL_ONLY;
        const slots = store + (synth ? 2 : 0);
        if (slots) {
          if (this.reserve(slots)) {
            if (store) this.branch(rec, o, lossClass(t, kindOrTid[i]!));
            if (synth) {
              // The return's source, high word included (the 32-bit format widens it back).
              this.put(ESCAPE, annFlags(ANN_RET_SRC, 0, 0, 0), rec[o]!, rec[o + 1]!);
              this.put(ESCAPE, annFlags(ANN_RETURN, 0, 0, 0), rec[o + 2]!, rec[o + 3]!);
            }
          } else this.drop(lossClass(t, kindOrTid[i]!), -1, store === 1);
        }
        this.kernelKind = 0;
        this.inKernel = false;
      } else {
        // SWITCH: the outgoing thread's last record; then the incoming thread's filter.
        const next = kindOrTid[i]!;
        const nextMode = needs.hwMode(this.id, next);
        const mm = cpuAll && switchCr3[i] !== 0 ? 1 : 0;
        const ctxsw = mode !== HW_OFF || nextMode !== HW_OFF ? 1 : 0;
        const slots = mm + store + ctxsw;
        if (slots) {
          if (this.reserve(slots)) {
            if (mm) this.put(ESCAPE, annFlags(ANN_SWITCH_MM, 0, 0, 0), switchCr3[i]!, 0, LossClass.SWITCH_MM);
            if (store) this.branch(rec, o, LossClass.KERNEL);
            if (ctxsw) this.put(ESCAPE, annFlags(ANN_CTXSW, 0, switchPendingKind[i]!, 0), next, 0);
          } else {
            this.drop(LossClass.KERNEL, mm ? LossClass.SWITCH_MM : -1, store === 1);
          }
        }
        const prev = this.tid;
        this.tid = next;
        this.kernelKind = switchPendingKind[i]!;
        this.inKernel = true;
        mode = nextMode;
        userAnn = needs.threadUser[next] === 1;
        if (needs.threadTraced[prev]) yield* this.flush(prev, chunk.epoch);
        if (this.timeline && i + 1 === chunk.ownedEnd && chunk.gateBlock === GATE_BODY) {
          // Not the timeslice's end: the thread blocked in do_notify_resume (schedule.ts); a
          // trace's task that ended mid-timeslice also leaves the rest to idle, but waits for nothing.
          this.timeline.instant('thread waits for its tracer (notify-resume)', { tid: prev });
        }
      }
      this.branches++;
      if (this.pmiPending) {
        if (this.skidLeft > 0) this.skidLeft--;
        else if ((ty & IRQS_OFF) === 0) yield* this.takePmi();
      }
      if (--untilPublish === 0) {
        untilPublish = batch;
        if (!(yield* this.batchBoundary())) return false;
      }
    }
    return yield* this.batchBoundary();
  }

  /**
   * Store user/kernel branch events from `i` until `end`, another kind of event, or the
   * record that would reach the threshold (left to the caller, which raises the PMI).
   * Returns the index of the first event not handled. Caller: no PMI pending, canWrite.
   */
  protected storeRun(chunk: EventChunk, i: number, end: number, mode: number): number {
    const rec = chunk.rec, type = chunk.type;
    const u = this.u32;
    const w = this.w;
    const stop = Math.min(this.threshold, this.absMax);
    let idx = this.idx;
    let p = this.bufWord0 + idx * w;
    let j = i;
    if (w === 6 && mode === HW_ALL) {
      // Every user/kernel branch is stored and the chunk's records are already in the
      // 64-bit layout (flags high word 0): find the run, then one memcpy.
      let k = j;
      const last = Math.min(end, j + (stop - 1 - idx));
      while (k < last && (type[k]! & EV_TYPE_MASK) <= EV_KERNEL) k++;
      if (k > j) {
        u.set(rec.subarray(j * RECORD_WORDS, k * RECORD_WORDS), p);
        idx += k - j;
        j = k;
      }
    } else {
      for (; j < end; j++) {
        const t = type[j]! & EV_TYPE_MASK;
        if (t > EV_KERNEL) break;
        if (((mode >> t) & 1) === 0) continue;
        if (idx + 1 >= stop) break;
        const o = j * RECORD_WORDS;
        if (w === 6) {
          u[p] = rec[o]!; u[p + 1] = rec[o + 1]!; u[p + 2] = rec[o + 2]!;
          u[p + 3] = rec[o + 3]!; u[p + 4] = rec[o + 4]!; u[p + 5] = 0;
        } else {
          u[p] = rec[o]!; u[p + 1] = rec[o + 2]!; u[p + 2] = rec[o + 4]!;
        }
        p += w;
        idx++;
      }
    }
    this.hwRecords += idx - this.idx;
    this.idx = idx;
    return j;
  }

  /**
   * After the last chunk: a CPU still in circular mode hands its buffer back in order. Then,
   * under the modelled clock, it will make no more requests (SAFE = +inf).
   */
  *finish(): Generator<Op, void, unknown> {
    if (this.circular && !this.stopped) yield* this.leaveCircular();
    if (this.clock) yield* this.publish(Infinity);
  }

  /** finish(), in threads mode. */
  end(): void {
    runSync(this.finish());
  }

  result(): CpuResult {
    if (this.timeline && this.disabledSince >= 0) {
      // Still off when the run ended: the window closes here.
      this.timeline.span('tracing disabled', this.disabledSince, this.timeline.now(), { cause: lossCauseName(this.cause), open: true });
      this.disabledSince = -1;
    }
    if (this.timeline && this.pending.size > 0) this.timeline.instant('records lost', { atEnd: this.pending.size });
    const lost: Record<string, number> = {};
    this.lostByCause.forEach((n, code) => {
      if (n) lost[lossCauseName(code)] = n;
    });
    let model: Pick<CpuResult, 'tracingOffNs' | 'modelNs'> = {};
    if (this.clock) {
      const end = this.t();
      this.clock.close(end);
      const off: Record<string, number> = {};
      this.clock.offNs.forEach((ns, code) => {
        if (ns) off[lossCauseName(code)] = ns;
      });
      model = { tracingOffNs: off, modelNs: end };
    }
    const pendingLosses: PendingLoss[] = [];
    for (const [key, count] of this.pending) {
      pendingLosses.push({ ...lossKeyParts(key), count });
    }
    return {
      id: this.id, branches: this.branches, hwRecords: this.hwRecords, annotations: this.annotations,
      overflows: this.overflows, stallNs: this.stallNs + this.migrationWaitNs, lost, pendingLosses,
      flushes: this.flushes, flushStallNs: this.flushStallNs, migrationWaitNs: this.migrationWaitNs,
      circularOverwrites: this.circularOverwrites, stopped: this.stopped, tracingWaits: [...this.resumeWaits.values()], ...model,
      ...(this.timeline ? { timeline: { events: this.timeline.events, dropped: this.timeline.dropped } } : {}),
    };
  }
}

/** Is an event of type `t` (entry kind `kind`) in a thread-user view? (views.ts, thread-user) */
function inUserView(t: number, kind: number): boolean {
  return t === EV_USER || ((t === EV_RETURN || t === EV_ENTRY) && isExplicitEntry(kind));
}

/** The loss class of a branch event. */
export function lossClass(t: number, kind: number): number {
  switch (t) {
    case EV_USER: return LossClass.USER;
    case EV_ENTRY: return isExplicitEntry(kind) ? LossClass.ENTRY_EXPLICIT : LossClass.ENTRY_IRQ;
    case EV_RETURN: return isExplicitEntry(kind) ? LossClass.RETURN_EXPLICIT : LossClass.RETURN_IRQ;
    default: return LossClass.KERNEL;
  }
}
