/**
 * The planner node and the simulator node on real timers in one process — the launch file's two
 * nodes, without ROS between them — for `jepa-mpc stress`. Episodes of seeded layouts follow each
 * other (goal images by SetGoalSequence, as `eval --through-node`), optionally under a camera
 * flood (the simulator's view scaled into e.g. 1080p rgb8, a new buffer per message, at a fixed
 * rate, replacing its own frames) and with faults injected into the model's worker. Meanwhile a
 * {@link ProcessProbe} samples memory and event-loop lag, and every node cycle's timing is kept.
 */
import type { TabletopSim } from '../../sim/tabletop.js';
import { PlannerStatus } from '../core/status.js';
import type { Logger } from '../log.js';
import { rgbToRaw, type RgbImage } from '../model/image.js';
import type { WorkerFault } from '../model/worker-protocol.js';
import type { WorldModel } from '../model/world-model.js';
import { defaultParameters, type ParamValues } from '../node/parameters.js';
import { PlannerNode } from '../node/planner-node.js';
import type { NodeOutputs, StatusReport } from '../node/ports.js';
import { DEFAULT_COMMAND_TIMEOUT_S, SimNodeCore } from '../node/sim-node.js';
import { commandsToSim, deliverReadings } from './node-wiring.js';
import { recordingOutputs, worldSnapshot, type EpisodeRecorder } from './recorder.js';
import type { GoalSet } from './goals.js';
import { ProcessProbe, type ProbeSample } from './process-probe.js';
import { scaleIntoFrame } from './flood-frame.js';

/** A camera flood: frames of this size at this rate. */
export interface FloodSpec {
  readonly width: number;
  readonly height: number;
  readonly hz: number;
}

/** A fault to inject into the model's worker `atS` seconds into the run. */
export interface FaultSpec {
  readonly atS: number;
  readonly kind: WorkerFault;
}

export interface RealTimeOptions {
  readonly model: WorldModel & { injectFault?(kind: WorkerFault): void };
  readonly sim: TabletopSim;
  /** Episodes cycle through these (prepared beforehand: the expert's run would stall the timers). */
  readonly goalSets: readonly GoalSet[];
  readonly seconds: number;
  readonly params?: Partial<ParamValues>;
  readonly flood?: FloodSpec;
  readonly faults?: readonly FaultSpec[];
  readonly probeIntervalMs: number;
  readonly log: Logger;
  readonly onSecond?: (elapsedS: number) => void;
  /** Receives the episodes as the nodes run them (default none), stamped with the run's clock (s since its start). */
  readonly recorder?: EpisodeRecorder;
}

/** A fault and how long the node took to act again after it. */
export interface Recovery {
  readonly kind: WorkerFault;
  readonly atS: number;
  /** From the fault to the next executed plan (s); null when none came before the run ended. */
  readonly recoveryS: number | null;
  /** The model's own part: from the fault noticed to a fresh worker loaded with the goals (s; the model's health). */
  readonly restartS: number | null;
}

export interface RealTimeReport {
  readonly seconds: number;
  readonly episodes: number;
  readonly successes: number;
  /** Plans that ended in an executed action, per second. */
  readonly plans: number;
  readonly planRateHz: number;
  readonly meanPlanMs: number;
  readonly cycles: number;
  /** Control cycles whose tick came a period or more late (their status went out late). */
  readonly missedStatusCycles: number;
  readonly maxCycleGapMs: number;
  /** Status reports by code name. */
  readonly statuses: Record<string, number>;
  readonly framesSent: number;
  /** Frames the node encoded (plans and goals): far fewer than sent when it keeps only the latest. */
  readonly framesEncoded: number;
  readonly recoveries: Recovery[];
  readonly samples: ProbeSample[];
  readonly peakRssMb: number;
  readonly maxEventLoopLagMs: number;
}

