/**
 * Test doubles of rclnodejs 2.2.0's ActionServer, ServerGoalHandle, ActionClient and
 * ClientGoalHandle, following its sources (lib/action/server.js, server_goal_handle.js,
 * client.js, client_goal_handle.js) where the shells touch them:
 * - the goal callback gets a plain copy of the goal and must return GoalResponse.ACCEPT (2) at
 *   once: anything else (a Promise too) rejects; an accepted goal's handle is made, the response
 *   sent, then the accepted callback runs (default: `handle.execute()`), all in one synchronous run;
 * - execute() moves ACCEPTED → EXECUTING and runs the execute callback; when it returns and the
 *   handle is still active the server aborts it; the result is what the callback returned;
 * - cancel: the cancel callback is awaited, and only then, on ACCEPT, the goal moves to CANCELING;
 * - goal states follow rcl_action's state machine: an invalid transition throws (as the native
 *   call does), so canceled() before CANCELING fails; publishFeedback outside EXECUTING is ignored;
 * - the client's getResult() resolves with the Result and sets the handle's status;
 * - a result set after the server was destroyed while a client waits for it is sent on the
 *   destroyed server: the native call throws "action server pointer is invalid" outside any caller
 *   (an unhandled rejection, which ends a real node's process) and the client never hears back.
 * Servers register under their resolved names; clients of the same module find them there.
 */
import { CancelResponse, GoalResponse, GoalStatus, type RclClientGoalHandle, type RclNode, type RclServerGoalHandle } from '../../src/ros/rcl-types.js';

/** rcl_action's goal events. */
const GoalEvent = { EXECUTE: 0, CANCEL_GOAL: 1, SUCCEED: 2, ABORT: 3, CANCELED: 4 } as const;

/** rcl_action's state machine: state → event → next state. */
const TRANSITIONS: Record<number, Partial<Record<number, number>>> = {
  [GoalStatus.ACCEPTED]: { [GoalEvent.EXECUTE]: GoalStatus.EXECUTING, [GoalEvent.CANCEL_GOAL]: GoalStatus.CANCELING },
  [GoalStatus.EXECUTING]: { [GoalEvent.CANCEL_GOAL]: GoalStatus.CANCELING, [GoalEvent.SUCCEED]: GoalStatus.SUCCEEDED, [GoalEvent.ABORT]: GoalStatus.ABORTED },
  [GoalStatus.CANCELING]: { [GoalEvent.SUCCEED]: GoalStatus.SUCCEEDED, [GoalEvent.ABORT]: GoalStatus.ABORTED, [GoalEvent.CANCELED]: GoalStatus.CANCELED },
};
const TERMINAL: readonly number[] = [GoalStatus.SUCCEEDED, GoalStatus.CANCELED, GoalStatus.ABORTED];

/** A name as rcl resolves it for a node: `~/x` → `/node/x`, `x` → `/x`. */
export function resolveName(node: RclNode, name: string): string {
  if (name.startsWith('~/')) return `/${node.name()}/${name.slice(2)}`;
  return name.startsWith('/') ? name : `/${name}`;
}

type ExecuteCallback = (handle: RclServerGoalHandle) => Promise<object> | object;

/** A server goal handle. */
export class FakeServerGoalHandle implements RclServerGoalHandle {
  private state: number = GoalStatus.ACCEPTED;
  private destroyed = false;
  readonly feedback: object[] = [];
  /** Whether a client asked for the result (rclnodejs: a GetResult request waits on the goal). */
  resultRequested = false;
  /** Settles with the GetResult response once the execute callback is done. */
  readonly done: Promise<{ status: number; result: object }>;
  resolveDone!: (r: { status: number; result: object }) => void;

  constructor(
    readonly server: FakeActionServer,
    readonly request: unknown,
    readonly id: number,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }
  get isActive(): boolean {
    return !this.destroyed && !TERMINAL.includes(this.state);
  }
  get isCancelRequested(): boolean {
    return this.status === GoalStatus.CANCELING;
  }
  get status(): number {
    return this.destroyed ? GoalStatus.UNKNOWN : this.state;
  }
  execute(callback?: (handle: RclServerGoalHandle) => unknown): void {
    if (this.destroyed || this.status === GoalStatus.EXECUTING || !this.isActive) return;
    if (!this.isCancelRequested) this.update(GoalEvent.EXECUTE);
    void this.server.executeGoal((callback as ExecuteCallback | undefined) ?? this.server.executeCallback, this);
  }
  publishFeedback(feedback: object): void {
    if (this.destroyed || this.status !== GoalStatus.EXECUTING) return; // rclnodejs warns and ignores
    this.feedback.push(structuredClone(feedback));
    this.server.feedbackListeners.get(this.id)?.(structuredClone(feedback));
  }
  succeed(): void {
    this.update(GoalEvent.SUCCEED);
  }
  abort(): void {
    this.update(GoalEvent.ABORT);
  }
  canceled(): void {
    this.update(GoalEvent.CANCELED);
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** rcl_action_update_goal_state: throws on an invalid transition. */
  update(event: number): void {
    if (this.destroyed) return;
    const next = TRANSITIONS[this.state]?.[event];
    if (next === undefined) throw new Error(`goal ${this.id}: invalid goal state transition (event ${event} in status ${this.state})`);
    this.state = next;
  }
}

/** Shared by a fake module's servers and clients. */
export interface ActionGraph {
  readonly servers: Map<string, FakeActionServer>;
  /** Types that "exist"; constructing with another throws as rclnodejs's interface loader does. */
  readonly types: Set<string>;
}

/** Makes the ActionServer class of a fake module. */
export function fakeActionServerClass(graph: ActionGraph) {
  return class extends FakeActionServer {
    constructor(
      node: RclNode,
      type: string,
      name: string,
      executeCallback: ExecuteCallback,
      goalCallback?: (goal: never) => number,
      handleAcceptedCallback?: (handle: RclServerGoalHandle) => void,
      cancelCallback?: (handle?: RclServerGoalHandle) => Promise<number> | number,
    ) {
      super(graph, node, type, name, executeCallback, goalCallback, handleAcceptedCallback, cancelCallback);
    }
  };
}

/** An action server (see the file comment). */
export class FakeActionServer {
  readonly resolvedName: string;
  readonly handles = new Map<number, FakeServerGoalHandle>();
  readonly feedbackListeners = new Map<number, (feedback: object) => void>();
  private nextId = 1;
  destroyed = false;

