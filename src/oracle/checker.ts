/**
 * The checker: compares what a consumer received with the oracle's expected stream, as
 * the records arrive, in bounded memory (a lookahead window and a short history).
 *
 * Loss markers carry exact per-consumer counts, so the rule is strict: after a marker of
 * count n the next n expected records are lost (for its cause), and every other record
 * must arrive, in order, bit for bit. Anything else is a named violation:
 *  - silentLoss   expected records skipped with no marker covering them
 *  - duplicates   a record delivered again
 *  - reordered    a record that arrives after a later one was delivered
 *  - torn         a record that matches nothing expected (mixed halves, corrupted words)
 *  - kernelAddressLeaks  a kernel-half address in a user-only stream
 *  - foreignThread       another thread's record in a per-thread stream
 */
import type { ConsumerSpec, SimConfig } from '../model/config.js';
import { Flags, OVERWRITTEN_CAUSE, PSEUDO_HI, isKernelHi, lossCauseName } from '../model/constants.js';
import { RECORD_WORDS } from '../model/hw-record.js';
import type { EpochCache } from './epoch-cache.js';
import { ExpectedStream, HeldStream, TailKeeper, expectedTail, type ExpectedSource } from './expected.js';

export interface Violations {
  silentLoss: number;
  duplicates: number;
  reordered: number;
  torn: number;
  kernelAddressLeaks: number;
  foreignThread: number;
}

export interface CheckResult {
  expected: number;
  /** Records matched in order (the checker's own count, to compare with the data path's). */
  matched: number;
  /** Records the markers declared lost, by cause. */
  lost: Record<string, number>;
  violations: Violations;
}

const LOOKAHEAD = 1 << 15;
const HISTORY = 1 << 12;
/** Expected records a ring check holds at most (24 B each) rather than walk its stream twice. */
const HELD_MAX = 1 << 22;

/**
 * Records of a ring's expected stream to keep while the run goes (TailKeeper): the ring's size
 * and the checker's history, enough when its markers stand for no more records than they take
 * (no loss inside the ring). A ring whose markers stand for more is checked from a fresh pass at
 * the end, as before. Every checked ring holds this for the whole run: the memory budget counts it.
 */
export function ringKeep(size: number): number {
  return Math.min(HELD_MAX, size + HISTORY);
}

/** Whether the record at word `e` of `x` is (fLo, fHi, tLo, tHi, flLo, flHi), bit for bit. */
function sameRecord(x: Uint32Array, e: number, fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): boolean {
  return x[e] === fLo && x[e + 1] === fHi && x[e + 2] === tLo && x[e + 3] === tHi && x[e + 4] === flLo && x[e + 5] === flHi;
}

export class StreamChecker {
  private readonly exp: ExpectedSource;
  // Expected records in a window [0, tail) of `win`: those before `head` were consumed
  // (kept as history, with what happened to each in `state`), [head, tail) is lookahead.
  private win = new Uint32Array(1024 * RECORD_WORDS);
  private state = new Uint8Array(1024); // 1 delivered, 2 skipped
  private head = 0;
  private tail = 0;
  private ended = false;
  matched = 0;
  private readonly lost = new Map<number, number>();
  readonly violations: Violations = { silentLoss: 0, duplicates: 0, reordered: 0, torn: 0, kernelAddressLeaks: 0, foreignThread: 0 };
  private readonly userOnly: boolean;

  /** `source`: the expected records, if not the consumer's whole stream (a ring's tail). */
  constructor(cfg: SimConfig, readonly spec: ConsumerSpec, source?: ExpectedSource, cache?: EpochCache) {
    this.exp = source ?? new ExpectedStream(cfg, spec, cache);
    this.userOnly = spec.kind === 'thread-user';
    this.perThread = spec.kind.startsWith('thread');
  }
  private readonly perThread: boolean;

