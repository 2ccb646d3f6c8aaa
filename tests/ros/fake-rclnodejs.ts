/**
 * A test double of the rclnodejs module, shaped like the real one where the shell touches it:
 * createNode → node with createPublisher/Subscription/Service/Timer, declareParameter honouring
 * overrides (as a params file would), addOnSetParametersCallback, now() in bigint nanoseconds,
 * ParameterType constants, QoS.profileSensorData, ActionServer and ActionClient (fake-actions.ts:
 * the types of `actionTypes` exist — by default the project's PickPlace, not franka_msgs).
 */
import type { RclClient, RclModule, RclNode, RclOptions, RclParameter, RclPublisher, RclTimer } from '../../src/ros/rcl-types.js';
import { type ActionGraph, type FakeActionServer, fakeActionClientClass, fakeActionServerClass } from './fake-actions.js';

/** Action types a fake module knows unless told otherwise. */
export const DEFAULT_ACTION_TYPES = ['jepa_mpc_interfaces/action/PickPlace'];
/** franka_ros2's gripper action types. */
export const FRANKA_ACTION_TYPES = ['franka_msgs/action/Move', 'franka_msgs/action/Grasp', 'franka_msgs/action/Homing'];

export class FakeParameter {
  constructor(
    readonly name: string,
    readonly type: number,
    public value?: unknown,
  ) {}
}
export class FakeDescriptor {
  constructor(
    readonly name: string,
    readonly type: number,
    readonly description = '',
    readonly readOnly = false,
    readonly range?: object,
  ) {}
}

export class FakeNode implements RclNode {
  published = new Map<string, { type: string; messages: object[] }>();
  subscriptions = new Map<string, { type: string; options: RclOptions; callback: (m: never) => void }>();
  services = new Map<string, { type: string; callback: (req: never, res: unknown) => unknown }>();
  timers: { periodNs: bigint; callback: () => void; cancelled: boolean }[] = [];
  parameters = new Map<string, FakeParameter>();
  descriptors = new Map<string, FakeDescriptor>();
  paramCallbacks: ((p: RclParameter[]) => { successful: boolean; reason: string })[] = [];
  nowNs = 1_000_000_000_000n;
  destroyed = false;

  constructor(
    private readonly nodeName: string,
    private readonly overrides: Record<string, unknown>,
  ) {}
  name() {
    return this.nodeName;
  }
  createPublisher(type: string, topic: string): RclPublisher {
    const entry = { type, messages: [] as object[] };
    this.published.set(topic, entry);
    return { publish: (m: object) => void entry.messages.push(structuredClone(m)) };
  }
  createSubscription(type: string, topic: string, options: RclOptions, callback: (m: never) => void) {
    this.subscriptions.set(topic, { type, options, callback });
    return {};
  }
  createService(type: string, name: string, _options: RclOptions, callback: (req: never, res: unknown) => unknown) {
    this.services.set(name, { type, callback });
    return {};
  }
  createClient(type: string, name: string): RclClient {
    return {
      waitForService: async () => this.services.has(name),
      sendRequestAsync: async (request: object) => {
        const s = this.services.get(name);
        if (!s || s.type !== type) throw new Error(`no ${type} service ${name}`);
        return (await s.callback(request as never, { send: () => undefined })) as Record<string, unknown>;
      },
    };
  }
  createTimer(periodNs: bigint, callback: () => void): RclTimer {
    const t = { periodNs, callback, cancelled: false };
    this.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }
  declareParameter(parameter: object, descriptor?: object): RclParameter {
    const p = parameter as FakeParameter;
    if (p.name in this.overrides) p.value = this.overrides[p.name];
    this.parameters.set(p.name, p);
    if (descriptor) this.descriptors.set(p.name, descriptor as FakeDescriptor);
    return p as RclParameter;
  }
  getParameter(name: string): RclParameter {
    return this.parameters.get(name) as RclParameter;
  }
  addOnSetParametersCallback(callback: (p: RclParameter[]) => { successful: boolean; reason: string }) {
    this.paramCallbacks.push(callback);
  }
  now() {
    return { nanoseconds: this.nowNs };
  }
  getLogger() {
    return { info: () => true, warn: () => true, error: () => true };
  }
  destroy() {
    this.destroyed = true;
  }
  /** Calls a service like a client would; resolves with the response object. */
  async call(name: string, request: object): Promise<Record<string, unknown>> {
    const s = this.services.get(name);
    if (!s) throw new Error(`no service ${name}`);
    return (await s.callback(request as never, { send: () => undefined })) as Record<string, unknown>;
  }
  /** Delivers a message to a subscription. */
  deliver(topic: string, message: object): void {
    const s = this.subscriptions.get(topic);
    if (!s) throw new Error(`no subscription on ${topic}`);
    s.callback(message as never);
  }
  /** Fires the control timer once. */
  tick(): void {
    for (const t of this.timers) if (!t.cancelled) t.callback();
  }
  messages(topic: string): Record<string, unknown>[] {
    return (this.published.get(topic)?.messages ?? []) as Record<string, unknown>[];
  }
}

/** A fake rclnodejs; `overrides` act like a --params-file; `actionTypes` are the action types that exist. */
export function fakeRclnodejs(
  overrides: Record<string, unknown> = {},
  actionTypes: readonly string[] = DEFAULT_ACTION_TYPES,
): RclModule & { nodes: FakeNode[]; actionServers: Map<string, FakeActionServer> } {
  const nodes: FakeNode[] = [];
  const graph: ActionGraph = { servers: new Map(), types: new Set(actionTypes) };
  return {
    nodes,
    actionServers: graph.servers,
    init: async () => undefined,
    createNode: (name: string) => {
      const n = new FakeNode(name, overrides);
      nodes.push(n);
      return n;
    },
    spin: () => undefined,
    shutdown: () => undefined,
    Parameter: FakeParameter,
    ParameterDescriptor: FakeDescriptor,
    FloatingPointRange: class {
      constructor(
        readonly from: number,
        readonly to: number,
        readonly step = 0,
      ) {}
    },
    IntegerRange: class {
      constructor(
        readonly from: bigint,
        readonly to: bigint,
        readonly step = 1n,
      ) {}
    },
    ParameterType: { PARAMETER_NOT_SET: 0, PARAMETER_BOOL: 1, PARAMETER_INTEGER: 2, PARAMETER_DOUBLE: 3, PARAMETER_STRING: 4, PARAMETER_DOUBLE_ARRAY: 8 },
    QoS: { profileSensorData: 'qos_profile_sensor_data' },
    ActionClient: fakeActionClientClass(graph),
    ActionServer: fakeActionServerClass(graph),
  };
}
