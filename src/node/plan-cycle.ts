/**
 * One plan of the planner node, run while the arm holds: encode the frame (the model's views side
 * by side, src/model/model-frames.ts) → (goals whose stages the model's proposer fills in: proposed
 * from this first frame, src/model/stage-proposal.ts) → the core's control step
 * (plan, gripper settle, safety, subgoal bookkeeping) → act once and publish the planned path.
 * Failures become statuses; a plan whose goals changed meanwhile (the generation moved) is dropped.
 */
import { controlStep } from '../core/control-step.js';
import { latentDistance } from '../core/latent-distance.js';
import { ACTION_LAYOUT } from '../core/action-space.js';
import { inputProblem, type MpcPlanner } from '../core/mpc.js';
import type { SafetyLimits } from '../core/safety.js';
import { stageSubgoals } from '../core/stages.js';
import { PlannerStatus } from '../core/status.js';
import { SubgoalSequencer, type Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import type { Logger } from '../log.js';
import type { RgbImage } from '../model/image.js';
import { modelFrame } from '../model/model-frames.js';
import type { WorldModel } from '../model/world-model.js';
import { stateFromPose, type ToolPose } from '../robot/commands.js';
import type { CommandExecutor } from './command-executor.js';
import type { GoalBook, PendingStages } from './goal-services.js';
import { proposeStagePlan } from '../model/stage-proposal.js';
import { frameToRgb } from './node-inputs.js';
import type { CameraFrame, NodeOutputs } from './ports.js';
import type { StatusBoard } from './status-board.js';

/** What a plan needs from the node. */
export interface CycleHost {
  readonly model: WorldModel;
  readonly planner: MpcPlanner;
  readonly limits: SafetyLimits;
  readonly goals: GoalBook;
  readonly executor: CommandExecutor;
  readonly status: StatusBoard;
  readonly outputs: NodeOutputs;
  readonly log: Logger;
  /** The latest arm joints (joint output), read when the action is executed. */
  joints(): number[] | undefined;
  /** Records an executed action; returns the steps executed toward the goals so far. */
  executed(action: Float32Array): number;
}

/** Plans from one frame per view (the model's order) and a pose for the goals of `generation` and acts once (see the file comment). */
export async function planAndAct(host: CycleHost, frames: readonly CameraFrame[], pose: ToolPose, generation: number): Promise<void> {
  const { model, goals, status } = host;
  let rgb: RgbImage;
  let state: Float32Array;
  try {
    rgb = modelFrame(model.manifest, frames.map(frameToRgb));
    state = stateFromPose(pose, host.executor.closedness);
  } catch (error) {
    status.set(PlannerStatus.INVALID_INPUT, (error as Error).message);
    return;
  }
  let latents: Latents;
  try {
    latents = await model.encode(rgb);
  } catch (error) {
    status.set(PlannerStatus.MODEL_ERROR, `encoder failed: ${(error as Error).message}`);
    return;
  }
  if (generation !== goals.generation) return; // goal changed or stop requested while encoding
  // Stages are proposed from the first usable inputs (bad ones are the control step's to report).
  const pending = goals.pendingStages;
  if (pending && !inputProblem({ latents, state, goal: pending.goals.at(-1) as Latents }) && !(await proposeStages(host, latents, state, pending, generation)))
    return;
  const sequencer = goals.sequencer as SubgoalSequencer<Latents>;
  const active = sequencer.current;
  status.latentDistance = active ? latentDistance(latents, active.goal) : NaN;
  const step = await controlStep(host.planner, sequencer, { latents, state }, host.limits);
  if (generation !== goals.generation) return; // goal changed or stop requested while planning
  status.planTimeMs = step.planMs;
  if (!step.executed) {
    status.set(step.status, step.message, step.energy);
    return;
  }
  host.executor.execute(step.action, pose, host.joints());
  host.outputs.planPath(planPath(pose, step.plan));
  const count = host.executed(step.action);
  status.set(step.status, `step ${count}: ${step.message}`, step.energy);
}

/**
 * Replaces the pending goals by the stages the model's proposer makes from this first frame and
 * state, the given goals in their places. Returns false (with a status) when the plan should not
 * go on this cycle.
 */
async function proposeStages(host: CycleHost, latents: Latents, state: Float32Array, pending: PendingStages, generation: number): Promise<boolean> {
  let subgoals: Subgoal<Latents>[];
  let names: readonly string[];
  try {
    const plan = await proposeStagePlan(host.model, latents, state, pending);
    subgoals = stageSubgoals(plan, pending);
    names = plan.names;
  } catch (error) {
    host.status.set(PlannerStatus.MODEL_ERROR, `subgoal proposer failed: ${(error as Error).message}`);
    return false;
  }
  if (generation !== host.goals.generation) return false;
  host.goals.pendingStages = undefined;
  host.goals.sequencer = new SubgoalSequencer(subgoals);
  const given = pending.names.slice(0, -1);
  host.log.info(
    {
      stages: names,
      given: given.length ? given : 'the goal only',
      budgets: subgoals.map((s) => s.maxSteps),
      grippers: subgoals.map((s) => s.goal.gripperReadout),
    },
    'stages proposed',
  );
  return true;
}

/** The tool positions a plan passes through from a pose (base frame, m). */
function planPath(pose: ToolPose, plan: Float32Array): [number, number, number][] {
  const points: [number, number, number][] = [[...pose.position]];
  for (let h = 0; h + ACTION_LAYOUT.dim <= plan.length; h += ACTION_LAYOUT.dim) {
    const p = points.at(-1) as [number, number, number];
    points.push([p[0] + (plan[h] as number), p[1] + (plan[h + 1] as number), p[2] + (plan[h + 2] as number)]);
  }
  return points;
}
