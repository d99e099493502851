/**
 * The shared memory of a run as one table: every word, who writes it, with which operation,
 * and what each reader may assume.
 *
 * The tables below are the protocol: the word constants, the explorer's word names
 * (word-names.ts) and this description all come from them; code that touches a word keeps its
 * entry, and says so where it matters. "store", "add", "cas" are Atomics operations (through
 * SharedMem) unless an entry says "plain"; Atomics are sequentially consistent, so what an
 * actor stored before an Atomics store or add is visible to whoever sees that store.
 *
 *  ctl (Int32Array, one SharedArrayBuffer):
 *    [0 .. 31]                       TABLES.global
 *    [CPU_BASE + cpu * CPU_STRIDE]   TABLES.cpu, 32 words = 128 bytes: each CPU its own lines
 *    then TABLES.regions, in order: pool links, mailboxes, released, consumer handoff
 *  bufs: the hardware buffers, id b at byte b * bufferRecords * HW_SLOT_BYTES (32-bit CPUs use
 *    the first half). Ids 0..cpus-1 start installed, the next `spares` in the free pool, the
 *    last `cpus` are staging buffers, one per CPU, that copiers copy into (never in the pool).
 *  stats (Float64Array, not part of the protocol): TABLES.statsCpu per CPU, then
 *    TABLES.statsCoord. Plain stores by one writer each; the main thread's watchdog and
 *    progress read them and assume nothing but a recent value.
 *  clock (Float64/BigInt64, `--clock model` only): TABLES.clock per CPU; clock-words.ts
 *    states the rule that orders them.
 *
 * DS area ownership (the frontend/backend split; TABLES.cpu gives the detail):
 *  - Tracing on, no request outstanding: the CPU owns DS_INDEX and the installed buffer's
 *    records (plain stores), publishing DS_INDEX once per batch and before each request.
 *  - While a PMI is outstanding (PMI_REQ > PMI_ACK) the coordinator owns every DS word.
 *  - While DS_ENABLED = 0 the buffer DS_BASE still names belongs to the design that turned
 *    tracing off (ds.disable hands it over): the design drains it (usually from deferred
 *    work) and may push it back to the pool while DS_BASE still names it, so the coordinator
 *    never drains a disabled CPU's DS area (not at a flush, not at the end).
 *  - A buffer taken out of the DS area belongs to whoever took it until it is pushed back on
 *    the free pool; a pushed buffer is never read again by its previous owner.
 *
 * Context-switch flush (per-thread consumers follow their thread, in order): the CPU
 * publishes DS_INDEX, fills its mailbox, adds FLUSH_REQ and waits for FLUSH_ACK. The
 * coordinator finishes that CPU's deferred drains, drains the installed buffer's published
 * prefix, turns the mailbox into loss markers, releases the thread, then acks. Leaving
 * circular mode (kernel-circular) reuses the mailbox before PMI_REQ; more losses than
 * MAIL_ENTRIES go first, as loss-only flushes (FLUSH_TID 0).
 */
import { RECORD_BYTES } from '../model/hw-record.js';

/** One shared word: where it is, who writes it, with which operation, and what its readers may assume. */
export interface ProtocolWord {
  readonly name: string;
  /** Offset within its table's block (ctl globals, a CPU's block, a mailbox entry, ...). */
  readonly at: number;
  readonly writer: string;
  readonly op: string;
  readonly readers: string;
}

