/** A synchronous line reader over a file in bounded memory: the trace readers' input. */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Synchronous line splitter over a file: reads it in chunks into one fixed buffer, so memory
 * stays bounded whatever the file size (a line longer than the buffer grows it, up to
 * `maxLine`; longer lines are refused). Lines are decoded as latin1 (traces are ASCII) and
 * returned without their line terminator ("\n" or "\r\n").
 */
export class LineReader {
  private fd: number | null;
  private buf: Buffer;
  private start = 0; // first unread byte in buf
  private end = 0; // one past the last valid byte in buf
  private eof = false;
  /** 1-based number of the line last returned (0 before the first). */
  lineNo = 0;

  constructor(
    readonly path: string,
    /** Makes the error thrown for a line longer than `maxLine` bytes (given its line number). */
    private readonly tooLong: (lineNo: number) => Error,
    chunkSize = 64 * 1024,
    readonly maxLine = 1024 * 1024,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** The next line, or null at the end of the file. */
  nextLine(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.start);
      if (nl !== -1 && nl < this.end) {
        const line = this.slice(this.start, nl);
        this.start = nl + 1;
        this.lineNo++;
        return line;
      }
      if (this.eof) {
        if (this.start >= this.end) return null;
        const line = this.slice(this.start, this.end);
        this.start = this.end;
        this.lineNo++;
        return line;
      }
      this.fill();
    }
  }

  private slice(s: number, e: number): string {
    if (e > s && this.buf[e - 1] === 13) e--;
    return this.buf.toString('latin1', s, e);
  }

  /** Moves the partial line to the front and reads more (growing the buffer if it is full). */
  private fill(): void {
    if (this.fd === null) {
      this.eof = true;
      return;
    }
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      if (this.buf.length >= this.maxLine) throw this.tooLong(this.lineNo + 1);
      const bigger = Buffer.allocUnsafe(Math.min(this.buf.length * 2, this.maxLine));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) this.eof = true;
    else this.end += n;
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    this.eof = true;
    this.start = this.end = 0;
  }
}