  /** Make at least `n` expected records available ahead of `head` (fewer at the end). */
  private fill(n: number): number {
    while (this.tail - this.head < n && !this.ended) {
      if (!this.exp.ensure()) {
        this.ended = true;
        break;
      }
      const b = this.exp.batch;
      const take = b.length - this.exp.pos;
      this.makeRoom(take);
      this.win.set(b.words.subarray(this.exp.pos * RECORD_WORDS, b.length * RECORD_WORDS), this.tail * RECORD_WORDS);
      this.tail += take;
      this.exp.pos = b.length;
    }
    return this.tail - this.head;
  }

  /** Room for `take` more records: drop history beyond HISTORY, grow if still short. */
  private makeRoom(take: number): void {
    if ((this.tail + take) * RECORD_WORDS <= this.win.length) return;
    const keepFrom = Math.max(0, this.head - HISTORY);
    if (keepFrom > 0) {
      this.win.copyWithin(0, keepFrom * RECORD_WORDS, this.tail * RECORD_WORDS);
      this.state.copyWithin(0, keepFrom, this.tail);
      this.head -= keepFrom;
      this.tail -= keepFrom;
    }
    if ((this.tail + take) * RECORD_WORDS > this.win.length) {
      const cap = Math.max(this.win.length * 2, (this.tail + take) * RECORD_WORDS);
      const grown = new Uint32Array(cap);
      grown.set(this.win.subarray(0, this.tail * RECORD_WORDS));
      this.win = grown;
      const st = new Uint8Array(cap / RECORD_WORDS);
      st.set(this.state.subarray(0, this.tail));
      this.state = st;
    }
  }

  /** Skip `n` expected records without keeping them (a marker's gap). Returns how many existed. */
  private skip(n: number): number {
    let done = 0;
    while (done < n) {
      if (this.fill(1) === 0) break;
      const k = Math.min(n - done, this.tail - this.head);
      this.state.fill(2, this.head, this.head + k);
      this.head += k;
      done += k;
    }
    return done;
  }

  /** Feed `count` consumer records (records and markers) from `words` at record `start`. */
  feed(words: Uint32Array, start: number, count: number): void {
    for (let r = start; r < start + count; r++) {
      const o = r * RECORD_WORDS;
      const fLo = words[o]!, fHi = words[o + 1]!, tLo = words[o + 2]!, tHi = words[o + 3]!;
      const flLo = words[o + 4]!, flHi = words[o + 5]!;
      if (flHi === Flags.LOSS_HI && fHi === PSEUDO_HI) {
        const n = tLo + tHi * 0x1_0000_0000;
        const cause = flLo & 0xff;
        this.lost.set(cause, (this.lost.get(cause) ?? 0) + n);
        this.skip(n);
        continue;
      }
      if (this.userOnly && (isKernelHi(fHi) || isKernelHi(tHi))) {
        this.violations.kernelAddressLeaks++;
      }
      if (this.fill(1) > 0) {
        const e = this.head * RECORD_WORDS;
        const x = this.win;
        if (sameRecord(x, e, fLo, fHi, tLo, tHi, flLo, flHi)) {
          this.state[this.head++] = 1;
          this.matched++;
          continue;
        }
      }
      this.mismatch(fLo, fHi, tLo, tHi, flLo, flHi);
    }
  }

  private mismatch(fLo: number, fHi: number, tLo: number, tHi: number, flLo: number, flHi: number): void {
    // Further ahead: the records in between were lost without a marker.
    const avail = this.fill(LOOKAHEAD);
    let x = this.win;
    for (let j = 1; j < avail; j++) {
      const e = (this.head + j) * RECORD_WORDS;
      if (sameRecord(x, e, fLo, fHi, tLo, tHi, flLo, flHi)) {
        this.violations.silentLoss += j;
        this.state.fill(2, this.head, this.head + j);
        this.head += j;
        this.state[this.head++] = 1;
        this.matched++;
        return;
      }
    }
    // Behind: delivered before (a duplicate) or skipped before (arrives out of order).
    x = this.win;
    for (let h = this.head - 1; h >= Math.max(0, this.head - HISTORY); h--) {
      const e = h * RECORD_WORDS;
      if (sameRecord(x, e, fLo, fHi, tLo, tHi, flLo, flHi)) {
        if (this.state[h] === 1) this.violations.duplicates++;
        else this.violations.reordered++;
        return;
      }
    }
    // Nowhere in this stream. Half of it matching the expected record is a torn record; a
    // whole, well-formed record in a per-thread stream is another thread's.
    if (avail > 0) {
      const e = this.head * RECORD_WORDS;
      const fromMatch = x[e] === fLo && x[e + 1] === fHi;
      const toMatch = x[e + 2] === tLo && x[e + 3] === tHi;
      if (fromMatch !== toMatch) {
        this.violations.torn++;
        return;
      }
    }
    if (this.perThread) this.violations.foreignThread++;
    else this.violations.torn++;
  }