/** The protocol. Offsets are fixed: a word never moves (the explorer's traces name them). */
export const TABLES = {
  global: [
    { name: 'G_DOORBELL', at: 0, writer: 'a CPU with a request (PMI, flush, wait); modelled clock: a CPU raising SAFE while G_COORD_SLEEP; explore: a CPU actor at its end', op: 'add(+1), then notify',
      readers: 'the coordinator waits on it, never for an exact value: a change means some CPU may have a request' },
    { name: 'G_STOP', at: 1, writer: 'main thread', op: 'store 1', readers: 'every actor polls it at its batch or loop boundary; once 1 it stays 1' },
    { name: 'G_SINK_BELL', at: 2, writer: 'coordinator, after handing a consumer buffer (CONS_FULL_SEQ)', op: 'add(+1), then notify (modelled clock: notify only when half the consumer\'s buffers are handed over and not back; a drain about to wait for a buffer notifies without adding)', readers: 'the sink waits on it, 5 ms at most (it polls)' },
    { name: 'G_COORD_BELL', at: 3, writer: 'sink, after returning a consumer buffer (CONS_FREE_SEQ)', op: 'add(+1), then notify', readers: 'the coordinator waits on it' },
    { name: 'G_POOL_HEAD', at: 4, writer: 'whoever pushes or pops a spare buffer (free-pool.ts)', op: 'cas only',
      readers: 'tag << 16 | id + 1 (0 in the low half: empty); the tag makes a popped-and-pushed-back head differ' },
    { name: 'G_HEARTBEAT', at: 5, writer: 'coordinator thread, at each pass of its service loop (also while a continuous writer waits for the sink)', op: 'add(+1)',
      readers: 'main: load only; no change for watchdogMs means a hung design' },
    { name: 'G_CPUS_DONE', at: 8, writer: 'explore mode: each CPU actor when its workload ends, then it rings G_DOORBELL', op: 'add(+1)', readers: 'the coordinator actor stops when all are done' },
    { name: 'G_KWORK_BELL', at: 9, writer: 'explore mode: coordinator, after deferring work', op: 'add(+1), then notify', readers: 'the kworker actor waits on it' },
    { name: 'G_COORD_SLEEP', at: 10, writer: 'modelled clock: coordinator', op: 'store (1 while it sleeps on G_DOORBELL waiting for some CPU\'s SAFE to pass an event)',
      readers: 'a CPU that raises SAFE loads it and, seeing 1, rings G_DOORBELL if its SAFE went past T_WAKE' },
  ],
  /** A CPU's block (CPU_STRIDE words at CPU_BASE + cpu * CPU_STRIDE). */
  cpu: [
    { name: 'DS_BASE', at: 0, writer: 'coordinator during a PMI; a design (ds.*) while the CPU waits or from deferred work', op: 'store, before DS_ENABLED = 1 or PMI_ACK',
      readers: 'the CPU reloads it after PMI_ACK or on seeing DS_ENABLED = 1. While DS_ENABLED = 0 the buffer it names belongs to the design that turned tracing off: the coordinator never drains a disabled CPU\'s DS area' },
    { name: 'DS_INDEX', at: 1, writer: 'the CPU while tracing is on and no PMI is outstanding; else as DS_BASE', op: 'store once per batch and before each request',
      readers: 'records [0, DS_INDEX) of the installed buffer are complete (plain stores before it)' },
    { name: 'DS_ABSMAX', at: 2, writer: 'as DS_BASE', op: 'store', readers: 'absolute maximum in records; as DS_BASE' },
    { name: 'DS_THRESHOLD', at: 3, writer: 'as DS_BASE', op: 'store', readers: 'interrupt threshold in records; as DS_BASE' },
    { name: 'DS_ENABLED', at: 4, writer: 'coordinator or design: 0 after DS_CAUSE; 1 last, after the other DS words', op: 'store',
      readers: 'host clock: the CPU loads it at each batch boundary and, seeing 1, reloads the DS words; modelled clock: it learns of a re-enable only from ANS_ON' },
    { name: 'DS_CAUSE', at: 5, writer: 'as DS_ENABLED, before storing 0', op: 'store', readers: 'loss cause code while tracing is off' },
    { name: 'PMI_REQ', at: 6, writer: 'the CPU, after publishing DS_INDEX (and DS_MODE, DS_TID; at circular-mode exit the mailbox, DS_WRAPPED, DS_SYNC)', op: 'add(+1), then rings G_DOORBELL',
      readers: 'PMI_REQ > PMI_ACK: the coordinator owns every DS word until it acks' },
    { name: 'PMI_ACK', at: 7, writer: 'coordinator, last of a PMI\'s service', op: 'store, then notify', readers: 'the CPU waits until PMI_ACK >= its request (never ==), then reloads the DS words' },
    { name: 'FLUSH_REQ', at: 8, writer: 'the CPU, after FLUSH_TID, FLUSH_EPOCH, MAIL_N and the mailbox', op: 'add(+1), then rings G_DOORBELL', readers: 'the coordinator serves the flush' },
    { name: 'FLUSH_ACK', at: 9, writer: 'coordinator, after released[tid]', op: 'store, then notify', readers: 'the CPU waits until FLUSH_ACK >= its request, then reloads the DS words' },
    { name: 'FLUSH_TID', at: 10, writer: 'the CPU, before FLUSH_REQ', op: 'store', readers: 'the thread the flush releases (0: a loss-only hand-over)' },
    { name: 'FLUSH_EPOCH', at: 11, writer: 'the CPU, before FLUSH_REQ', op: 'store', readers: 'released[FLUSH_TID] becomes FLUSH_EPOCH + 1' },
    { name: 'MAIL_N', at: 12, writer: 'the CPU, after its mailbox entries, before FLUSH_REQ (or PMI_REQ at circular-mode exit)', op: 'store',
      readers: 'the coordinator reads MAIL_N entries of the CPU\'s mailbox while it serves that request' },
    { name: 'DS_CIRCULAR', at: 13, writer: 'coordinator, with the other DS words', op: 'store', readers: '1: the installed buffer is in circular mode (kernel-circular): no PMI, it wraps' },
    { name: 'DS_MODE', at: 14, writer: 'the CPU, before PMI_REQ', op: 'store', readers: '1 if the CPU is in kernel mode at the PMI' },
    { name: 'DS_TID', at: 15, writer: 'the CPU, before PMI_REQ', op: 'store', readers: 'the thread running at the PMI' },
    { name: 'DS_WRAPPED', at: 16, writer: 'the CPU, before PMI_REQ at circular-mode exit', op: 'store', readers: '1 if the circular buffer wrapped' },
    { name: 'DS_SYNC', at: 17, writer: 'the CPU, before PMI_REQ at circular-mode exit', op: 'store', readers: 'splay state at the oldest surviving record: packSync(tid, entry kind)' },
    { name: 'WAIT_REQ', at: 18, writer: 'modelled clock: the CPU, after WAIT_KIND, WAIT_TID, WAIT_EPOCH and T_REQ', op: 'add(+1), then rings G_DOORBELL', readers: 'the coordinator answers it in modelled order' },
    { name: 'WAIT_ACK', at: 19, writer: 'modelled clock: coordinator, after ANS_ON and T_ANS', op: 'store, then notify', readers: 'the CPU waits until WAIT_ACK >= its request' },
    { name: 'WAIT_KIND', at: 20, writer: 'modelled clock: the CPU, before WAIT_REQ', op: 'store', readers: 'WAIT_RUN, WAIT_ENABLE or WAIT_RELEASE' },
    { name: 'WAIT_TID', at: 21, writer: 'modelled clock: the CPU, before WAIT_REQ', op: 'store', readers: 'WAIT_RELEASE: the thread waited for' },
    { name: 'WAIT_EPOCH', at: 22, writer: 'modelled clock: the CPU, before WAIT_REQ', op: 'store', readers: 'WAIT_RELEASE: the epoch waited for' },
    { name: 'ANS_ON', at: 23, writer: 'modelled clock: coordinator, before every ACK (PMI, flush, wait)', op: 'store',
      readers: '1 if tracing is on at the answer\'s time; the CPU reads it instead of DS_ENABLED, which may show a re-enable in its modelled future' },
    { name: 'HOST_BELL', at: 24, writer: 'modelled clock: the coordinator, with each answer to a CPU of the group when cpusPerWorker > 1, and the worker\'s workload generator with each epoch it publishes (the word of the worker\'s first CPU)', op: 'add(+1), then notify',
      readers: 'the worker sleeps on it when all its CPUs wait' },
  ],
  /** The blocks after the CPUs' (Layout's poolBase, mailBase, relBase, consBase). */
  regions: [
    { name: 'pool.link', at: 0, writer: 'the pusher of buffer id, before the cas that publishes it', op: 'store', readers: 'POOL_BASE + id: next id + 1 (0 = end of stack)' },
    { name: 'mailbox', at: 1, writer: 'the CPU, before MAIL_N and FLUSH_REQ (or PMI_REQ at circular-mode exit)', op: 'store',
      readers: 'MAIL_WORDS per CPU: MAIL_N entries of TABLES.mailEntry (losses not yet written), read by the coordinator serving that request' },
    { name: 'released', at: 2, writer: 'coordinator, at a flush', op: 'store epoch + 1, then notify',
      readers: 'by tid: a CPU waits on it (>=) before running a thread that last ran elsewhere; that thread\'s records up to the epoch were splayed (modelled clock: it learns so only from a WAIT_RELEASE answer)' },
    { name: 'consumer-handoff', at: 3, writer: 'see TABLES.consumer', op: '', readers: 'consStride words per consumer' },
  ],
  /** One loss count in a mailbox. */
  mailEntry: [
    { name: 'MAIL_CAUSE', at: 0, writer: 'the CPU', op: 'store', readers: 'loss cause code' },
    { name: 'MAIL_TID', at: 1, writer: 'the CPU', op: 'store', readers: 'the thread whose records were lost' },
    { name: 'MAIL_CLASS', at: 2, writer: 'the CPU', op: 'store', readers: 'LossClass of the lost records' },
    { name: 'MAIL_COUNT', at: 3, writer: 'the CPU', op: 'store', readers: 'records lost' },
  ],
  /** A continuous consumer's SPSC queue of K buffers (consWord). */
  consumer: [
    { name: 'CONS_FULL_SEQ', at: 0, writer: 'coordinator: fills buffer FULL_SEQ % K while FULL_SEQ - FREE_SEQ < K, stores LEN[j]', op: 'add(+1), then rings G_SINK_BELL',
      readers: 'the sink reads buffers FREE_SEQ .. FULL_SEQ - 1 in order' },
    { name: 'CONS_FREE_SEQ', at: 1, writer: 'sink, after reading a buffer', op: 'add(+1), then rings G_COORD_BELL', readers: 'the coordinator may refill that buffer' },
    { name: 'CONS_LEN', at: 2, writer: 'coordinator, before CONS_FULL_SEQ', op: 'store (K words: LEN[0..K-1])', readers: 'records in buffer j' },
  ],
  /** The stats SAB, per CPU (CPU_STAT_STRIDE words at cpu * CPU_STAT_STRIDE). */
  statsCpu: [
    { name: 'CPU_STAT_BRANCHES', at: 0, writer: 'the CPU', op: 'plain store', readers: 'main: progress and the watchdog' },
    { name: 'CPU_STAT_CROSSED_NS', at: 1, writer: 'host clock: the CPU at a threshold crossing; coordinator clears it to 0 before DS_ENABLED = 1', op: 'plain store',
      readers: 'coordinator: hrtime (ns) of the last crossing (service latency), read before the re-enable, after which it may be the next crossing' },
    { name: 'CPU_STAT_RESUME_WAIT', at: 2, writer: 'the CPU', op: 'plain store', readers: 'main\'s watchdog: the thread waiting in do_notify_resume for tracing (0: none)' },
    { name: 'CPU_STAT_MIGRATION_WAIT', at: 3, writer: 'the CPU', op: 'plain store', readers: 'main\'s watchdog: the thread it waits for another CPU to release (0: none)' },
    { name: 'CPU_STAT_STARTED', at: 4, writer: 'the CPU\'s worker, once its modules are loaded', op: 'plain store 1', readers: 'main\'s watchdog: start-up is not a hang' },
  ],
  /** The stats SAB after the CPUs' words (coordStat). */
  statsCoord: [
    { name: 'COORD_STAT_IN_DESIGN', at: 0, writer: 'coordinator thread only', op: 'plain store', readers: 'main\'s watchdog: 0 outside the design, 1 in onOverflow, 2 in deferred work: blames a hang on the design' },
    { name: 'COORD_STAT_DESIGN_CPU', at: 1, writer: 'coordinator thread only', op: 'plain store', readers: 'main\'s watchdog: the CPU whose overflow or deferred work the design runs' },
  ],
  /** The clock SAB (modelled clock), per CPU; clock-words.ts states the ordering rule. */
  clock: [
    { name: 'T_REQ', at: 0, writer: 'the CPU, before bumping its request counter', op: 'plain Float64 store', readers: 'the request\'s modelled time, read after the counter' },
    { name: 'T_ARG', at: 1, writer: 'the CPU, before its request counter', op: 'plain Float64 store', readers: 'PMI: the threshold crossing; WAIT_RUN: L' },
    { name: 'T_ANS', at: 2, writer: 'coordinator, before the ACK', op: 'plain Float64 store', readers: 'the time the CPU resumes (or may run to)' },
    { name: 'T_SAFE', at: 3, writer: 'the CPU while it runs; coordinator while a request is outstanding; +inf (SAFE_NEVER) at the end', op: 'BigInt64 store',
      readers: 'a lower bound on the CPU\'s next request time (floor of ns)' },
    { name: 'T_ON', at: 4, writer: 'coordinator, before every ACK', op: 'plain Float64 store', readers: 'when tracing last came back on for the CPU (ends its tracing-off window)' },
    { name: 'T_WAKE', at: 5, writer: 'coordinator, in every CPU\'s line, before it stores G_COORD_SLEEP = 1', op: 'plain Float64 store',
      readers: 'its earliest event\'s time (+inf: none); a CPU reads it after seeing G_COORD_SLEEP = 1 and rings only if its SAFE just went past it' },
  ],
} as const satisfies Record<string, readonly ProtocolWord[]>;

