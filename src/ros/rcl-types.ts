/**
 * The part of rclnodejs (2.x) the shell uses, as structural types. rclnodejs is an optional
 * dependency that cannot install without ROS 2, so the shell is written against these and gets
 * the real module at run time (and test doubles of the same shape in CI).
 */

/** builtin_interfaces/Time as rclnodejs delivers it. */
export interface RosTime {
  sec: number;
  nanosec: number;
}

/** std_msgs/Header. */
export interface RosHeader {
  stamp: RosTime;
  frame_id: string;
}

/** A publisher. */
export interface RclPublisher {
  publish(message: object): void;
}

/** A timer. */
export interface RclTimer {
  cancel(): void;
}

/** A parameter as rclnodejs passes it to the set-parameters callback. */
export interface RclParameter {
  name: string;
  type: number;
  value: unknown;
}

/** action_msgs/msg/GoalStatus codes (a goal handle's `status`). */
export const GoalStatus = { UNKNOWN: 0, ACCEPTED: 1, EXECUTING: 2, CANCELING: 3, SUCCEEDED: 4, CANCELED: 5, ABORTED: 6 } as const;

/** An action client's handle of one goal (rclnodejs ClientGoalHandle). */
export interface RclClientGoalHandle {
  readonly accepted: boolean;
  /** A GoalStatus code, updated as status messages and the result arrive. */
  readonly status: number;
  /** Resolves with the Result message once the goal ends (its `status` is then terminal). */
  getResult(): Promise<Record<string, unknown>>;
  /** Resolves with the action_msgs/srv/CancelGoal response. */
  cancelGoal(): Promise<unknown>;
}

/** An action client (franka_gripper, the PickPlace client): `new rcl.ActionClient(node, type, name)`. */
export interface RclActionClient {
  isActionServerAvailable(): boolean;
  waitForServer(timeoutMs?: number): Promise<boolean>;
  sendGoal(goal: object, feedbackCallback?: (feedback: never) => void): Promise<RclClientGoalHandle>;
  destroy(): void;
}

/** rclnodejs GoalResponse / CancelResponse values. */
export const GoalResponse = { REJECT: 1, ACCEPT: 2 } as const;
export const CancelResponse = { REJECT: 1, ACCEPT: 2 } as const;

/** An action server's handle of one accepted goal (rclnodejs ServerGoalHandle). */
export interface RclServerGoalHandle {
  /** The goal message. */
  readonly request: unknown;
  readonly isActive: boolean;
  /** Whether the goal is CANCELING (a cancel request was accepted). */
  readonly isCancelRequested: boolean;
  readonly status: number;
  /** Starts executing (the default accepted callback does it). */
  execute(callback?: (handle: RclServerGoalHandle) => unknown): void;
  /** Ignored (with a warning) unless the goal is EXECUTING. */
  publishFeedback(feedback: object): void;
  succeed(): void;
  abort(): void;
  /** Only from CANCELING. */
  canceled(): void;
}

/** `new rcl.ActionServer(node, type, name, execute, goal?, accepted?, cancel?, options?)`. */
export type RclActionServerClass = new (
  node: RclNode,
  type: string,
  name: string,
  executeCallback: (handle: RclServerGoalHandle) => Promise<object> | object,
  goalCallback?: (goal: never) => number,
  handleAcceptedCallback?: (handle: RclServerGoalHandle) => void,
  cancelCallback?: (handle?: RclServerGoalHandle) => Promise<number> | number,
  options?: object,
) => { destroy(): void };

/** A service client. */
export interface RclClient {
  waitForService(timeoutMs?: number): Promise<boolean>;
  sendRequestAsync(request: object, options?: { timeout?: number }): Promise<Record<string, unknown>>;
}

/** QoS options for a subscription/publisher/service. */
export interface RclOptions {
  qos?: unknown;
  enableTypedArray?: boolean;
}

/** The node API the shell uses. */
export interface RclNode {
  name(): string;
  createPublisher(type: string, topic: string, options?: RclOptions): RclPublisher;
  createSubscription(type: string, topic: string, options: RclOptions, callback: (message: never) => void): unknown;
  createService(type: string, name: string, options: RclOptions, callback: (request: never, response: unknown) => unknown): unknown;
  createTimer(periodNs: bigint, callback: () => void): RclTimer;
  declareParameter(parameter: object, descriptor?: object, ignoreOverride?: boolean): RclParameter;
  getParameter(name: string): RclParameter;
  addOnSetParametersCallback(callback: (parameters: RclParameter[]) => { successful: boolean; reason: string }): void;
  createClient(type: string, name: string): RclClient;
  now(): { nanoseconds: bigint };
  getLogger(): { info(m: string): unknown; warn(m: string): unknown; error(m: string): unknown };
  destroy(): void;
}

/** The rclnodejs module API the shell uses. */
export interface RclModule {
  init(context?: unknown, argv?: string[]): Promise<void>;
  createNode(name: string, namespace?: string): RclNode;
  spin(node: RclNode): void;
  shutdown(): void;
  removeSignalHandlers?(): void;
  Parameter: new (name: string, type: number, value?: unknown) => object;
  ParameterDescriptor: new (name: string, type: number, description?: string, readOnly?: boolean, range?: object) => object;
  FloatingPointRange: new (from: number, to: number, step?: number) => object;
  IntegerRange: new (from: bigint, to: bigint, step?: bigint) => object;
  ParameterType: Record<string, number>;
  QoS: { profileSensorData: unknown; profileDefault?: unknown };
  ActionClient: new (node: RclNode, type: string, name: string) => RclActionClient;
  ActionServer: RclActionServerClass;
}
