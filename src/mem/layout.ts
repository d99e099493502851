/**
 * The shared memory of a run: every word, who writes it, with which operation, and what
 * each reader may assume. This comment is the protocol; code that touches these words
 * keeps it, and says so where it matters.
 *
 *  ctl: Int32Array (one SharedArrayBuffer, all protocol words)
 *  +--------------------------------------------------------------------------------+
 *  | global  [0 .. 31]                                                               |
 *  |   G_DOORBELL    CPU: add(+1), notify after raising a PMI.    coordinator: wait   |
 *  |   G_STOP        main: store 1. Every actor polls it at its batch/loop boundary   |
 *  |   G_SINK_BELL   coordinator: add(+1), notify after handing a consumer buffer     |
 *  |   G_COORD_BELL  sink: add(+1), notify after returning a consumer buffer          |
 *  |   G_POOL_HEAD   free-pool stack head (tag << 16 | id + 1; 0 = empty): cas only    |
 *  |   G_HEARTBEAT   coordinator: add(+1) at each pass of its service loop. main:     |
 *  |                 load only (watchdog: no change for watchdogMs = a hung design)   |
 *  |   G_CPUS_DONE   explore mode: each CPU actor add(+1) when its workload ends, then  |
 *  |                 rings G_DOORBELL; the coordinator actor stops when all are done  |
 *  |   G_KWORK_BELL  explore mode: coordinator add(+1), notify after deferring work;  |
 *  |                 the kworker actor waits on it                                    |
 *  | per CPU [CPU_BASE + cpu * CPU_STRIDE], 32 words = 128 bytes, own cache lines     |
 *  |   DS_BASE        buffer id installed in the DS area                              |
 *  |   DS_INDEX       next write position, in records                                 |
 *  |   DS_ABSMAX      absolute maximum, in records                                    |
 *  |   DS_THRESHOLD   interrupt threshold, in records                                 |
 *  |   DS_ENABLED     1 tracing on, 0 off                                             |
 *  |   DS_CAUSE       loss cause code while off                                       |
 *  |   PMI_REQ        PMIs raised by the CPU (add)                                    |
 *  |   PMI_ACK        PMIs serviced (coordinator store, then notify)                  |
 *  |   FLUSH_REQ      context-switch flushes requested by the CPU (add)               |
 *  |   FLUSH_ACK      flushes done (coordinator store, then notify)                   |
 *  |   FLUSH_TID, FLUSH_EPOCH, MAIL_N   the flush's thread, epoch and mailbox length  |
 *  |   DS_CIRCULAR    circular mode (coordinator, with the other DS words)            |
 *  |   DS_MODE, DS_TID, DS_WRAPPED, DS_SYNC   CPU stores before raising a PMI (mode,  |
 *  |                  thread; on leaving circular mode: wrapped?, oldest state)       |
 *  |                  (CPU store before FLUSH_REQ; coordinator reads after)           |
 *  |   WAIT_REQ, WAIT_ACK, WAIT_KIND, WAIT_TID, WAIT_EPOCH, ANS_ON   modelled clock:   |
 *  |                  a CPU's timed waits (clock-words.ts: the synchronisation rule)   |
 *  | pool links [POOL_BASE + id]: next id + 1 (0 = end of stack)                      |
 *  | mailbox [MAIL_BASE + cpu * MAIL_WORDS]: losses handed over at a flush             |
 *  |   (cause, tid, class, count) x MAIL_N; CPU plain stores before FLUSH_REQ           |
 *  | released [REL_BASE + tid]: epoch + 1 up to which the thread's records have been  |
 *  |   splayed (coordinator store + notify); a CPU waits on it (>=) before running a  |
 *  |   thread that last ran elsewhere                                                  |
 *  | consumer handoff [CONS_BASE + k * consStride]: FULL_SEQ, FREE_SEQ, LEN[0..K-1]   |
 *  +--------------------------------------------------------------------------------+
 *  bufs: the hardware buffers, id b at byte b * bufferRecords * 24 (32-bit CPUs use 12 B
 *        of each 24-byte slot size, i.e. the first half of the buffer). Ids 0..cpus-1 start
 *        installed, the next `spares` start in the free pool, the last `cpus` are staging
 *        buffers, one per CPU, that copiers copy into (never in the pool).
 *
 * DS area ownership (the frontend/backend split):
 *  - While DS_ENABLED = 1 and the CPU is not waiting in a PMI, the CPU owns DS_INDEX and
 *    the records of the installed buffer: it writes records with plain stores, then
 *    publishes DS_INDEX with Atomics.store once per batch (and before raising a PMI).
 *    Readers may read records [0, DS_INDEX) of that buffer: they are complete.
 *  - While the CPU waits in a PMI (PMI_REQ > PMI_ACK) the coordinator owns every DS word
 *    and may install another buffer (DS_BASE, DS_INDEX, DS_ABSMAX, DS_THRESHOLD) or turn
 *    tracing off (DS_CAUSE, then DS_ENABLED = 0). It stores PMI_ACK last; the CPU, which
 *    waits until PMI_ACK >= its request (never ==), then reloads the DS words.
 *  - While DS_ENABLED = 0 the CPU writes nothing and only counts what it drops, and the
 *    buffer DS_BASE still names belongs to the design that turned tracing off (ds.disable
 *    hands it over): the design drains it (usually from deferred work) and may give it back
 *    to the pool while DS_BASE still names it, so the coordinator never drains a CPU's DS
 *    area while its tracing is off (not at a flush, not at the end). Whoever
 *    re-enables stores the DS words first and DS_ENABLED = 1 last; the CPU loads
 *    DS_ENABLED at each batch boundary and, seeing 1, reloads the DS words (host clock; under
 *    the modelled clock it learns of a re-enable only from an answer). (Atomics are
 *    sequentially consistent: the stores before the flag are visible after it.)
 *  - A buffer taken out of the DS area belongs to whoever took it until it is pushed back
 *    on the free pool; a pushed buffer is never read again by its previous owner.
 *
 * Context-switch flush (per-thread consumers follow their thread, in order): when a thread
 * that has per-thread consumers is switched out, its CPU publishes DS_INDEX, moves the
 * losses it has not written yet to its mailbox, stores FLUSH_TID/FLUSH_EPOCH/MAIL_N, adds
 * FLUSH_REQ, rings G_DOORBELL and waits for FLUSH_ACK >= its request (like a PMI). The
 * coordinator finishes that CPU's deferred drains, drains the installed buffer's published
 * prefix, turns the mailbox into loss markers, stores released[tid] = epoch + 1 (notify),
 * then FLUSH_ACK. The CPU then reloads the DS words (a deferred re-enable may have run).
 *
 * Modelled clock (`--clock model`): every PMI, flush and wait also carries modelled times
 * in the clock SAB (clock-words.ts), which states the rule that orders them. In that mode a
 * CPU learns of a re-enable only from an answer to its own request, never by loading
 * DS_ENABLED on its own, and a released thread only from a WAIT_RELEASE answer.
 *
 * Consumer handoff (continuous consumers, coordinator -> sink), one SPSC queue of K
 * buffers per consumer: buffer j = seq % K. The coordinator fills buffer FULL_SEQ % K while
 * FULL_SEQ - FREE_SEQ < K, stores LEN[j], then add(FULL_SEQ, 1) and rings G_SINK_BELL.
 * The sink reads buffers FREE_SEQ .. FULL_SEQ - 1 in order, then add(FREE_SEQ, 1) and
 * rings G_COORD_BELL. Each side waits on the other's bell, never on an exact value.
 */

