/**
 * The commands' interrupt handling: Ctrl-C (SIGINT) and SIGTERM stop the work in progress.
 * SIGTERM is what batch schedulers (Slurm, Kubernetes) send before they kill; either way
 * the command stops its workers, removes its
 * temporary files, prints what it has so far, and exits 130 or 143 (128 + the signal).
 * Only the first signal is caught: a second one, of either kind, kills the process the
 * usual way, for a user who does not want to wait.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** The exit status: 130 or 143 once interrupted, else `otherwise`. */
  exitCode(otherwise: number): number;
  /** Stop listening (the command is done). */
  dispose(): void;
}

const STATUS = { SIGINT: 130, SIGTERM: 143 } as const;

export function catchInterrupt(): Interrupt {
  const ac = new AbortController();
  let got: keyof typeof STATUS | undefined;
  const dispose = () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
  const on = (s: keyof typeof STATUS) => {
    got = s;
    dispose();
    ac.abort();
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: ac.signal,
    exitCode: (otherwise) => (got ? STATUS[got] : otherwise),
    dispose,
  };
}
