/**
 * A one-line progress bar for long jobs (data collection, evaluation, benchmarks), drawn on
 * stderr. When stderr is not a terminal it prints a line every 10 % instead of redrawing.
 */

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Label in front of the bar. */
  label: string;
  /** Total number of units of work. */
  total: number;
  /** Stream to draw on (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Clock in ms (default Date.now), injectable for tests. */
  now?: () => number;
}

const BAR_WIDTH = 28;
const PLAIN_STEPS = 10;

/** Draws `label [#####.....] 12/40 30% 1.2s eta 2.8s  extra`. */
export class ProgressBar {
  private done = 0;
  private readonly started: number;
  private readonly stream: NodeJS.WriteStream;
  private readonly now: () => number;
  private lastPlainStep = -1;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Advances by `n` units and redraws with an optional suffix (e.g. the last episode's result). */
  tick(n = 1, suffix = ''): void {
    this.done = Math.min(this.options.total, this.done + n);
    this.draw(suffix);
  }

  /** Finishes the bar (newline on a terminal). */
  finish(suffix = ''): void {
    this.done = this.options.total;
    this.draw(suffix);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  /** Text of the bar as it would be drawn now. */
  render(suffix = ''): string {
    const total = Math.max(1, this.options.total);
    const frac = this.done / total;
    const filled = Math.round(frac * BAR_WIDTH);
    const elapsed = (this.now() - this.started) / 1000;
    const eta = this.done > 0 ? (elapsed / this.done) * (total - this.done) : Number.NaN;
    const etaText = Number.isFinite(eta) ? ` eta ${eta.toFixed(1)}s` : '';
    return (
      `${this.options.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` +
      `${this.done}/${this.options.total} ${Math.round(frac * 100)}% ${elapsed.toFixed(1)}s${etaText}` +
      (suffix ? `  ${suffix}` : '')
    );
  }

  private draw(suffix: string): void {
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${this.render(suffix)}`);
      return;
    }
    const step = Math.floor((this.done / Math.max(1, this.options.total)) * PLAIN_STEPS);
    if (step !== this.lastPlainStep) {
      this.lastPlainStep = step;
      this.stream.write(`${this.render(suffix)}\n`);
    }
  }
}
