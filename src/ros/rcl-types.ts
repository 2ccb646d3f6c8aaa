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

/** An action client (franka_gripper). */
export interface RclActionClient {
  isActionServerAvailable(): boolean;
  sendGoal(goal: object): Promise<unknown>;
}

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
}
