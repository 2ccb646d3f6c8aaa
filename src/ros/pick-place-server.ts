/**
 * The PickPlace action server of the planner node (`~/pick_place`) on rclnodejs's ActionServer:
 * the goal callback answers at once with the node's goal checks (a rejection's reason goes to
 * the log: an action's goal response carries none); the accepted goal runs in the execute
 * callback, feedback goes out through the goal handle after every plan, and the goal handle is
 * ended as its outcome says (REACHED succeeds, CANCELLED is canceled, the rest abort) with the
 * result. The logic is the planner node's ({@link PlannerNode.runActionGoal}); this file converts.
 * Closing lets a running goal's execute callback end (its result sent to a waiting client) before
 * the server goes: rclnodejs sends a result set after the server's destruction on the destroyed
 * server, and that error, thrown outside any caller, ends the process.
 */
import type { Logger } from '../log.js';
import type { GoalSession } from '../node/pick-place-action.js';
import type { CheckedGoal, PickPlaceFeedback, PickPlaceGoalRequest, PickPlaceResult } from '../node/pick-place-goal.js';
import { PickPlaceOutcome } from '../node/pick-place-goal.js';
import type { PlannerNode } from '../node/planner-node.js';
import { type ImageMsg, imageFromMsg } from './convert.js';
import { CancelResponse, GoalResponse, type RclModule, type RclNode, type RclServerGoalHandle } from './rcl-types.js';
import { NAMES } from './topics.js';

/** The action's type name. */
export const PICK_PLACE_TYPE = 'jepa_mpc_interfaces/action/PickPlace';

/** jepa_mpc_interfaces/action/PickPlace's goal as rclnodejs delivers it. */
export interface PickPlaceGoalMsg {
  images: ImageMsg[];
  file_names: string[];
  use_current_frame: boolean;
  max_steps: ArrayLike<number>;
  energy_thresholds: ArrayLike<number>;
  timeout_s: number;
  /** Absent in interfaces built before the field. */
  stage_names?: string[];
}

/** The goal message as the node's plain request. */
export function goalFromMsg(m: PickPlaceGoalMsg): PickPlaceGoalRequest {
  return {
    images: m.images.map(imageFromMsg),
    fileNames: [...m.file_names],
    useCurrentFrame: m.use_current_frame,
    maxSteps: Array.from(m.max_steps, Number),
    energyThresholds: Array.from(m.energy_thresholds, Number),
    timeoutS: Number(m.timeout_s),
    stageNames: [...(m.stage_names ?? [])],
  };
}

/** The feedback message. */
export function feedbackToMsg(f: PickPlaceFeedback): object {
  return {
    subgoal_index: f.subgoalIndex,
    subgoal_count: f.subgoalCount,
    energy: f.energy,
    latent_distance: f.latentDistance,
    status_code: f.statusCode,
    status_name: f.statusName,
    status_message: f.statusMessage,
    plan_time_ms: f.planTimeMs,
    steps: f.steps,
    elapsed_s: f.elapsedS,
  };
}

/** The result message. */
export function resultToMsg(r: PickPlaceResult): object {
  return {
    outcome: r.outcome,
    outcome_name: r.outcomeName,
    message: r.message,
    steps: r.steps,
    elapsed_s: r.elapsedS,
    final_energy: r.finalEnergy,
  };
}

/** Waits until rclnodejs has applied a cancel request's state change (it follows the cancel callback's answer). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long closing waits for running goals to end (they end at once after the planner's shutdown) (ms). */
const CLOSE_WAIT_MS = 1000;

/** The served action. */
export interface PickPlaceService {
  /** Lets running goals end and their results go out (after the planner's shutdown ended them), then destroys the server. */
  close(): Promise<void>;
}

/**
 * Serves the PickPlace action for `planner` on `node`. Returns undefined (with one warning) when
 * the action type is not built — the goal services keep working.
 */
export function servePickPlace(rcl: RclModule, node: RclNode, planner: PlannerNode, log: Logger): PickPlaceService | undefined {
  // rclnodejs calls the goal callback, creates the handle and calls the execute callback in one
  // synchronous run, so the goal checked last is the goal of the handle that executes next.
  let checked: CheckedGoal | undefined;
  const sessions = new WeakMap<RclServerGoalHandle, GoalSession>();
  const running = new Set<Promise<object>>();
  const goalCallback = (goal: PickPlaceGoalMsg): number => {
    checked = undefined;
    let r: ReturnType<PlannerNode['checkActionGoal']>;
    try {
      r = planner.checkActionGoal(goalFromMsg(goal));
    } catch (error) {
      r = { reason: `malformed goal: ${(error as Error).message}` };
    }
    if ('reason' in r) {
      log.warn({ reason: r.reason }, 'PickPlace goal rejected');
      return GoalResponse.REJECT;
    }
    checked = r.goal;
    return GoalResponse.ACCEPT;
  };
  const execute = (handle: RclServerGoalHandle): Promise<object> => {
    const done = executeGoal(handle);
    running.add(done);
    const forget = () => running.delete(done);
    void done.then(forget, forget);
    return done;
  };
  const executeGoal = async (handle: RclServerGoalHandle): Promise<object> => {
    const goal = checked;
    checked = undefined;
    const session: GoalSession = { feedback: (f) => handle.publishFeedback(feedbackToMsg(f)) };
    sessions.set(handle, session);
    const result: PickPlaceResult = goal
      ? await planner.runActionGoal(goal, session)
      : {
          outcome: PickPlaceOutcome.REFUSED,
          outcomeName: 'REFUSED',
          message: 'goal lost between acceptance and execution',
          steps: 0,
          elapsedS: 0,
          finalEnergy: NaN,
        };
    await nextTurn();
    endHandle(handle, result, log);
    return resultToMsg(result);
  };
  const cancel = (handle?: RclServerGoalHandle): number => {
    const session = handle ? sessions.get(handle) : undefined;
    return session && planner.cancelActionGoal(session) ? CancelResponse.ACCEPT : CancelResponse.REJECT;
  };
  let server: { destroy(): void };
  try {
    server = new rcl.ActionServer(node, PICK_PLACE_TYPE, NAMES.pickPlace, execute, goalCallback, undefined, cancel);
  } catch (error) {
    log.warn(
      { error: (error as Error).message },
      `the PickPlace action (${PICK_PLACE_TYPE}) is not served: rebuild jepa_mpc_interfaces with msg/action/PickPlace.action, source it and run npx generate-ros-messages; the goal services keep working`,
    );
    return undefined;
  }
  return {
    async close() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(running), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      await nextTurn(); // rclnodejs sends the results once the execute callbacks have returned
      server.destroy();
    },
  };
}

/** Ends a goal handle as the outcome says; a handle that is gone already (node shut down) is left alone. */
function endHandle(handle: RclServerGoalHandle, result: PickPlaceResult, log: Logger): void {
  if (!handle.isActive) return;
  try {
    if (result.outcome === PickPlaceOutcome.REACHED) handle.succeed();
    else if (result.outcome === PickPlaceOutcome.CANCELLED && handle.isCancelRequested) handle.canceled();
    else handle.abort();
  } catch (error) {
    log.warn({ error: (error as Error).message, outcome: result.outcomeName }, 'could not end the PickPlace goal handle');
  }
}
