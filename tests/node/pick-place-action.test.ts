/**
 * The PickPlace action's life cycle against a host double (no model, no ROS): REACHED waits for
 * the last motion to finish, MODEL_ERROR after repeated model failures (not while the worker is
 * being restarted) or a worker that gave up, TIMED_OUT on the node's clock, a cancel only for its
 * own session, and the hold / clear / keep each ending asks of the node.
 */
import { describe, expect, it } from 'vitest';
import { PlannerStatus, statusName } from '../../src/core/status.js';
import { createLogger } from '../../src/log.js';
import { MODEL_ERROR_PLANS, PickPlaceAction, type ActionHost, type GoalSession } from '../../src/node/pick-place-action.js';
import type { CheckedGoal, PickPlaceFeedback, PickPlaceResult } from '../../src/node/pick-place-goal.js';
import type { StatusReport } from '../../src/node/ports.js';

const GOAL: CheckedGoal = { images: [], maxSteps: [2], energyThresholds: [], timeoutS: 0, stageNames: [], sources: ['test'] };

function setup() {
  const calls: string[] = [];
  const state = {
    now: 10,
    done: false,
    busyUntil: -Infinity,
    code: PlannerStatus.OK as number,
    step: 0,
    fault: undefined as string | undefined,
    restarting: false,
  };
  const host: ActionHost = {
    log: createLogger('test'),
    clock: () => state.now,
    encode: async () => ({ subgoals: [] }),
    install: () => void calls.push('install'),
    holdNow: (m) => void calls.push(`hold: ${m}`),
    clearGoals: (m) => void calls.push(`clear: ${m}`),
    report: (): StatusReport => ({
      code: state.code,
      codeName: statusName(state.code),
      message: state.done ? 'all 1 goals done' : 'planning',
      energy: 0.25,
      step: state.step,
      subgoalIndex: 0,
      subgoalCount: 1,
      planTimeMs: 80,
      lastAction: [],
      provider: 'cpu',
    }),
    latentDistance: () => 0.5,
    goalsDone: () => state.done,
    busyUntil: () => state.busyUntil,
    modelFault: () => state.fault,
    modelRestarting: () => state.restarting,
  };
  const action = new PickPlaceAction(host);
  const start = async (goal = GOAL) => {
    const feedback: PickPlaceFeedback[] = [];
    const session: GoalSession = { feedback: (f) => feedback.push(f) };
    let result: PickPlaceResult | undefined;
    void action.run(goal, session).then((r) => (result = r));
    await new Promise((r) => setImmediate(r)); // encoded and installed
    return { session, feedback, result: () => result };
  };
  return { action, state, calls, start };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('PickPlaceAction', () => {
  it('ends REACHED only once the last motion has finished, keeping the goals', async () => {
    const { action, state, calls, start } = setup();
    const g = await start();
    state.step = 2;
    state.done = true;
    state.busyUntil = 10.25;
    action.afterTick();
    await settle();
    expect(g.result()).toBeUndefined();
    state.now = 10.25;
    action.afterTick();
    await settle();
    expect(g.result()).toEqual({ outcome: 0, outcomeName: 'REACHED', message: 'all 1 goals done', steps: 2, elapsedS: 0.25, finalEnergy: 0.25 });
    expect(calls).toEqual(['install']);
  });

  it('feedback after every plan; MODEL_ERROR after repeated failing plans, not while the worker restarts', async () => {
    const { action, state, calls, start } = setup();
    const g = await start();
    state.code = PlannerStatus.MODEL_ERROR;
    state.restarting = true;
    for (let k = 0; k < MODEL_ERROR_PLANS + 2; k++) action.afterPlan();
    await settle();
    expect(g.result()).toBeUndefined();
    expect(g.feedback).toHaveLength(MODEL_ERROR_PLANS + 2);
    expect(g.feedback[0]).toMatchObject({ statusName: 'MODEL_ERROR', latentDistance: 0.5, planTimeMs: 80, subgoalCount: 1 });
    state.restarting = false;
    for (let k = 0; k < MODEL_ERROR_PLANS - 1; k++) action.afterPlan();
    state.code = PlannerStatus.OK;
    action.afterPlan(); // a good plan resets the count
    state.code = PlannerStatus.MODEL_ERROR;
    for (let k = 0; k < MODEL_ERROR_PLANS - 1; k++) action.afterPlan();
    await settle();
    expect(g.result()).toBeUndefined();
    action.afterPlan();
    await settle();
    expect(g.result()).toMatchObject({ outcomeName: 'MODEL_ERROR', message: `${MODEL_ERROR_PLANS} plans in a row failed: planning` });
    expect(calls.at(-1)).toBe('hold: goal model error; holding');
  });

  it('a worker that gave up ends the goal MODEL_ERROR; a timeout ends it TIMED_OUT; both hold the arm', async () => {
    const { action, state, calls, start } = setup();
    const a = await start();
    state.fault = 'model worker given up after repeated failures (crash)';
    action.afterTick();
    await settle();
    expect(a.result()).toMatchObject({ outcomeName: 'MODEL_ERROR', message: 'model worker given up after repeated failures (crash)' });
    state.fault = undefined;
    const b = await start({ ...GOAL, timeoutS: 2 });
    state.now += 1.9;
    action.afterTick();
    state.now += 0.1;
    action.afterTick();
    await settle();
    expect(b.result()).toMatchObject({ outcomeName: 'TIMED_OUT', elapsedS: 2 });
    expect(calls.filter((c) => c.startsWith('hold'))).toEqual(['hold: goal model error; holding', 'hold: goal timed out; holding']);
  });

  it('cancels only its own session’s goal; a new goal preempts and clears the old one’s goals', async () => {
    const { action, calls, start } = setup();
    const a = await start();
    const b = await start();
    await settle();
    expect(a.result()).toMatchObject({ outcomeName: 'PREEMPTED', message: 'preempted by a new goal' });
    expect(calls).toEqual(['install', 'clear: preempted by a new goal', 'install']);
    expect(action.cancel(a.session)).toBe(false);
    expect(action.cancel(b.session)).toBe(true);
    await settle();
    expect(b.result()).toMatchObject({ outcomeName: 'CANCELLED' });
    expect(action.running).toBe(false);
    expect(action.cancel()).toBe(false);
  });
});
