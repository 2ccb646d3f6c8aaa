/**
 * The client side of the goal services and of the PickPlace action, for people who would
 * otherwise paste pixels into `ros2 service call`: reads PNG files here and sends them as
 * sensor_msgs/Image (rgb8); the action's feedback is passed on as it arrives and its result
 * returned with the goal's final status.
 */
import type { RgbImage } from '../model/image.js';
import { GoalStatus, type RclClientGoalHandle, type RclModule } from './rcl-types.js';
import { PICK_PLACE_TYPE } from './pick-place-server.js';
import { plannerService } from './topics.js';

/** A sensor_msgs/Image (rgb8) message of an RGB image. */
export function imageToMsg(img: RgbImage, frameId = 'goal'): object {
  return {
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: frameId },
    height: img.height,
    width: img.width,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: img.width * 3,
    data: img.data,
  };
}

/** What to send. */
export type GoalRequest =
  | { kind: 'single'; image?: RgbImage; useCurrentFrame?: boolean; fileName?: string }
  | { kind: 'sequence'; images: RgbImage[]; steps: number[]; thresholds: number[]; names?: string[] };

/** Calls ~/set_goal or ~/set_goal_sequence of a planner node and returns the response. */
export async function sendGoal(rcl: RclModule, nodeName: string, request: GoalRequest, timeoutMs: number): Promise<Record<string, unknown>> {
  const node = rcl.createNode('jepa_mpc_send_goal');
  try {
    const single = request.kind === 'single';
    const client = node.createClient(
      single ? 'jepa_mpc_interfaces/srv/SetGoal' : 'jepa_mpc_interfaces/srv/SetGoalSequence',
      plannerService(nodeName, single ? 'setGoal' : 'setGoalSequence'),
    );
    rcl.spin(node);
    if (!(await client.waitForService(timeoutMs)))
      throw new Error(
        `service ${plannerService(nodeName, single ? 'setGoal' : 'setGoalSequence')} not available after ${timeoutMs} ms (is the planner running?)`,
      );
    const msg = single
      ? {
          image: imageToMsg(request.image ?? { width: 0, height: 0, data: new Uint8Array(0) }),
          file_name: request.fileName ?? '',
          use_current_frame: request.useCurrentFrame ?? false,
        }
      : {
          images: request.images.map((i) => imageToMsg(i)),
          file_names: [],
          max_steps: request.steps,
          energy_thresholds: request.thresholds,
          stage_names: request.names ?? [],
        };
    return await client.sendRequestAsync(msg, { timeout: timeoutMs });
  } finally {
    node.destroy();
  }
}

/** The PickPlace goal message of a request (`timeoutS`: the goal's own limit, 0 = none). */
export function pickPlaceGoalMsg(request: GoalRequest, timeoutS: number): object {
  const empty = {
    images: [] as object[],
    file_names: [] as string[],
    use_current_frame: false,
    max_steps: [] as number[],
    energy_thresholds: [] as number[],
    stage_names: [] as string[],
  };
  if (request.kind === 'sequence')
    return {
      ...empty,
      images: request.images.map((i) => imageToMsg(i)),
      max_steps: request.steps,
      energy_thresholds: request.thresholds,
      stage_names: request.names ?? [],
      timeout_s: timeoutS,
    };
  return {
    ...empty,
    ...(request.image ? { images: [imageToMsg(request.image)] } : {}),
    ...(request.fileName ? { file_names: [request.fileName] } : {}),
    use_current_frame: request.useCurrentFrame ?? false,
    timeout_s: timeoutS,
  };
}

/** How an action goal went: rejected, or its final GoalStatus name and result message. */
export type ActionOutcome = { readonly accepted: false } | { readonly accepted: true; readonly status: string; readonly result: Record<string, unknown> };

/** Options of {@link sendActionGoal}. */
export interface ActionGoalOptions {
  /** How long to wait for the action server (ms). */
  readonly waitMs: number;
  /** Each feedback message as it arrives. */
  readonly onFeedback?: (feedback: Record<string, unknown>) => void;
  /** Cancels the goal when aborted (e.g. on Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** The name of a GoalStatus code. */
export function goalStatusName(code: number): string {
  return Object.entries(GoalStatus).find(([, v]) => v === code)?.[0] ?? 'UNKNOWN';
}

/**
 * Sends a PickPlace goal to `<nodeName>/pick_place` and resolves once it ends.
 * @throws Error when the action server does not appear within `waitMs`.
 */
export async function sendActionGoal(rcl: RclModule, nodeName: string, goal: object, o: ActionGoalOptions): Promise<ActionOutcome> {
  const node = rcl.createNode('jepa_mpc_send_goal');
  const name = plannerService(nodeName, 'pickPlace');
  try {
    const client = new rcl.ActionClient(node, PICK_PLACE_TYPE, name);
    rcl.spin(node);
    if (!(await client.waitForServer(o.waitMs)))
      throw new Error(`action ${name} not available after ${o.waitMs} ms (is the planner running, built with the PickPlace action?)`);
    const handle: RclClientGoalHandle = await client.sendGoal(goal, ((f: Record<string, unknown>) => o.onFeedback?.(f)) as (f: never) => void);
    if (!handle.accepted) return { accepted: false };
    const cancel = () => void handle.cancelGoal();
    o.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const result = await handle.getResult();
      return { accepted: true, status: goalStatusName(handle.status), result };
    } finally {
      o.signal?.removeEventListener('abort', cancel);
    }
  } finally {
    node.destroy();
  }
}

/** One progress line of PickPlace feedback. */
export function feedbackLine(f: Record<string, unknown>): string {
  const num = (k: string, digits: number) => (typeof f[k] === 'number' && Number.isFinite(f[k]) ? (f[k] as number).toFixed(digits) : '-');
  return (
    `subgoal ${Math.min(Number(f['subgoal_index']) + 1, Number(f['subgoal_count']))}/${String(f['subgoal_count'])}  step ${String(f['steps'])}  ` +
    `energy ${num('energy', 4)}  distance ${num('latent_distance', 4)}  plan ${num('plan_time_ms', 0)} ms  ${num('elapsed_s', 1)} s  ` +
    `${String(f['status_name'])}: ${String(f['status_message'])}`
  );
}