/** Runs the two nodes for `seconds` (see the file comment). */
export async function runRealTime(o: RealTimeOptions): Promise<RealTimeReport> {
  const t0 = performance.now();
  const clock = () => (performance.now() - t0) / 1000;
  const simPeriod = o.model.manifest.controlPeriodS;
  const params: ParamValues = { ...defaultParameters(), gripper_mode: 'joint', propose_stages: false, ...o.params };
  const simNode = new SimNodeCore(o.sim, { periodS: simPeriod, commandTimeoutS: DEFAULT_COMMAND_TIMEOUT_S }, o.goalSets[0]?.seed ?? 0, 0);
  const counts: Record<string, number> = {};
  let latest: StatusReport | undefined;
  let plans = 0;
  let planMsSum = 0;
  let lastStep = 0;
  /** When each executed plan's status came (s). */
  const planTimes: number[] = [];
  /** The faults injected so far; a fault's restart time is read at the first plan after it. */
  const recoveries: { kind: WorkerFault; atS: number; restartS: number | null }[] = [];
  const rec = o.recorder;
  const plain: NodeOutputs = {
    ...commandsToSim(simNode),
    status(report) {
      latest = report;
      counts[report.codeName] = (counts[report.codeName] ?? 0) + 1;
      if (report.step > lastStep) {
        plans++;
        planMsSum += report.planTimeMs;
        planTimes.push(clock());
        const open = recoveries.at(-1);
        if (open && open.restartS === null) open.restartS = (o.model.health?.lastRecoveryMs ?? NaN) / 1000;
      }
      lastStep = report.step;
    },
    planPath() {},
  };
  const outputs = rec ? recordingOutputs(plain, rec, clock) : plain;
  const timers: NodeJS.Timeout[] = [];
  /** Twist-stream ends the node scheduled and not yet run (as the ROS shell keeps them: a set, pruned when they fire). */
  const pending = new Set<NodeJS.Timeout>();
  const schedule = (s: number, fn: () => void) => {
    const t = setTimeout(() => {
      pending.delete(t);
      fn();
    }, 1000 * s);
    pending.add(t);
  };
  // Count the frames the node encodes: under a flood, only the latest of many.
  let framesEncoded = 0;
  const model = new Proxy(o.model, {
    get(target, key) {
      if (key === 'encode') return (image: RgbImage) => (framesEncoded++, target.encode(image));
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const node = new PlannerNode({
    model,
    params,
    outputs,
    clock,
    schedule,
    goalDir: '.',
    log: o.log,
  });
  const period = node.periodS;

  // The camera: the simulator's own frames, or the flood's.
  let view: Uint8Array | undefined;
  let framesSent = 0;
  const deliver = () => {
    const r = deliverReadings(simNode, node, params.joint_prefix, !o.flood);
    rec?.world(worldSnapshot(simNode.sim, simNode.observation, simNode.stampS));
    if (o.flood) view = scaleIntoFrame(r.image, o.flood.width, o.flood.height);
  };
  const sendFlood = (f: FloodSpec) => {
    if (!view) return;
    framesSent++;
    // Stamped with the time of the world it shows (the simulator's last step), as a camera stamps its capture time.
    node.onImage({ kind: 'raw', image: rgbToRaw({ width: f.width, height: f.height, data: view.slice() }) }, simNode.stampS);
  };

  // Episodes one after another.
  let episodes = 0;
  let successes = 0;
  let next = 0;
  let switching = false;
  let succeeded = false;
  let successStep: number | null = null;
  let current: GoalSet | undefined;
  const startEpisode = async () => {
    switching = true;
    const goals = o.goalSets[next++ % o.goalSets.length] as GoalSet;
    current = goals;
    simNode.reset(goals.seed, clock());
    succeeded = false;
    successStep = null;
    rec?.begin({
      stampS: clock(),
      seed: goals.seed,
      task: o.sim.task,
      stageNames: goals.names,
      goals: goals.names.map((name, i) => ({ name, image: goals.frames[i] as RgbImage })),
    });
    deliver();
    const r = await node.setGoalSequence({ images: goals.frames.map(rgbToRaw), fileNames: [], maxSteps: [...goals.steps], energyThresholds: [] });
    if (!r.accepted) o.log.warn({ reason: r.message }, 'goals refused');
    lastStep = 0;
    switching = false;
  };
  const endEpisode = () => {
    episodes++;
    if (succeeded) successes++;
    const final = simNode.observation.task;
    if (current) rec?.end({ seed: current.seed, success: succeeded, steps: lastStep, successStep, lifted: final.lifted, final: { ...final } }, clock());
    void startEpisode();
  };

  // Cycle timing: a tick a period or more late is a missed status cycle.
  let cycles = 0;
  let missed = 0;
  let maxGapMs = 0;
  let lastTickMs = NaN;
  const probe = new ProcessProbe(o.probeIntervalMs);
  await startEpisode();
  probe.start();
  timers.push(
    setInterval(() => {
      simNode.step(clock());
      if (simNode.observation.task.success && !succeeded) {
        succeeded = true;
        successStep = lastStep;
      }
      deliver();
      if (!switching && (succeeded || latest?.code === PlannerStatus.GOAL_REACHED)) endEpisode();
    }, 1000 * simPeriod),
    setInterval(() => {
      const nowMs = performance.now();
      if (Number.isFinite(lastTickMs)) {
        const gap = nowMs - lastTickMs;
        maxGapMs = Math.max(maxGapMs, gap);
        missed += Math.max(0, Math.round(gap / (1000 * period)) - 1);
      }
      lastTickMs = nowMs;
      cycles++;
      node.tick();
    }, 1000 * period),
  );
  if (o.flood) {
    const f = o.flood;
    timers.push(setInterval(() => sendFlood(f), 1000 / f.hz));
  }
  for (const fault of o.faults ?? []) {
    timers.push(
      setTimeout(() => {
        recoveries.push({ kind: fault.kind, atS: clock(), restartS: null });
        o.model.injectFault?.(fault.kind);
      }, 1000 * fault.atS),
    );
  }
  for (let s = 1; s <= Math.ceil(o.seconds); s++) {
    await new Promise((r) => setTimeout(r, 1000 * Math.min(1, o.seconds - (s - 1))));
    o.onSecond?.(s);
  }
  for (const t of [...timers, ...pending]) clearTimeout(t);
  probe.stop();
  node.shutdown();
  await node.idle();
  const seconds = clock();
  return {
    seconds,
    episodes,
    successes,
    plans,
    planRateHz: plans / seconds,
    meanPlanMs: plans > 0 ? planMsSum / plans : NaN,
    cycles,
    missedStatusCycles: missed,
    maxCycleGapMs: maxGapMs,
    statuses: counts,
    framesSent,
    framesEncoded,
    recoveries: recoveries.map((r) => ({ ...r, recoveryS: firstPlanAfter(planTimes, r.atS) })),
    samples: probe.samples,
    peakRssMb: probe.peakRssMb,
    maxEventLoopLagMs: probe.maxLagMs,
  };
}

/** Seconds from `atS` to the first executed plan after it. */
function firstPlanAfter(planTimes: readonly number[], atS: number): number | null {
  const after = planTimes.find((t) => t > atS);
  return after === undefined ? null : after - atS;
}
