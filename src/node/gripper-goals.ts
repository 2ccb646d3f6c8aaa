/**
 * The planner's franka_gripper goals (`gripper_mode: franka`): one Move or Grasp in flight at a
 * time, sent through action clients shaped like rclnodejs's. A newer command cancels the one in
 * flight; a goal without a result within the timeout is cancelled and reported; a result with
 * success=false (a Grasp whose fingers did not stop within epsilon of the width, as the real
 * gripper reports) is reported with its error; a hold (stop, cancel, shutdown) cancels the goal in
 * flight. Every end is logged and passed to `onOutcome`. Nothing here throws into the caller.
 */
import type { Logger } from '../log.js';

/** An action client's handle of one goal (rclnodejs ClientGoalHandle: the part used). */
export interface GripperGoalHandle {
  readonly accepted: boolean;
  /** Resolves with the Result message (franka_msgs: success, error). */
  getResult(): Promise<Record<string, unknown>>;
  cancelGoal(): Promise<unknown>;
}

/** An action client (rclnodejs ActionClient: the part used). */
export interface GripperActionClient {
  isActionServerAvailable(): boolean;
  sendGoal(goal: object): Promise<GripperGoalHandle>;
}

/** The two franka_gripper actions the planner sends. */
export type GripperGoalKind = 'move' | 'grasp';

/** How a gripper goal ended. */
export interface GripperOutcome {
  readonly kind: GripperGoalKind;
  readonly outcome: 'succeeded' | 'failed' | 'rejected' | 'timed out' | 'cancelled' | 'unavailable' | 'error';
  readonly message: string;
}

/** Options of {@link GripperGoals}. */
export interface GripperGoalsOptions {
  readonly clients: Readonly<Record<GripperGoalKind, GripperActionClient>>;
  /** Seconds a goal may take from sending to its result (read at each send: a live parameter). */
  readonly timeoutS: () => number;
  readonly log: Logger;
  /** Runs `fn` after `ms` milliseconds and returns a canceller (default: setTimeout). */
  readonly setTimer?: (ms: number, fn: () => void) => () => void;
  readonly onOutcome?: (outcome: GripperOutcome) => void;
}

interface Flight {
  readonly kind: GripperGoalKind;
  handle: GripperGoalHandle | undefined;
  done: boolean;
  stopTimer: () => void;
}

const defaultTimer = (ms: number, fn: () => void): (() => void) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/** The franka_gripper goals in flight (see the file comment). */
export class GripperGoals {
  private flight: Flight | undefined;

  constructor(private readonly o: GripperGoalsOptions) {}

  /** Whether a goal is in flight. */
  get busy(): boolean {
    return this.flight !== undefined;
  }

  /** Sends a goal (its message: franka_msgs Move or Grasp), cancelling the one in flight. */
  send(kind: GripperGoalKind, goal: object): void {
    this.cancelInFlight('superseded by a newer gripper command');
    const client = this.o.clients[kind];
    if (!client.isActionServerAvailable()) {
      this.report({ kind, outcome: 'unavailable', message: 'franka_gripper action server not available; gripper command dropped' });
      return;
    }
    const timeoutS = this.o.timeoutS();
    const flight: Flight = { kind, handle: undefined, done: false, stopTimer: () => undefined };
    this.flight = flight;
    flight.stopTimer = (this.o.setTimer ?? defaultTimer)(timeoutS * 1000, () => {
      if (this.finish(flight, 'timed out', `no result within ${timeoutS} s; goal cancelled`)) this.cancelGoal(flight);
    });
    client
      .sendGoal(goal)
      .then(async (handle) => {
        flight.handle = handle;
        if (flight.done) {
          this.cancelGoal(flight); // cancelled or timed out before the server answered
          return;
        }
        if (!handle.accepted) {
          this.finish(flight, 'rejected', 'goal rejected by the gripper');
          return;
        }
        const result = await handle.getResult();
        if (result['success'] === true) this.finish(flight, 'succeeded', '');
        else this.finish(flight, 'failed', String(result['error'] ?? '') || 'the gripper reported success=false');
      })
      .catch((error: Error) => this.finish(flight, 'error', error.message));
  }

  /** A hold: cancels the goal in flight (the fingers stop where they are). */
  halt(reason: string): void {
    this.cancelInFlight(reason);
  }

  private cancelInFlight(reason: string): void {
    const flight = this.flight;
    if (flight && this.finish(flight, 'cancelled', reason)) this.cancelGoal(flight);
  }

  /** Asks the server to cancel a goal it accepted (once its handle is here). */
  private cancelGoal(flight: Flight): void {
    if (!flight.handle?.accepted) return;
    flight.handle.cancelGoal().catch((error: Error) => this.o.log.warn({ kind: flight.kind, error: error.message }, 'gripper goal cancel failed'));
  }

  /** Ends a flight once; returns false when it had ended already. */
  private finish(flight: Flight, outcome: GripperOutcome['outcome'], message: string): boolean {
    if (flight.done) return false;
    flight.done = true;
    flight.stopTimer();
    if (this.flight === flight) this.flight = undefined;
    this.report({ kind: flight.kind, outcome, message });
    return true;
  }

  private report(o: GripperOutcome): void {
    const fields = { kind: o.kind, outcome: o.outcome, ...(o.message ? { message: o.message } : {}) };
    if (o.outcome === 'succeeded' || o.outcome === 'cancelled') this.o.log.info(fields, 'gripper goal ended');
    else this.o.log.warn(fields, o.outcome === 'failed' ? `gripper ${o.kind} failed` : 'gripper goal ended');
    this.o.onOutcome?.(o);
  }
}
