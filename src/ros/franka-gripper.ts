/**
 * The planner node's franka_gripper action clients (franka_msgs Move and Grasp at
 * `<gripper_namespace>/move` and `/grasp`), made on first need. franka_msgs comes from
 * franka_ros2's sources and may not be built: then `problem()` says so in one line naming the
 * package, which the shell uses to refuse `gripper_mode: franka`. The goals' logic (timeouts,
 * failures, cancel) is {@link GripperGoals}'.
 */
import type { Logger } from '../log.js';
import { GripperGoals } from '../node/gripper-goals.js';
import type { RclModule, RclNode } from './rcl-types.js';

/** The action types franka_ros2's gripper node serves. */
export const FRANKA_GRIPPER_TYPES = { move: 'franka_msgs/action/Move', grasp: 'franka_msgs/action/Grasp', homing: 'franka_msgs/action/Homing' } as const;

/** Options of {@link frankaGripper}. */
export interface FrankaGripperOptions {
  /** The gripper node's namespace (the `gripper_namespace` parameter). */
  readonly namespace: string;
  /** Seconds a goal may take (the live `gripper_timeout_s`). */
  readonly timeoutS: () => number;
  readonly log: Logger;
}

/** Why franka_msgs cannot be used, in one line. */
export function frankaMsgsProblem(cause: unknown): string {
  const first = String((cause as Error).message ?? cause).split('\n')[0];
  return (
    `gripper_mode 'franka' needs the franka_msgs package (franka_ros2's interfaces), which this ROS environment lacks: ` +
    `build it beside jepa_mpc_interfaces, source the workspace and run npx generate-ros-messages, or set gripper_mode to joint or none (${first})`
  );
}

/** The clients, made on first need (see the file comment). */
export function frankaGripper(rcl: RclModule, node: RclNode, o: FrankaGripperOptions): { problem(): string | undefined; goals(): GripperGoals | undefined } {
  let made: { goals: GripperGoals } | { problem: string } | undefined;
  const make = () => {
    if (made) return made;
    try {
      const client = (kind: 'move' | 'grasp') => new rcl.ActionClient(node, FRANKA_GRIPPER_TYPES[kind], `${o.namespace}/${kind}`);
      made = { goals: new GripperGoals({ clients: { move: client('move'), grasp: client('grasp') }, timeoutS: o.timeoutS, log: o.log }) };
    } catch (error) {
      made = { problem: frankaMsgsProblem(error) };
    }
    return made;
  };
  return {
    problem: () => {
      const m = make();
      return 'problem' in m ? m.problem : undefined;
    },
    goals: () => {
      const m = make();
      return 'goals' in m ? m.goals : undefined;
    },
  };
}