/** The offset of each word of `table` by name (computed once, at module load). */
export function tableOffsets<T extends readonly ProtocolWord[]>(table: T): (name: T[number]['name']) => number {
  return (name) => {
    const word = table.find((x) => x.name === name);
    if (!word) throw new Error(`layout: no word ${name}`);
    return word.at;
  };
}

const global = tableOffsets(TABLES.global);
export const G_DOORBELL = global('G_DOORBELL');
export const G_STOP = global('G_STOP');
export const G_SINK_BELL = global('G_SINK_BELL');
export const G_COORD_BELL = global('G_COORD_BELL');
export const G_POOL_HEAD = global('G_POOL_HEAD');
export const G_HEARTBEAT = global('G_HEARTBEAT');
export const G_CPUS_DONE = global('G_CPUS_DONE');
export const G_KWORK_BELL = global('G_KWORK_BELL');
export const G_COORD_SLEEP = global('G_COORD_SLEEP');

export const CPU_BASE = 32;
export const CPU_STRIDE = 32;
const cpu = tableOffsets(TABLES.cpu);
export const DS_BASE = cpu('DS_BASE');
export const DS_INDEX = cpu('DS_INDEX');
export const DS_ABSMAX = cpu('DS_ABSMAX');
export const DS_THRESHOLD = cpu('DS_THRESHOLD');
export const DS_ENABLED = cpu('DS_ENABLED');
export const DS_CAUSE = cpu('DS_CAUSE');
export const PMI_REQ = cpu('PMI_REQ');
export const PMI_ACK = cpu('PMI_ACK');
export const FLUSH_REQ = cpu('FLUSH_REQ');
export const FLUSH_ACK = cpu('FLUSH_ACK');
export const FLUSH_TID = cpu('FLUSH_TID');
export const FLUSH_EPOCH = cpu('FLUSH_EPOCH');
export const MAIL_N = cpu('MAIL_N');
export const DS_CIRCULAR = cpu('DS_CIRCULAR');
export const DS_MODE = cpu('DS_MODE');
export const DS_TID = cpu('DS_TID');
export const DS_WRAPPED = cpu('DS_WRAPPED');
export const DS_SYNC = cpu('DS_SYNC');
export const WAIT_REQ = cpu('WAIT_REQ');
export const WAIT_ACK = cpu('WAIT_ACK');
export const WAIT_KIND = cpu('WAIT_KIND');
export const WAIT_TID = cpu('WAIT_TID');
export const WAIT_EPOCH = cpu('WAIT_EPOCH');
export const ANS_ON = cpu('ANS_ON');
export const HOST_BELL = cpu('HOST_BELL');