  /** Skip the first `n` expected records (a ring's overwritten prefix). */
  skipPrefix(n: number): number {
    return this.skip(n);
  }

  /** End of the consumer's stream: whatever is still expected was lost silently. */
  finish(): CheckResult {
    let rest = 0;
    while (this.fill(1 << 16) > 0) {
      rest += this.tail - this.head;
      this.head = this.tail;
    }
    this.violations.silentLoss += rest;
    const lost: Record<string, number> = {};
    for (const [code, n] of this.lost) lost[lossCauseName(code)] = n;
    return { expected: this.exp.produced, matched: this.matched, lost, violations: { ...this.violations } };
  }
}

/**
 * Check a "last N" ring after the run: its entries (records and markers, oldest first)
 * must be the tail of the expected stream, and what came before must be accounted for
 * as overwritten or lost.
 */
export function checkRing(
  cfg: SimConfig,
  spec: ConsumerSpec,
  ring: Uint32Array,
  entries: number,
  overwritten: number,
  lostTotal: number,
  /** The ring's stream taken in during the run (Sink), used if it kept enough of the tail. */
  keeper?: TailKeeper,
): CheckResult {
  const size = spec.size;
  const n = Math.min(entries, size);
  const first = entries > size ? entries % size : 0;
  const ordered = new Uint32Array(n * RECORD_WORDS);
  for (let i = 0; i < n; i++) {
    const s = ((first + i) % size) * RECORD_WORDS;
    ordered.set(ring.subarray(s, s + RECORD_WORDS), i * RECORD_WORDS);
  }
  // Expected records the ring's entries stand for: its records plus the markers' counts.
  let tailLen = 0;
  let lostInRing = 0;
  let overwrittenInRing = 0;
  for (let i = 0; i < n; i++) {
    const o = i * RECORD_WORDS;
    if (ordered[o + 5] === Flags.LOSS_HI && ordered[o + 1] === PSEUDO_HI) {
      const c = ordered[o + 2]! + ordered[o + 3]! * 0x1_0000_0000;
      tailLen += c;
      if ((ordered[o + 4]! & 0xff) === OVERWRITTEN_CAUSE) overwrittenInRing += c;
      else lostInRing += c;
    } else tailLen++;
  }
  // One pass over the expected stream keeps its length and its end: the tail and, before it,
  // the checker's history (records skipped before the tail, which a stray delivery may match).
  let total: number;
  let checker: StreamChecker;
  if (tailLen + HISTORY <= HELD_MAX) {
    const end = keeper && tailLen + HISTORY <= keeper.keep ? keeper.finish() : expectedTail(cfg, spec, tailLen + HISTORY);
    total = end.total;
    checker = new StreamChecker(cfg, spec, new HeldStream(end.tail));
    checker.skipPrefix(end.tail.length - Math.min(tailLen, total));
  } else {
    // A tail too long to hold (markers counting millions of records): count, then walk again.
    total = ExpectedStream.count(cfg, spec);
    checker = new StreamChecker(cfg, spec);
    checker.skipPrefix(Math.max(0, total - tailLen));
  }
  const prefix = Math.max(0, total - tailLen);
  checker.feed(ordered, 0, n);
  const res = checker.finish();
  // The prefix must be exactly what was overwritten plus what was lost before the tail.
  const accounted = overwritten - overwrittenInRing + (lostTotal - lostInRing);
  if (prefix > accounted) res.violations.silentLoss += prefix - accounted;
  if (prefix < accounted) res.violations.duplicates += accounted - prefix;
  res.expected = total;
  return res;
}