  constructor(
    private readonly graph: ActionGraph,
    node: RclNode,
    readonly type: string,
    name: string,
    readonly executeCallback: ExecuteCallback,
    private readonly goalCallback: (goal: never) => number = () => GoalResponse.ACCEPT,
    private readonly handleAcceptedCallback: (handle: RclServerGoalHandle) => void = (h) => h.execute(),
    private readonly cancelCallback: (handle?: RclServerGoalHandle) => Promise<number> | number = () => CancelResponse.REJECT,
  ) {
    if (!graph.types.has(type)) throw new Error(`The message required does not exist: ${type}`);
    this.resolvedName = resolveName(node, name);
    graph.servers.set(this.resolvedName, this);
  }

  /** A goal request: the goal response (accepted or not) and, when accepted, the handle. */
  processGoal(goal: object, onFeedback?: (feedback: object) => void): { accepted: boolean; handle?: FakeServerGoalHandle } {
    if (this.destroyed) return { accepted: false };
    const accepted = this.goalCallback(structuredClone(goal) as never) === GoalResponse.ACCEPT;
    if (!accepted) return { accepted: false };
    const handle = new FakeServerGoalHandle(this, goal, this.nextId++);
    this.handles.set(handle.id, handle);
    if (onFeedback) this.feedbackListeners.set(handle.id, onFeedback);
    this.handleAcceptedCallback(handle);
    return { accepted: true, handle };
  }

  /** A cancel request for one goal: the goals now canceling. */
  async processCancel(id: number): Promise<{ return_code: number; goals_canceling: number[] }> {
    const handle = this.handles.get(id);
    if (!handle?.isActive) return { return_code: 2, goals_canceling: [] }; // ERROR_UNKNOWN_GOAL_ID / terminated
    const answer = await this.cancelCallback(handle);
    if (answer !== CancelResponse.ACCEPT) return { return_code: 1, goals_canceling: [] };
    handle.update(GoalEvent.CANCEL_GOAL);
    return { return_code: 0, goals_canceling: [id] };
  }

  async executeGoal(callback: ExecuteCallback, handle: FakeServerGoalHandle): Promise<void> {
    let result: object;
    try {
      result = await callback(handle);
    } catch {
      result = {};
    }
    if (handle.isActive) handle.abort(); // "Goal state not set, assuming aborted"
    if (this.destroyed && handle.resultRequested) throw new Error('action server pointer is invalid'); // the GetResult response on a destroyed server
    handle.resolveDone({ status: handle.status, result: structuredClone(result) });
  }

  destroy(): void {
    for (const h of this.handles.values()) h.destroy();
    this.destroyed = true;
    if (this.graph.servers.get(this.resolvedName) === this) this.graph.servers.delete(this.resolvedName);
  }
}

/** A client goal handle. */
class FakeClientGoalHandle implements RclClientGoalHandle {
  status: number;
  constructor(
    readonly accepted: boolean,
    private readonly server: FakeActionServer | undefined,
    private readonly handle: FakeServerGoalHandle | undefined,
  ) {
    this.status = accepted ? GoalStatus.ACCEPTED : GoalStatus.UNKNOWN;
  }
  async getResult(): Promise<Record<string, unknown>> {
    if (!this.handle) return {};
    this.handle.resultRequested = true;
    const r = await this.handle.done;
    this.status = r.status;
    return r.result as Record<string, unknown>;
  }
  cancelGoal(): Promise<unknown> {
    if (!this.server || !this.handle) return Promise.resolve({ return_code: 2, goals_canceling: [] });
    return this.server.processCancel(this.handle.id);
  }
}

/** Makes the ActionClient class of a fake module: goals go to the server registered under the resolved name. */
export function fakeActionClientClass(graph: ActionGraph) {
  return class FakeActionClient {
    readonly resolvedName: string;
    constructor(
      node: RclNode,
      readonly type: string,
      name: string,
    ) {
      if (!graph.types.has(type)) throw new Error(`The message required does not exist: ${type}`);
      this.resolvedName = resolveName(node, name);
    }
    private server(): FakeActionServer | undefined {
      const s = graph.servers.get(this.resolvedName);
      return s && s.type === this.type && !s.destroyed ? s : undefined;
    }
    isActionServerAvailable(): boolean {
      return this.server() !== undefined;
    }
    async waitForServer(): Promise<boolean> {
      return this.isActionServerAvailable();
    }
    async sendGoal(goal: object, feedbackCallback?: (feedback: never) => void): Promise<RclClientGoalHandle> {
      const server = this.server();
      if (!server) return new Promise<never>(() => undefined); // no server: the request is never answered
      const r = server.processGoal(goal, feedbackCallback as ((f: object) => void) | undefined);
      return new FakeClientGoalHandle(r.accepted, server, r.handle);
    }
    destroy(): void {}
  };
}