/** WAIT_KIND values (modelled clock): leave to run with tracing off, until L (T_ARG) ... */
export const WAIT_RUN = 1;
/** ... wait at the return to user mode for tracing to come back on (notify-resume) ... */
export const WAIT_ENABLE = 2;
/** ... wait until WAIT_TID is released up to WAIT_EPOCH by the CPU it last ran on. */
export const WAIT_RELEASE = 3;

/** DS_SYNC's packing: the thread in the low 16 bits, its pending entry kind above. */
export function packSync(tid: number, kind: number): number {
  return tid | (kind << 16);
}

export function syncTid(sync: number): number {
  return sync & 0xffff;
}

export function syncKind(sync: number): number {
  return sync >>> 16;
}

const mail = tableOffsets(TABLES.mailEntry);
export const MAIL_CAUSE = mail('MAIL_CAUSE');
export const MAIL_TID = mail('MAIL_TID');
export const MAIL_CLASS = mail('MAIL_CLASS');
export const MAIL_COUNT = mail('MAIL_COUNT');
/** Words of one mailbox entry, entries per CPU's mailbox, and words per mailbox. */
export const MAIL_ENTRY_WORDS = TABLES.mailEntry.length;
export const MAIL_ENTRIES = 64;
export const MAIL_WORDS = MAIL_ENTRIES * MAIL_ENTRY_WORDS;

