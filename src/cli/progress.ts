/**
 * A progress bar with throughput and ETA, shown only when a person is watching. That is:
 * stdout and stderr are both terminals (the bar draws on stderr, so piped or redirected output stays
 * clean), the caller did not ask for JSON, and the task has run longer than a second
 * (short runs print nothing extra).
 */
import cliProgress from 'cli-progress';

export function wantsProgress(json: boolean): boolean {
  return !json && Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
}

export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();
  private stopped = false;

  constructor(private readonly label: string, private readonly unit: string) {}

  update(done: number, total: number, elapsedMs = Date.now() - this.started): void {
    if (this.stopped) return;
    if (!this.bar) {
      if (elapsedMs < 1000 || !wantsProgress(false)) return;
      this.bar = new cliProgress.SingleBar(
        {
          format: `${this.label} [{bar}] {percentage}% | {value}/{total} ${this.unit} | {rate}/s | ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { rate: '0' });
    }
    const rate = elapsedMs > 0 ? Math.round((done / elapsedMs) * 1000) : 0;
    this.bar.update(done, { rate: rate.toLocaleString('en-US') });
  }

  /** Clear the bar (before the result or an error is printed); later updates draw nothing. */
  stop(): void {
    this.stopped = true;
    this.bar?.stop();
  }
}
