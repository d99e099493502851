/**
 * A progress bar with throughput and ETA, on a TTY only, and only once a task has run
 * longer than a second (short runs print nothing extra).
 */
import cliProgress from 'cli-progress';

export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();

  constructor(private readonly label: string, private readonly unit: string) {}

  update(done: number, total: number, elapsedMs = Date.now() - this.started): void {
    if (!this.bar) {
      if (elapsedMs < 1000) return;
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

  stop(): void {
    this.bar?.stop();
  }
}
