/**
 * The planner's franka_gripper goals against action-client doubles shaped like rclnodejs's
 * (sendGoal → goal handle with accepted, getResult, cancelGoal), with a manual timer: results,
 * Grasp success=false, rejection, timeouts before and after the server answers (the goal is
 * cancelled either way), a newer command and a hold cancelling the goal in flight.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { GripperGoals, type GripperActionClient, type GripperGoalHandle, type GripperOutcome } from '../../src/node/gripper-goals.js';

const log = createLogger('test');

/** A goal the test answers by hand. */
class PendingGoal {
  cancels = 0;
  answer!: (handle: GripperGoalHandle) => void;
  finish!: (result: Record<string, unknown>) => void;
  readonly accepted: Promise<GripperGoalHandle>;
  constructor(readonly goal: object) {
    this.accepted = new Promise((resolve) => (this.answer = resolve));
  }
  /** The server's goal response. */
  respond(accepted: boolean): void {
    const result = new Promise<Record<string, unknown>>((resolve) => (this.finish = resolve));
    this.answer({ accepted, getResult: () => result, cancelGoal: async () => void this.cancels++ });
  }
}

class ClientDouble implements GripperActionClient {
  goals: PendingGoal[] = [];
  constructor(public available = true) {}
  isActionServerAvailable() {
    return this.available;
  }
  sendGoal(goal: object) {
    const g = new PendingGoal(goal);
    this.goals.push(g);
    return g.accepted;
  }
}

function setup(timeoutS = 5) {
  const clients = { move: new ClientDouble(), grasp: new ClientDouble() };
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  const outcomes: GripperOutcome[] = [];
  const goals = new GripperGoals({
    clients,
    timeoutS: () => timeoutS,
    log,
    setTimer: (ms, fn) => {
      const t = { ms, fn, cancelled: false };
      timers.push(t);
      return () => void (t.cancelled = true);
    },
    onOutcome: (o) => outcomes.push(o),
  });
  const fire = () => timers.filter((t) => !t.cancelled).forEach((t) => t.fn());
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { clients, goals, timers, outcomes, fire, settle };
}

const GRASP = { width: 0, epsilon: { inner: 0.005, outer: 0.08 }, speed: 0.1, force: 30 };

describe('GripperGoals', () => {
  it('reports a succeeded goal and stops its timer', async () => {
    const { clients, goals, timers, outcomes, settle } = setup();
    goals.send('move', { width: 0.08, speed: 0.1 });
    const g = clients.move.goals[0] as PendingGoal;
    expect(g.goal).toEqual({ width: 0.08, speed: 0.1 });
    g.respond(true);
    await settle();
    g.finish({ success: true, error: '' });
    await settle();
    expect(outcomes).toEqual([{ kind: 'move', outcome: 'succeeded', message: '' }]);
    expect(timers[0]).toMatchObject({ ms: 5000, cancelled: true });
    expect(goals.busy).toBe(false);
  });

  it('reports a Grasp that ends with success=false, with the gripper’s error', async () => {
    const { clients, goals, outcomes, settle } = setup();
    goals.send('grasp', GRASP);
    const g = clients.grasp.goals[0] as PendingGoal;
    g.respond(true);
    await settle();
    g.finish({ success: false, error: 'fingers stopped at 0.0021 m, outside [-0.005, 0.08] m of 0 m' });
    await settle();
    expect(outcomes).toEqual([{ kind: 'grasp', outcome: 'failed', message: 'fingers stopped at 0.0021 m, outside [-0.005, 0.08] m of 0 m' }]);
    expect(g.cancels).toBe(0);
  });

  it('a failure without an error text still says why', async () => {
    const { clients, goals, outcomes, settle } = setup();
    goals.send('grasp', GRASP);
    const g = clients.grasp.goals[0] as PendingGoal;
    g.respond(true);
    await settle();
    g.finish({ success: false, error: '' });
    await settle();
    expect(outcomes[0]).toMatchObject({ outcome: 'failed', message: 'the gripper reported success=false' });
  });

  it('times out a goal whose result does not come, cancels it, and ignores a late result', async () => {
    const { clients, goals, outcomes, fire, settle } = setup(2);
    goals.send('grasp', GRASP);
    const g = clients.grasp.goals[0] as PendingGoal;
    g.respond(true);
    await settle();
    fire();
    await settle();
    expect(outcomes).toEqual([{ kind: 'grasp', outcome: 'timed out', message: 'no result within 2 s; goal cancelled' }]);
    expect(g.cancels).toBe(1);
    g.finish({ success: true, error: '' });
    await settle();
    expect(outcomes).toHaveLength(1);
  });

  it('times out a goal the server has not answered yet, and cancels it when the answer comes', async () => {
    const { clients, goals, outcomes, fire, settle } = setup();
    goals.send('move', { width: 0.08, speed: 0.1 });
    fire();
    expect(outcomes.map((o) => o.outcome)).toEqual(['timed out']);
    const g = clients.move.goals[0] as PendingGoal;
    g.respond(true);
    await settle();
    expect(g.cancels).toBe(1);
  });

  it('a hold cancels the goal in flight; a newer command cancels the older one', async () => {
    const { clients, goals, outcomes, settle } = setup();
    goals.send('grasp', GRASP);
    const grasp = clients.grasp.goals[0] as PendingGoal;
    grasp.respond(true);
    await settle();
    goals.send('move', { width: 0.08, speed: 0.1 });
    expect(grasp.cancels).toBe(1);
    const move = clients.move.goals[0] as PendingGoal;
    move.respond(true);
    await settle();
    goals.halt('the arm holds');
    expect(move.cancels).toBe(1);
    expect(outcomes).toEqual([
      { kind: 'grasp', outcome: 'cancelled', message: 'superseded by a newer gripper command' },
      { kind: 'move', outcome: 'cancelled', message: 'the arm holds' },
    ]);
    goals.halt('again');
    expect(outcomes).toHaveLength(2);
  });

  it('reports a rejected goal and a missing server without sending', async () => {
    const { clients, goals, outcomes, settle } = setup();
    goals.send('grasp', GRASP);
    (clients.grasp.goals[0] as PendingGoal).respond(false);
    await settle();
    clients.move.available = false;
    goals.send('move', { width: 0.08, speed: 0.1 });
    expect(clients.move.goals).toHaveLength(0);
    expect(outcomes.map((o) => `${o.kind} ${o.outcome}`)).toEqual(['grasp rejected', 'move unavailable']);
  });
});
