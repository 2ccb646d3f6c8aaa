/**
 * The loop users run, without ROS: the planner node's behaviour ({@link PlannerNode}) and the
 * simulator node's ({@link SimNodeCore}) wired through their ports on a virtual clock, the way
 * `ros2 launch jepa_mpc sim_mujoco.launch.py` wires them over topics. Both timers tick at their
 * own phases, commands carry their stamps, twist streams end on a scheduled callback, and a plan
 * takes `latencyS` of virtual time (the world keeps being simulated meanwhile; the arm holds).
 * `jepa-mpc eval --through-node` runs it; its success must match the direct loop's.
 */
import type { WorldModel } from '../model/world-model.js';
import type { TabletopSim } from '../../sim/tabletop.js';
import type { TaskInfo } from '../../sim/tasks.js';
import { PlannerStatus } from '../core/status.js';
import type { Latents } from '../core/types.js';
import { rgbToRaw, type RgbImage } from '../model/image.js';
import type { Logger } from '../log.js';
import { defaultParameters, type ParamValues } from '../node/parameters.js';
import { stageMismatch } from '../core/stages.js';
import { stageProposer } from '../node/goal-services.js';
import { PlannerNode } from '../node/planner-node.js';
import type { NodeOutputs, StatusReport } from '../node/ports.js';
import { DEFAULT_COMMAND_TIMEOUT_S, SimNodeCore } from '../node/sim-node.js';
import { summariseEpisode, verdictOf, type EpisodeStep, type PlannedEpisode } from './episode.js';
import { commandsToSim, deliverReadings } from './node-wiring.js';
import { recordingOutputs, worldSnapshot, type EpisodeRecorder } from './recorder.js';
import type { GoalSet } from './goals.js';

/** Phase of the planner's timer against the simulator's, as a fraction of a period (any fixed value: the timers of two processes are not aligned). */
const PLANNER_TIMER_PHASE = 0.37;
/** Slack of the virtual-time limit per budgeted step, in control periods (plan, act, observe). */
const PERIODS_PER_STEP = 4;

/** Options of {@link runThroughNodeEpisode}. */
export interface ThroughNodeOptions {
  readonly seed: number;
  /** Node parameters (planner settings unset = the model's); planner_seed defaults to the episode seed. */
  readonly params?: Partial<ParamValues>;
  /** Virtual seconds a plan takes (0 = instantly). */
  readonly latencyS: number;
  /** Step budget per subgoal (default: the goal set's). */
  readonly subgoalSteps?: readonly number[];
  /** Stop at the first success (default true, as the direct loop). */
  readonly stopOnSuccess?: boolean;
  readonly onStep?: (step: EpisodeStep) => void;
  /** Receives the episode as the nodes run it (default none): the simulator node's readings, the planner node's outputs, stages and the verdict, on the virtual clock. */
  readonly recorder?: EpisodeRecorder;
  readonly log: Logger;
}

interface Event {
  readonly at: number;
  readonly order: number;
  readonly run: () => void | Promise<void>;
}

/** A queue of events on the virtual clock, earliest first (ties in insertion order). */
class EventQueue {
  private events: Event[] = [];
  private order = 0;
  now = 0;

  at(time: number, run: () => void | Promise<void>): void {
    this.events.push({ at: time, order: this.order++, run });
    this.events.sort((a, b) => a.at - b.at || a.order - b.order);
  }

  next(): Event | undefined {
    const e = this.events.shift();
    if (e) this.now = Math.max(this.now, e.at);
    return e;
  }
}

/**
 * Runs one episode through the planner node and the simulator node: reset the simulator to the
 * seed's layout, send the goal images with SetGoalSequence, and let both nodes run until the
 * planner reports GOAL_REACHED (or the task succeeds).
 */
