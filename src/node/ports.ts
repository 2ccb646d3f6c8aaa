/**
 * What the planner node talks to, as plain types: the messages it receives (already converted
 * from ROS by the shell), the commands and status it emits, its clock and its world model.
 * src/ros implements these with rclnodejs; tests implement them with doubles.
 */
import type { RawImage } from '../model/image.js';
import type { Logger } from '../log.js';
import type { WorldModel } from '../model/world-model.js';
import type { GripperCommand, ToolPose, Twist } from '../robot/commands.js';
import type { ParamValues } from './parameters.js';

/** A camera frame as received: raw (sensor_msgs/Image) or compressed (sensor_msgs/CompressedImage). */
export type CameraFrame =
  { readonly kind: 'raw'; readonly image: RawImage } | { readonly kind: 'compressed'; readonly format: string; readonly data: Uint8Array };

/** An arm command, by output mode. */
export type ArmCommand =
  | { readonly kind: 'twist'; readonly frameId: string; readonly twist: Twist; readonly stampS: number }
  | { readonly kind: 'pose'; readonly frameId: string; readonly pose: ToolPose; readonly stampS: number }
  | {
      readonly kind: 'joint';
      readonly names: readonly string[];
      readonly positions: readonly number[];
      readonly timeFromStartS: number;
      readonly stampS: number;
    };
/* stampS: the command's time on the node's clock (s), written to the message header. A twist holds
   from its stamp until the next twist's stamp: a stream of delta/period ends with a zero twist
   stamped exactly one period after it started, whenever it is sent. */

/** A gripper output: a franka_gripper action goal or a simulated finger position. */
export type GripperOutput = GripperCommand | { readonly kind: 'position'; readonly position: number };

/** The PlannerStatus message's content. */
export interface StatusReport {
  /** PlannerStatus code (src/core/status.ts) and its name. */
  readonly code: number;
  readonly codeName: string;
  readonly message: string;
  readonly energy: number;
  /** Actions executed since the goal was set. */
  readonly step: number;
  readonly subgoalIndex: number;
  readonly subgoalCount: number;
  readonly planTimeMs: number;
  /** The last executed action [7] (empty before the first). */
  readonly lastAction: readonly number[];
  readonly provider: string;
}

/** Where the node's outputs go. */
export interface NodeOutputs {
  command(command: ArmCommand): void;
  gripper(command: GripperOutput): void;
  /** Stops the gripper where it is (a hold: stop, cancel, shutdown): franka_gripper goals in flight are cancelled. */
  gripperHalt?(): void;
  status(report: StatusReport): void;
  /** The planned tool path (positions, m, base frame), for RViz/Foxglove. */
  planPath(points: readonly (readonly [number, number, number])[]): void;
}

/** Seconds on the node's clock (ROS time, simulated when use_sim_time). */
export type SecondsClock = () => number;

/** Runs a callback after a delay on the node's clock (a ROS timer, setTimeout, or a virtual clock's event queue). */
export type Scheduler = (delayS: number, fn: () => void) => void;

/** Dependencies of the planner node. */
export interface PlannerNodeDeps {
  /** The world model, or the reason it could not be loaded (the node runs and reports MODEL_ERROR). */
  readonly model: WorldModel | { readonly error: string };
  readonly params: ParamValues;
  readonly outputs: NodeOutputs;
  readonly clock: SecondsClock;
  /** Ends twist streams on time (see the command executor). */
  readonly schedule?: Scheduler;
  /** Absolute goal folder. */
  readonly goalDir: string;
  readonly log: Logger;
}