export const G_DOORBELL = 0;
export const G_STOP = 1;
export const G_SINK_BELL = 2;
export const G_COORD_BELL = 3;
export const G_POOL_HEAD = 4;
export const G_CPUS_DONE = 8;
export const G_KWORK_BELL = 9;
export const G_HEARTBEAT = 5;
/** Modelled clock: 1 while the coordinator sleeps on G_DOORBELL waiting for some CPU's SAFE to
 *  pass an event; a CPU that raises SAFE then rings the doorbell. Coordinator store; CPU load. */
export const G_COORD_SLEEP = 10;

export const CPU_BASE = 32;
export const CPU_STRIDE = 32;
export const DS_BASE = 0;
export const DS_INDEX = 1;
export const DS_ABSMAX = 2;
export const DS_THRESHOLD = 3;
export const DS_ENABLED = 4;
export const DS_CAUSE = 5;
export const PMI_REQ = 6;
export const PMI_ACK = 7;
export const FLUSH_REQ = 8;
export const FLUSH_ACK = 9;
export const FLUSH_TID = 10;
export const FLUSH_EPOCH = 11;
export const MAIL_N = 12;
/** 1: the installed buffer is in circular mode (kernel-circular): no PMI, it wraps. Coordinator store. */
export const DS_CIRCULAR = 13;
/** CPU store before raising a PMI: 1 if it is in kernel mode, and the running thread. */
export const DS_MODE = 14;
export const DS_TID = 15;
/** CPU store before leaving circular mode: 1 if the buffer wrapped, and the splay state
 *  (tid | entry kind << 16) at its oldest surviving record. */