export async function runThroughNodeEpisode(sim: TabletopSim, model: WorldModel, goals: GoalSet, o: ThroughNodeOptions): Promise<PlannedEpisode> {
  const budgets = o.subgoalSteps ?? goals.steps;
  const q = new EventQueue();
  const params: ParamValues = { ...defaultParameters(), gripper_mode: 'joint', planner_seed: o.seed, ...o.params };
  const simNode = new SimNodeCore(sim, { periodS: model.manifest.controlPeriodS, commandTimeoutS: DEFAULT_COMMAND_TIMEOUT_S }, o.seed, 0);
  const statuses: StatusReport[] = [];
  const plain: NodeOutputs = {
    ...commandsToSim(simNode),
    status(report: StatusReport) {
      statuses.push(report);
    },
    planPath() {},
  };
  const rec = o.recorder;
  const late: { planner?: PlannerNode } = {}; // the recording reads the node's latent distance once it exists
  const outputs = rec
    ? recordingOutputs(
        plain,
        rec,
        () => q.now,
        () => late.planner?.latentDistance ?? NaN,
      )
    : plain;
  const node = new PlannerNode({ model, params, outputs, clock: () => q.now, schedule: (delayS, fn) => q.at(q.now + delayS, fn), goalDir: '.', log: o.log });
  late.planner = node;
  const period = node.periodS;
  const simPeriod = model.manifest.controlPeriodS;

  const deliver = () => {
    deliverReadings(simNode, node, params.joint_prefix);
    rec?.world(worldSnapshot(simNode.sim, simNode.observation, simNode.stampS));
  };
  // A model with a proposer (propose_stages): one goal image goes by SetGoal, several named by
  // its stages by SetGoalSequence with their names, and the node fills in the other stages itself.
  const fits = goals.frames.length === 1 || stageMismatch(model.manifest.subgoalProposer?.stages ?? [], goals.names) === undefined;
  const proposer = fits ? stageProposer(model, params) : undefined;
  const named = proposer !== undefined && goals.frames.length > 1;
  if (proposer && o.subgoalSteps) throw new RangeError("through the node, the proposer's stages keep its budgets: give --subgoal-steps with --propose off");
  const stageNames = proposer ? proposer.stages : goals.names;
  rec?.begin({ stampS: 0, seed: o.seed, task: sim.task, stageNames, goals: goals.names.map((name, i) => ({ name, image: goals.frames[i] as RgbImage })) });
  deliver();
  const goalLatents: Latents[] = [];
  const response =
    proposer && !named
      ? await node.setGoal({ image: rgbToRaw(goals.frames[0] as RgbImage) })
      : await node.setGoalSequence({
          images: goals.frames.map(rgbToRaw),
          fileNames: [],
          maxSteps: named ? [] : [...budgets],
          energyThresholds: [],
          ...(named ? { stageNames: goals.names } : {}),
        });
  if (!response.accepted) throw new Error(`the planner node refused the goals: ${response.message}`);
  for (const f of goals.frames) goalLatents.push(await model.encodeGoal(f)); // cached by the model: the readings only

  // Episode bookkeeping from the simulator's truth (scoring only; the node never sees it).
  const records: EpisodeStep[] = [];
  const switches: number[] = [];
  let successStep: number | null = null;
  let task: TaskInfo = simNode.observation.task;
  let lastStep = 0;
  let lastSubgoal = 0;
  let finished = false;
  const stopOnSuccess = o.stopOnSuccess ?? true;
  const deadline = (proposer ? proposer.steps : budgets).reduce((a, b) => a + b, 0) * (PERIODS_PER_STEP * period + o.latencyS) + 10 * period;

  const toolPosition = (): [number, number, number] => {
    const p = simNode.sim.tcpPose().position;
    return [p[0] as number, p[1] as number, p[2] as number];
  };
  const simTick = (k: number) => () => {
    const obs = simNode.step(k * simPeriod);
    task = obs.task;
    deliver();
    // The latest step's record shows the world after its command ran (as the direct loop's does).
    const last = records.at(-1);
    if (last) records[records.length - 1] = { ...last, task: { ...task }, gripper: simNode.sim.gripperCommand, tool: toolPosition() };
    if (task.success && successStep === null) {
      successStep = lastStep;
      if (stopOnSuccess) finished = true;
    }
    q.at((k + 1) * simPeriod, simTick(k + 1));
  };
  const record = (report: StatusReport) => {
    if (report.step <= lastStep) return;
    lastStep = report.step;
    const energy = report.energy;
    const subgoal = Math.min(lastSubgoal, stageNames.length - 1);
    const previous = records.at(-1);
    if (previous) o.onStep?.(previous);
    records.push({
      step: lastStep,
      subgoal,
      action: Float32Array.from(report.lastAction),
      energy,
      status: report.code,
      planMs: report.planTimeMs,
      task: { ...task },
      gripper: simNode.sim.gripperCommand,
      tool: toolPosition(),
    });
    if (report.subgoalIndex !== lastSubgoal) switches.push(lastStep);
    lastSubgoal = report.subgoalIndex;
  };
  let planDue = false;
  let ending = false;
  const nodeTick = (j: number) => () => {
    node.tick();
    const report = statuses.at(-1);
    if (report?.code === PlannerStatus.GOAL_REACHED && !ending) {
      // The last command still runs: let it finish and show its result before judging.
      ending = true;
      q.at(q.now + period + 2 * simPeriod, () => {
        finished = true;
      });
    }
    if (report?.code === PlannerStatus.MODEL_ERROR) throw new Error(`planning failed: ${report.message}`);
    if (node.planInFlight && !planDue) {
      planDue = true;
      q.at(q.now + o.latencyS, async () => {
        await node.idle(); // the plan completes (and acts) at this virtual instant
        planDue = false;
        const done = statuses.at(-1);
        if (done) record(done);
      });
    }
    q.at((j + 1 + PLANNER_TIMER_PHASE) * period, nodeTick(j + 1));
  };
  q.at(simPeriod, simTick(1));
  q.at(PLANNER_TIMER_PHASE * period, nodeTick(0));

  for (let e = q.next(); e && !finished && q.now <= deadline; e = q.next()) await e.run();
  await node.idle();
  const last = records.at(-1);
  if (last) o.onStep?.(last);
  const episode = summariseEpisode(o.seed, records, switches, successStep === null ? null : Math.max(successStep, 1), task, goalLatents);
  rec?.end(verdictOf(episode), q.now);
  return episode;
}
