/** What a caller of run() may ask for besides the config: outputs, progress reports and an abort signal. */

export interface RunProgress {
  branches: number;
  total: number;
  elapsedMs: number;
}

export interface RunOptions {
  /** Write each consumer's stream and description here (docs/domain-model.md §8). */
  dumpDir?: string;
  /** Called about five times a second while the run goes. */
  onProgress?: (p: RunProgress) => void;
  /**
   * Abort the run: workers stop and run() resolves with the partial result
   * (`complete: false`, unchecked) within about a second.
   */
  signal?: AbortSignal;
  /** Write the run's timeline here, in the Chrome trace-event format (Perfetto opens it). */
  timelineFile?: string;
}