export const DS_WRAPPED = 16;
export const DS_SYNC = 17;
/**
 * Modelled clock only (clock-words.ts states the rule): a CPU's waits. CPU stores WAIT_KIND,
 * WAIT_TID, WAIT_EPOCH, then add(WAIT_REQ); the coordinator stores ANS_ON, then
 * WAIT_ACK (store, notify). The CPU waits until WAIT_ACK >= its request.
 * ANS_ON: coordinator store before every ACK it gives (PMI, flush, wait) in that mode: 1 if
 * tracing is on at the answer's time. The CPU reads it instead of DS_ENABLED, which may
 * already show a re-enable that lies in its modelled future.
 */
export const WAIT_REQ = 18;
export const WAIT_ACK = 19;
export const WAIT_KIND = 20;
export const WAIT_TID = 21;
export const WAIT_EPOCH = 22;
export const ANS_ON = 23;
/**
 * Modelled clock, several CPUs on one worker (cpusPerWorker > 1): the worker's bell, the
 * word of the first CPU of its group. The coordinator add(+1)s and notifies it with each
 * answer to one of the group's CPUs; the worker sleeps on it when all its CPUs wait.
 */
export const HOST_BELL = 24;

/** The bell of the worker that steps `cpu` (HOST_BELL). */
export function hostBell(cpu: number, cpusPerWorker: number): number {
  return cpuWord(cpu - (cpu % cpusPerWorker), HOST_BELL);
}

export const MAIL_ENTRIES = 64;
export const MAIL_WORDS = MAIL_ENTRIES * 4;

export const CONS_FULL_SEQ = 0;
export const CONS_FREE_SEQ = 1;
export const CONS_LEN = 2;

/** Bytes of one record slot in a hardware buffer (the 64-bit format's size). */
export const HW_SLOT_BYTES = 24;

export interface Layout {
  cpus: number;
  buffers: number;
  bufferRecords: number;
  /** u32 words per buffer slot (bufferRecords records of the 24-byte slot size). */
  slotWords: number;
  consumers: number;
  consumerBuffers: number;
  poolBase: number;
  mailBase: number;
  relBase: number;
  consBase: number;
  consStride: number;
  ctlWords: number;
  bufsBytes: number;
}

export function makeLayout(cpus: number, spares: number, bufferRecords: number, consumers: number, consumerBuffers: number, threads: number): Layout {
  const buffers = cpus + spares + cpus;
  const poolBase = CPU_BASE + cpus * CPU_STRIDE;
  const mailBase = poolBase + ((buffers + 31) & ~31);
  const relBase = mailBase + cpus * MAIL_WORDS;
  const consBase = relBase + ((threads + 1 + 31) & ~31);
  // 32-word (128-byte) alignment keeps each consumer's words off its neighbours' lines.
  const consStride = (CONS_LEN + consumerBuffers + 31) & ~31;
  return {
    cpus,
    buffers,
    bufferRecords,
    slotWords: slotWordsFor(bufferRecords),
    consumers,
    consumerBuffers,
    poolBase,
    mailBase,
    relBase,
    consBase,
    consStride,
    ctlWords: consBase + consumers * consStride,
    bufsBytes: buffers * bufferRecords * HW_SLOT_BYTES,
  };
}

/** u32 words of one hardware buffer slot: every buffer is sized for the 24-byte format. */
export function slotWordsFor(bufferRecords: number): number {
  return (bufferRecords * HW_SLOT_BYTES) / 4;
}

export function cpuWord(cpu: number, field: number): number {
  return CPU_BASE + cpu * CPU_STRIDE + field;
}

export function consWord(l: Layout, consumer: number, field: number): number {
  return l.consBase + consumer * l.consStride + field;
}
