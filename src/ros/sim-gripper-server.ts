/**
 * The simulator node's franka_gripper action servers (`<gripper_namespace>/move`, `/grasp`,
 * `/homing`, franka_msgs), as franka_ros2's gripper node serves them: every goal is accepted (a
 * newer one ends the running one), feedback is the measured opening after every simulator step,
 * the result is success and error; a failed goal is aborted, a cancelled one canceled. The logic
 * is {@link SimFrankaGripper}'s; without franka_msgs one warning says the actions are not served.
 */
import type { Logger } from '../log.js';
import type { SimGripperGoal, SimGripperResult, SimGripperSession } from '../node/sim-gripper.js';
import type { SimNodeCore } from '../node/sim-node.js';
import { FRANKA_GRIPPER_TYPES } from './franka-gripper.js';
import { CancelResponse, type RclModule, type RclNode, type RclServerGoalHandle } from './rcl-types.js';

/** franka_msgs goals as rclnodejs delivers them. */
interface FrankaGoalMsg {
  width?: number;
  speed?: number;
  force?: number;
  epsilon?: { inner: number; outer: number };
}

/** A franka_msgs goal as the simulator's. */
export function simGoalFromMsg(kind: keyof typeof FRANKA_GRIPPER_TYPES, m: FrankaGoalMsg): SimGripperGoal {
  const n = (v: number | undefined) => Number(v ?? NaN);
  if (kind === 'homing') return { kind };
  if (kind === 'move') return { kind, width: n(m.width), speed: n(m.speed) };
  return { kind, width: n(m.width), speed: n(m.speed), force: n(m.force), epsilonInner: n(m.epsilon?.inner), epsilonOuter: n(m.epsilon?.outer) };
}

/** Lets rclnodejs apply a cancel request's state change before the handle is ended. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Serves the three actions for `core`'s fingers; returns the servers (none, with a warning, without franka_msgs). */
export function serveSimGripper(rcl: RclModule, node: RclNode, core: SimNodeCore, namespace: string, log: Logger): { destroy(): void }[] {
  const sessions = new WeakMap<RclServerGoalHandle, SimGripperSession>();
  const servers: { destroy(): void }[] = [];
  for (const kind of ['move', 'grasp', 'homing'] as const) {
    const execute = async (handle: RclServerGoalHandle): Promise<object> => {
      const result = await new Promise<SimGripperResult>((resolve) => {
        const session: SimGripperSession = { feedback: (w) => handle.publishFeedback({ current_width: w }), done: resolve };
        sessions.set(handle, session);
        core.gripper.start(simGoalFromMsg(kind, handle.request as FrankaGoalMsg), session, core.sim.gripperCommand, core.fingerWidth());
      });
      await nextTurn();
      if (handle.isActive) {
        if (result.success) handle.succeed();
        else if (result.cancelled && handle.isCancelRequested) handle.canceled();
        else handle.abort();
      }
      log.debug({ kind, ...result }, 'franka_gripper goal ended');
      return { success: result.success, error: result.error };
    };
    const cancel = (handle?: RclServerGoalHandle) => {
      const session = handle && sessions.get(handle);
      return session && core.gripper.cancel(session) ? CancelResponse.ACCEPT : CancelResponse.REJECT;
    };
    try {
      servers.push(new rcl.ActionServer(node, FRANKA_GRIPPER_TYPES[kind], `${namespace}/${kind}`, execute, undefined, undefined, cancel));
    } catch (error) {
      log.warn(
        { error: (error as Error).message.split('\n')[0] },
        'franka_gripper actions not served: franka_msgs is not built here (franka_ros2); the fingers follow gripper_command only',
      );
      return [];
    }
  }
  return servers;
}
