/** The consumers a run gets when its config names none: synthetic runs and trace runs. */
import type { ConsumerSpec } from './config.js';

/**
 * The default consumers: all five kinds. A continuous cpu-all on every CPU, a "last N"
 * cpu-all ring on CPU 0, a cpu-kernel ring on the last CPU, and one thread each for the
 * per-thread kinds (user continuous, kernel ring, all continuous).
 */
export function defaultConsumers(cpus: number, threads: number): ConsumerSpec[] {
  const list: ConsumerSpec[] = [];
  for (let c = 0; c < cpus; c++) {
    list.push({ id: `cpu${c}-all`, kind: 'cpu-all', target: c, mode: 'continuous', size: 4_096 });
  }
  list.push({ id: 'cpu0-all-ring', kind: 'cpu-all', target: 0, mode: 'ring', size: 4_096 });
  list.push({ id: `cpu${cpus - 1}-kernel-ring`, kind: 'cpu-kernel', target: cpus - 1, mode: 'ring', size: 4_096 });
  const t = (i: number) => 1 + (i % threads);
  list.push({ id: `tid${t(0)}-user`, kind: 'thread-user', target: t(0), mode: 'continuous', size: 4_096 });
  list.push({ id: `tid${t(1)}-kernel-ring`, kind: 'thread-kernel', target: t(1), mode: 'ring', size: 4_096 });
  list.push({ id: `tid${t(2)}-all`, kind: 'thread-all', target: t(2), mode: 'continuous', size: 4_096 });
  return list.filter((x, i) => list.findIndex((y) => y.id === x.id) === i);
}

/** The default consumers of a trace run: each trace's user-only and full view, and each CPU's. */
export function traceConsumers(cpus: number, traces: number): ConsumerSpec[] {
  const list: ConsumerSpec[] = [];
  for (let t = 1; t <= traces; t++) {
    list.push({ id: `tid${t}-user`, kind: 'thread-user', target: t, mode: 'continuous', size: 4_096 });
    list.push({ id: `tid${t}-all`, kind: 'thread-all', target: t, mode: 'continuous', size: 4_096 });
    list.push({ id: `tid${t}-kernel`, kind: 'thread-kernel', target: t, mode: 'continuous', size: 4_096 });
  }
  for (let c = 0; c < cpus; c++) list.push({ id: `cpu${c}-all`, kind: 'cpu-all', target: c, mode: 'continuous', size: 4_096 });
  return list;
}
