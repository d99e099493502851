/**
 * What the command does when its output cannot be written. Nobody reading any more (`btsim
 * designs | head -1`: EPIPE) is not an error: the command ends at once, quietly, with the
 * status a program killed by SIGPIPE has (141), as git and perf do. Node ignores SIGPIPE, so
 * without this the next write would end in a stack trace. Any other write error on stdout
 * (`> /dev/full`: ENOSPC) is one line on stderr and exit 1.
 *
 * Both end the process here: what is still running (a sweep, the stress runs, a run's
 * workers) would only produce more output nobody can get, and the temporary files are
 * removed by their exit hook.
 */
export const EXIT_BROKEN_PIPE = 141;

export function guardOutputStreams(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    try {
      process.stderr.write(`btsim: cannot write the output: ${systemErrorLine(e)}\n`);
    } finally {
      process.exit(1);
    }
  });
  // Errors cannot be reported once stderr itself is gone; the exit status still says it.
  process.stderr.on('error', () => {});
}

/** An error from the operating system (a failed write, open, rename), not a bug in btsim. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** "ENOSPC: no space left on device, write" as one line. */
export function systemErrorLine(e: NodeJS.ErrnoException): string {
  return e.message.replace(/\s*\n\s*/g, ' ');
}
