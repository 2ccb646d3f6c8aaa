/**
 * What the process costs over time: resident memory, V8 heap and event-loop lag, sampled on a
 * fixed interval (lag from Node's event-loop delay histogram, reset every sample). For stress
 * runs: peak RSS under a flood, and the RSS slope over a soak.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Resolution of the event-loop delay histogram (ms). */
const LAG_RESOLUTION_MS = 10;
const MB = 1024 * 1024;
const NS_PER_MS = 1e6;

/** One sample. */
export interface ProbeSample {
  /** Seconds since the probe started. */
  readonly tS: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** Memory outside the V8 heap that JS objects hold (buffers, typed arrays): where a native growth of RSS would show first. */
  readonly externalMb: number;
  /** Largest event-loop delay since the previous sample (ms). */
  readonly lagMaxMs: number;
}

export class ProcessProbe {
  readonly samples: ProbeSample[] = [];
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    this.t0 = performance.now();
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
    this.histogram.disable();
  }

  /** Largest RSS sampled (MB). */
  get peakRssMb(): number {
    return Math.max(...this.samples.map((s) => s.rssMb));
  }

  /** Largest event-loop delay seen (ms). */
  get maxLagMs(): number {
    return Math.max(0, ...this.samples.map((s) => s.lagMaxMs));
  }

  private sample(): void {
    const m = process.memoryUsage();
    const lag = this.histogram.count > 0 ? this.histogram.max / NS_PER_MS : 0;
    this.histogram.reset();
    this.samples.push({ tS: (performance.now() - this.t0) / 1000, rssMb: m.rss / MB, heapMb: m.heapUsed / MB, externalMb: m.external / MB, lagMaxMs: lag });
  }
}

/**
 * Least-squares slope of a sampled quantity, per hour, over the samples at or after `fromS`
 * (NaN with fewer than two). A leak shows as a positive slope that does not shrink with the run.
 */
export function slopePerHour(samples: readonly ProbeSample[], value: (s: ProbeSample) => number, fromS: number): number {
  const used = samples.filter((s) => s.tS >= fromS);
  if (used.length < 2) return NaN;
  const mt = used.reduce((a, s) => a + s.tS, 0) / used.length;
  const mv = used.reduce((a, s) => a + value(s), 0) / used.length;
  let num = 0;
  let den = 0;
  for (const s of used) {
    num += (s.tS - mt) * (value(s) - mv);
    den += (s.tS - mt) ** 2;
  }
  return den > 0 ? (num / den) * 3600 : NaN;
}