const cons = tableOffsets(TABLES.consumer);
export const CONS_FULL_SEQ = cons('CONS_FULL_SEQ');
export const CONS_FREE_SEQ = cons('CONS_FREE_SEQ');
export const CONS_LEN = cons('CONS_LEN');

const cpuStat = tableOffsets(TABLES.statsCpu);
export const CPU_STAT_BRANCHES = cpuStat('CPU_STAT_BRANCHES');
export const CPU_STAT_CROSSED_NS = cpuStat('CPU_STAT_CROSSED_NS');
export const CPU_STAT_RESUME_WAIT = cpuStat('CPU_STAT_RESUME_WAIT');
export const CPU_STAT_MIGRATION_WAIT = cpuStat('CPU_STAT_MIGRATION_WAIT');
export const CPU_STAT_STARTED = cpuStat('CPU_STAT_STARTED');
export const CPU_STAT_STRIDE = TABLES.statsCpu.length;
const coordStatAt = tableOffsets(TABLES.statsCoord);
export const COORD_STAT_IN_DESIGN = coordStatAt('COORD_STAT_IN_DESIGN');
export const COORD_STAT_DESIGN_CPU = coordStatAt('COORD_STAT_DESIGN_CPU');
/** Words kept for the coordinator's figures (room to grow without moving anything). */
export const COORD_STAT_WORDS = 4;

/** The stats word `word` of the coordinator (TABLES.statsCoord). */
export function coordStat(cpus: number, word: number): number {
  return cpus * CPU_STAT_STRIDE + word;
}

export function statsBytes(cpus: number): number {
  return (cpus * CPU_STAT_STRIDE + COORD_STAT_WORDS) * 8;
}

const clock = tableOffsets(TABLES.clock);
/** Float64 words per CPU in the clock SAB (64 bytes: its own cache line). */
export const CLOCK_STRIDE = 8;
export const T_REQ = clock('T_REQ');
export const T_ARG = clock('T_ARG');
export const T_ANS = clock('T_ANS');
/** Index of SAFE in the BigInt64 view (same stride, same memory). */
export const T_SAFE = clock('T_SAFE');
export const T_ON = clock('T_ON');
export const T_WAKE = clock('T_WAKE');

/** Bytes of one record slot in a hardware buffer (the 64-bit format's size). */
export const HW_SLOT_BYTES = RECORD_BYTES;

/** The bell of the worker that steps `cpu` (HOST_BELL). */
export function hostBell(cpu: number, cpusPerWorker: number): number {
  return cpuWord(cpu - (cpu % cpusPerWorker), HOST_BELL);
}

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
