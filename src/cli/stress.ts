/**
 * `jepa-mpc stress`: the planner node and the simulator node on real timers in this process (no
 * ROS; src/loop/real-time.ts) with the shipped model, under load and faults:
 * - `--flood LIST`: camera floods (e.g. 1080p@60,4k@30), each run beside an unflooded run of the
 *   same length: peak RSS, plan rate and its ratio to the unflooded one, frames sent;
 * - `--worker-kill LIST`: faults (crash, hang) injected into the model's worker, spread over the
 *   run: the time from each to the next executed plan;
 * - `--soak`: one long run: RSS and heap slope per hour after a warm-up, event-loop lag, missed
 *   status cycles; `--plot FILE.png` draws RSS, heap and lag over time.
 * Prints tables, or one JSON object with --json.
 */
import { parseArgs } from 'node:util';
import { TabletopSim } from '../../sim/tabletop.js';
import { createLogger } from '../log.js';
import { expertGoals, type GoalSet } from '../loop/goals.js';
import { slopePerHour } from '../loop/process-probe.js';
import { runRealTime, type FloodSpec, type RealTimeReport } from '../loop/real-time.js';
import { WORKER_FAULTS, type WorkerFault } from '../model/worker-protocol.js';
import { modelDir } from '../paths.js';
import type { TopLevelSpec } from 'vega-lite';
import { downsampleMax, panels, xyChart } from '../viz/vega/charts.js';
import { writePlot } from '../viz/vega/write.js';
import { choiceFlag, intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';
import { RUN_HELP, RUN_OPTIONS, SIM_MODEL, episodeSimOptions, runSettings } from './planned-run.js';
import { ProgressBar } from './progress.js';
import { formatTable, round } from './table.js';
import { MCAP_OPTION, mcapHelp, openRecording } from './mcap-flag.js';
import type { McapRecorder } from '../record/mcap-recorder.js';

/** Named camera resolutions. */
const RESOLUTIONS: Record<string, readonly [number, number]> = { '720p': [1280, 720], '1080p': [1920, 1080], '4k': [3840, 2160] };
/** Layouts the episodes cycle through (their goal images are rendered before the clock starts). */
const GOAL_SETS = 8;
/** Soak samples before this (s, or a tenth of the run when longer) are warm-up, left out of the slopes. */
const WARMUP_S = 60;
const PROBE_MS = { short: 100, soak: 1000 };
const MB = 1024 * 1024;
/** Plot area width of the soak's panels (px). */
const SOAK_WIDTH = 640;
/** Points per series in the soak plot: a two-hour soak samples 7200 (each point the largest of its run). */
const SOAK_PLOT_POINTS = SOAK_WIDTH;

const HELP = `usage: jepa-mpc stress (--flood LIST | --worker-kill LIST | --soak) [options]

The planner node and the simulator node on real timers in this process (no ROS), with faults and load.

options:
  --flood LIST         camera floods RES@HZ (RES: ${Object.keys(RESOLUTIONS).join('|')} or WxH), e.g. 1080p@60,4k@30; each
                       runs --seconds beside an unflooded run of the same length
  --worker-kill LIST   faults injected into the model's worker, spread over one run: ${WORKER_FAULTS.join(',')}
                       (a hang ends at --run-timeout)
  --soak               one run of --seconds: RSS/heap slope per hour, event-loop lag, missed status cycles
  --seconds N          length of each run (default 60)
  --plot FILE.png      with --soak: RSS, heap and event-loop lag over time
${mcapHelp("every run's episodes in one file, stamped with each run's clock (real seconds), one run after another")}
${RUN_HELP}
${MODEL_HELP.replace(`(default models/test-tiny)`, `(default models/${SIM_MODEL})`)}
  --json               print one JSON object`;

/** Parses RES@HZ entries. @throws CliError for a malformed entry. */
export function parseFloods(text: string): (FloodSpec & { label: string })[] {
  return text.split(',').map((raw) => {
    const entry = raw.trim();
    const m = /^([^@]+)@(\d+(?:\.\d+)?)$/.exec(entry);
    const size = m
      ? (RESOLUTIONS[(m[1] as string).toLowerCase()] ??
        /^(\d+)x(\d+)$/
          .exec(m[1] as string)
          ?.slice(1)
          .map(Number))
      : undefined;
    const hz = Number(m?.[2]);
    const [width, height] = (size ?? []) as number[];
    if (!m || !width || !height || width > 8192 || height > 8192 || !(hz > 0 && hz <= 240))
      throw new CliError(`--flood entries are RES@HZ with RES one of ${Object.keys(RESOLUTIONS).join('|')} or WxH (≤ 8192) and HZ in (0, 240], got '${entry}'`);
    return { label: entry, width, height, hz };
  });
}

/** Entry point of `jepa-mpc stress`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...RUN_OPTIONS,
      ...MCAP_OPTION,
      flood: { type: 'string' },
      'worker-kill': { type: 'string' },
      soak: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      plot: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const floods = values.flood === undefined ? [] : parseFloods(values.flood);
  const faults =
    values['worker-kill'] === undefined ? [] : values['worker-kill'].split(',').map((k) => choiceFlag('worker-kill', k.trim(), WORKER_FAULTS, 'crash'));
  if (!floods.length && !faults.length && !values.soak) throw new CliError('give --flood, --worker-kill or --soak (see --help)');
  if (values.plot !== undefined && !values.soak) throw new CliError('--plot needs --soak');
  const seconds = intFlag('seconds', values.seconds, 60, 5, 7 * 24 * 3600);
  const model = await loadModelFromFlags({ ...values, model: values.model ?? modelDir(SIM_MODEL) });
  const log = createLogger('stress');
  let recorder: McapRecorder | undefined;
  try {
    const s = runSettings(values, model, 'pick-place');
    recorder = await openRecording(values.mcap, {
      command: 'stress',
      model: model.manifest.name,
      task: s.task,
      seed: s.seed,
      seconds,
      runs: [
        ...(floods.length ? ['none', ...floods.map((f) => f.label)] : []),
        ...(faults.length ? [faults.join('+')] : []),
        ...(values.soak ? ['soak'] : []),
      ].join(','),
      loop: 'real-time',
    });
    const goalSets: GoalSet[] = [];
    for (let k = 0; k < GOAL_SETS; k++) goalSets.push(await expertGoals(episodeSimOptions(s, s.seed + k), s.task, s.seed + k, s.expert, s.subgoals));
    const sim = await TabletopSim.create(s.sim);
    const run = async (label: string, extra: Partial<Parameters<typeof runRealTime>[0]>, probeMs: number) => {
      const bar = new ProgressBar({ label: `stress ${label}`, total: seconds });
      const r = await runRealTime({
        model,
        sim,
        goalSets,
        seconds,
        params: s.plannerSettings,
        probeIntervalMs: probeMs,
        log,
        onSecond: () => bar.tick(1),
        ...(recorder ? { recorder } : {}),
        ...extra,
      });
      bar.finish();
      return r;
    };
    const out: Record<string, unknown> = { model: model.manifest.name, seconds };
    try {
      if (floods.length) out['flood'] = await floodRuns(floods, run, values.json);
      if (faults.length) out['workerKill'] = await killRun(faults, seconds, run, values.json);
      if (values.soak) out['soak'] = await soakRun(seconds, run, values.plot, values.json);
    } finally {
      sim.close();
    }
    if (recorder) {
      await recorder.close();
      log.info({ file: recorder.path, messages: recorder.messageCount }, 'recording written');
    }
    if (values.json) console.log(JSON.stringify({ ...out, ...headline(out) }));
    return 0;
  } finally {
    await recorder?.close().catch(() => undefined); // closed already after a good run; after a failure, keep what was written
    await model.close();
  }
}

type Run = (label: string, extra: Partial<Parameters<typeof runRealTime>[0]>, probeMs: number) => Promise<RealTimeReport>;

/** The figures of one run every table shows. */
function figures(r: RealTimeReport) {
  return {
    seconds: round(r.seconds, 1),
    episodes: r.episodes,
    successes: r.successes,
    plans: r.plans,
    planRateHz: round(r.planRateHz, 3),
    meanPlanMs: round(r.meanPlanMs, 1),
    peakRssMb: round(r.peakRssMb, 1),
    maxEventLoopLagMs: round(r.maxEventLoopLagMs, 1),
    cycles: r.cycles,
    missedStatusCycles: r.missedStatusCycles,
    maxCycleGapMs: round(r.maxCycleGapMs, 1),
    statuses: r.statuses,
  };
}

async function floodRuns(floods: (FloodSpec & { label: string })[], run: Run, json: boolean) {
  const none = await run('no flood', {}, PROBE_MS.short);
  const rows = [{ label: 'none', ...figures(none), framesSent: 0, framesEncoded: none.framesEncoded, mbPerS: 0 }];
  for (const f of floods) {
    const r = await run(`flood ${f.label}`, { flood: f }, PROBE_MS.short);
    rows.push({
      label: f.label,
      ...figures(r),
      framesSent: r.framesSent,
      framesEncoded: r.framesEncoded,
      mbPerS: round((r.framesSent * f.width * f.height * 3) / MB / r.seconds, 1),
    });
  }
  const base = rows[0]?.planRateHz ?? NaN;
  const result = rows.map((r) => ({ ...r, planRateRatio: round(r.planRateHz / base, 3) }));
  if (!json) {
    console.log(
      formatTable(
        ['flood', 'frames/s', 'MB/s', 'peak RSS MB', 'plans/s', '× none', 'plan ms', 'max lag ms', 'missed cycles', 'episodes ok'],
        result.map((r) => [
          r.label,
          round(r.framesSent / r.seconds, 1),
          r.mbPerS,
          r.peakRssMb,
          r.planRateHz,
          r.planRateRatio,
          r.meanPlanMs,
          r.maxEventLoopLagMs,
          r.missedStatusCycles,
          `${r.successes}/${r.episodes}`,
        ]),
      ),
    );
  }
  return result;
}

async function killRun(faults: WorkerFault[], seconds: number, run: Run, json: boolean) {
  const spacing = seconds / (faults.length + 1);
  const r = await run(`worker ${faults.join('+')}`, { faults: faults.map((kind, i) => ({ kind, atS: spacing * (i + 1) })) }, PROBE_MS.short);
  const recoveries = r.recoveries.map((x) => ({
    kind: x.kind,
    atS: round(x.atS, 2),
    restartS: x.restartS === null ? null : round(x.restartS, 3),
    recoveryS: x.recoveryS === null ? null : round(x.recoveryS, 3),
  }));
  if (!json) {
    console.log(
      formatTable(
        ['fault', 'at s', 'worker restart s', 'next plan after s'],
        recoveries.map((x) => [x.kind, x.atS, x.restartS ?? 'none', x.recoveryS ?? 'none']),
      ),
    );
    console.log(`${r.plans} plans, ${r.successes}/${r.episodes} episodes ok; statuses ${JSON.stringify(r.statuses)}`);
  }
  return { ...figures(r), recoveries };
}

async function soakRun(seconds: number, run: Run, plot: string | undefined, json: boolean) {
  const r = await run('soak', {}, PROBE_MS.soak);
  const fromS = Math.max(WARMUP_S, seconds / 10);
  const result = {
    ...figures(r),
    warmupS: fromS,
    rssSlopeMbPerHour: round(
      slopePerHour(r.samples, (x) => x.rssMb, fromS),
      2,
    ),
    heapSlopeMbPerHour: round(
      slopePerHour(r.samples, (x) => x.heapMb, fromS),
      2,
    ),
    externalSlopeMbPerHour: round(
      slopePerHour(r.samples, (x) => x.externalMb, fromS),
      2,
    ),
    // The second half alone: a slope that shrinks is an allocator settling, one that holds is a leak.
    rssSlopeLastHalfMbPerHour: round(
      slopePerHour(r.samples, (x) => x.rssMb, Math.max(fromS, r.seconds / 2)),
      2,
    ),
    rssStartMb: round(r.samples.find((x) => x.tS >= fromS)?.rssMb ?? NaN, 1),
    rssEndMb: round(r.samples.at(-1)?.rssMb ?? NaN, 1),
  };
  if (plot) await writePlot(plot, soakPlot(r, result.rssSlopeMbPerHour), 'soak');
  if (!json) {
    console.log(
      formatTable(
        ['seconds', 'plans/s', 'episodes ok', 'RSS MB start→end', 'RSS MB/h', 'last half', 'heap MB/h', 'peak RSS MB', 'max lag ms', 'missed cycles'],
        [
          [
            result.seconds,
            result.planRateHz,
            `${r.successes}/${r.episodes}`,
            `${result.rssStartMb}→${result.rssEndMb}`,
            result.rssSlopeMbPerHour,
            result.rssSlopeLastHalfMbPerHour,
            result.heapSlopeMbPerHour,
            result.peakRssMb,
            result.maxEventLoopLagMs,
            result.missedStatusCycles,
          ],
        ],
      ),
    );
  }
  return result;
}

/** RSS and heap (MB) and event-loop lag (ms) against minutes, at most {@link SOAK_PLOT_POINTS} points a series (exported for the plot benchmark). */
export function soakPlot(r: RealTimeReport, slope: number): TopLevelSpec {
  const series = (label: string, y: (x: RealTimeReport['samples'][number]) => number) => ({
    label,
    points: downsampleMax(
      r.samples.map((x) => [x.tS / 60, y(x)] as const),
      SOAK_PLOT_POINTS,
    ),
  });
  const memory = xyChart([series('RSS MB', (x) => x.rssMb), series('heap MB', (x) => x.heapMb), series('external MB', (x) => x.externalMb)], {
    title: `memory (RSS slope ${Number.isFinite(slope) ? slope : '– (warm-up only)'} MB/h)`,
    xLabel: 'minutes',
    yLabel: 'MB',
    width: SOAK_WIDTH,
    height: 240,
  });
  const lag = xyChart([series('lag ms, max per s', (x) => x.lagMaxMs)], {
    title: 'event-loop lag',
    xLabel: 'minutes',
    yLabel: 'ms',
    width: SOAK_WIDTH,
    height: 160,
  });
  return panels('the soak: memory and event-loop lag', [memory, lag], 1);
}

/** The issue's headline figures over the runs made. */
function headline(out: Record<string, unknown>) {
  const flood = out['flood'] as { peakRssMb: number; planRateHz: number; maxEventLoopLagMs: number }[] | undefined;
  const kill = out['workerKill'] as { recoveries: { recoveryS: number | null }[]; peakRssMb: number; maxEventLoopLagMs: number } | undefined;
  const soak = out['soak'] as { rssSlopeMbPerHour: number; planRateHz: number; peakRssMb: number; maxEventLoopLagMs: number } | undefined;
  const runs = [...(flood ?? []), ...(kill ? [kill] : []), ...(soak ? [soak] : [])];
  return {
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    maxEventLoopLagMs: Math.max(...runs.map((r) => r.maxEventLoopLagMs)),
    ...(flood ? { planRateHz: flood[0]?.planRateHz } : soak ? { planRateHz: soak.planRateHz } : {}),
    ...(kill ? { recoveryS: Math.max(...kill.recoveries.map((x) => x.recoveryS ?? Infinity)) } : {}),
    ...(soak ? { rssSlopeMbPerHour: soak.rssSlopeMbPerHour } : {}),
  };
}
