import { describe, expect, it } from 'vitest';
import { CEM_DEFAULTS } from '../../src/core/cem.js';
import { gripperDeferred, MpcPlanner, PLANNER_DEFAULTS, type PlannerConfig, withGoalGripper } from '../../src/core/mpc.js';
import { createRng } from '../../src/core/rng.js';
import { PlannerStatus } from '../../src/core/status.js';
import { PICK_PLACE_STEPS, SubgoalSequencer } from '../../src/core/subgoals.js';
import type { EnergyModel } from '../../src/core/types.js';
import { l1Model, tickClock, vectorLatents } from './analytic-model.js';

const deps = () => ({ rng: createRng(0), clock: tickClock() });

function inputs(state: number[], goal: number[]) {
  return { latents: vectorLatents(state), state: Float32Array.from(state), goal: vectorLatents(goal) };
}

describe('MpcPlanner', () => {
  it('closes the loop: executing each planned action reaches a goal 20 cm away within 4 steps', async () => {
    const planner = new MpcPlanner(l1Model(), PLANNER_DEFAULTS, deps());
    let state = [0.4, -0.1, 0.3, 0, 0, 0, 0];
    const goal = [0.55, 0.02, 0.2, 0, 0, 0, 1];
    const energies: number[] = [];
    for (let step = 0; step < 4; step++) {
      const r = await planner.step(inputs(state, goal));
      expect(r.status).toBe(PlannerStatus.OK);
      energies.push(r.energy);
      state = state.map((s, i) => s + (r.action[i] as number));
    }
    const dist = Math.hypot(...[0, 1, 2].map((i) => (state[i] as number) - (goal[i] as number)));
    expect(dist).toBeLessThan(0.01);
    expect(energies.at(-1)).toBeLessThan(energies[0] as number);
  });

  it('snaps a small gripper action to 0 and reports timings', async () => {
    const planner = new MpcPlanner(l1Model(), PLANNER_DEFAULTS, deps());
    const r = await planner.step(inputs([0.5, 0, 0.3, 0, 0, 0, 0.5], [0.5, 0, 0.3, 0, 0, 0, 0.6]));
    expect(r.action[6]).toBe(0);
    expect(r.timings.totalMs).toBeGreaterThan(0);
    expect(r.timings.modelMs).toBeGreaterThan(0);
    expect(r.iterations).toBe(10);
  });

  it.each([
    [
      'NaN in the state',
      { ...inputs([0.5, 0, 0.3, 0, 0, 0, 0], [0.5, 0, 0.3, 0, 0, 0, 0]), state: Float32Array.from([0.5, NaN, 0.3, 0, 0, 0, 0]) },
      /state\[1\] is NaN/,
    ],
    ['Inf in the goal', inputs([0.5, 0, 0.3, 0, 0, 0, 0], [0.5, 0, Infinity, 0, 0, 0, 0]), /goal\[2\] is Infinity/],
    ['mismatched goal size', inputs([0.5, 0, 0.3, 0, 0, 0, 0], [0.5, 0, 0.3]), /do not match current latents/],
  ])('holds with INVALID_INPUT on %s', async (_name, bad, message) => {
    const planner = new MpcPlanner(l1Model(), PLANNER_DEFAULTS, deps());
    const r = await planner.step(bad);
    expect(r.status).toBe(PlannerStatus.INVALID_INPUT);
    expect(r.message).toMatch(message);
    expect(Array.from(r.action)).toEqual(new Array(7).fill(0));
  });

  it('holds with MODEL_ERROR when the model throws, and NON_FINITE_ENERGY when it returns NaN', async () => {
    const failing: EnergyModel = {
      bind: async () => async () => {
        throw new Error('session crashed');
      },
    };
    const r1 = await new MpcPlanner(failing, PLANNER_DEFAULTS, deps()).step(inputs([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]));
    expect(r1.status).toBe(PlannerStatus.MODEL_ERROR);
    expect(r1.message).toMatch(/session crashed/);
    const nan = l1Model({ nanWhere: () => true });
    const r2 = await new MpcPlanner(nan, PLANNER_DEFAULTS, deps()).step(inputs([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]));
    expect(r2.status).toBe(PlannerStatus.NON_FINITE_ENERGY);
    expect(Array.from(r2.action)).toEqual(new Array(7).fill(0));
  });

  it('warm-starts from the shifted previous plan: fewer iterations reach the same accuracy', async () => {
    const config = (warmStart: boolean): PlannerConfig => ({
      ...PLANNER_DEFAULTS,
      warmStart,
      cem: { ...CEM_DEFAULTS, horizon: 3, iterations: 3, samples: 200 },
    });
    const run = async (warm: boolean) => {
      const planner = new MpcPlanner(l1Model(), config(warm), deps());
      let state = [0.4, -0.1, 0.3, 0, 0, 0, 0];
      const goal = [0.6, 0.1, 0.1, 0, 0, 0, 0];
      for (let step = 0; step < 3; step++) {
        const r = await planner.step(inputs(state, goal));
        state = state.map((s, i) => s + (r.action[i] as number));
      }
      return Math.hypot(...[0, 1, 2].map((i) => (state[i] as number) - (goal[i] as number)));
    };
    const cold = await run(false);
    const warm = await run(true);
    expect(warm).toBeLessThan(cold);
  });

  it('plans with MPPI when configured', async () => {
    const planner = new MpcPlanner(l1Model(), { ...PLANNER_DEFAULTS, optimizer: 'mppi' }, deps());
    const r = await planner.step(inputs([0.5, 0, 0.3, 0, 0, 0, 0], [0.55, 0.03, 0.28, 0, 0, 0, 0]));
    expect(r.status).toBe(PlannerStatus.OK);
    expect(r.action[0]).toBeCloseTo(0.05, 2);
    expect(r.evaluations).toBe(512 * 6 + 1);
  });
});
describe('gripper hysteresis (gripperMargin)', () => {
  const withMargin = (margin: number): PlannerConfig => ({
    ...PLANNER_DEFAULTS,
    cem: { ...CEM_DEFAULTS, space: { ...CEM_DEFAULTS.space, gripperMargin: margin } },
  });
  // the gripper counts a tenth of a metre per unit of closedness, like the training metric
  const model = () => l1Model({ weights: [1, 1, 1, 1, 1, 1, 0.1] });

  it('keeps the gripper still while a change would gain less than the margin, then settles it fully', async () => {
    const planner = new MpcPlanner(model(), withMargin(0.2), deps());
    // far from the goal: closing gains 0.075 of ~0.6 (12 %) — held
    const far = await planner.step(inputs([0.3, -0.2, 0.4, 0, 0, 0, 0], [0.6, 0.1, 0.2, 0, 0, 0, 1]));
    expect(far.status).toBe(PlannerStatus.OK);
    expect(far.action[6]).toBe(0);
    // at the goal's position: closing gains most of the energy — closed by the full bound
    const near = await planner.step(inputs([0.6, 0.1, 0.2, 0, 0, 0, 0], [0.6, 0.1, 0.2, 0, 0, 0, 1]));
    expect(near.action[6]).toBeCloseTo(0.75, 6);
    expect(near.energy).toBeCloseTo(0.025, 2);
    // and opening works the same way
    const open = await planner.step(inputs([0.6, 0.1, 0.2, 0, 0, 0, 1], [0.6, 0.1, 0.2, 0, 0, 0, 0]));
    expect(open.action[6]).toBeCloseTo(-0.75, 6);
  });

  it('with margin 0 leaves the gripper to the search (the paper planner)', async () => {
    const r = await new MpcPlanner(model(), withMargin(0), deps()).step(inputs([0.3, -0.2, 0.4, 0, 0, 0, 0], [0.6, 0.1, 0.2, 0, 0, 0, 1]));
    expect(r.action[6]).toBeGreaterThan(0.25);
  });

  it('rejects a margin outside [0, 1)', async () => {
    const r = await new MpcPlanner(model(), withMargin(1), deps()).step(inputs([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]));
    expect(r.status).toBe(PlannerStatus.MODEL_ERROR);
    expect(r.message).toMatch(/gripperMargin must be in \[0, 1\)/);
  });
});

describe('goal-gripper term (goalGripperWeight + the goal readout)', () => {
  const withWeight = (w: number): PlannerConfig => ({ ...PLANNER_DEFAULTS, goalGripperWeight: w });
  // gripper-blind, like a 64 px JEPA whose latents barely show the fingers
  const blind = () => l1Model({ weights: [1, 1, 1, 1, 1, 1, 0] });
  const readGoal = (state: number[], goal: number[], readout: number) => {
    const i = inputs(state, goal);
    return { ...i, goal: { ...i.goal, gripperReadout: readout } };
  };

  it('closes for a goal that reads closed and opens for one that reads open, while the arm still goes to the goal', async () => {
    const planner = new MpcPlanner(blind(), withWeight(0.1), deps());
    const close = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 0], [0.55, 0.03, 0.25, 0, 0, 0, 0], 0.97));
    expect(close.status).toBe(PlannerStatus.OK);
    expect(close.action[6]).toBeCloseTo(0.75, 2);
    expect(close.action[0]).toBeCloseTo(0.05, 2);
    expect(close.action[2]).toBeCloseTo(-0.05, 2);
    const open = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 1], [0.5, 0, 0.3, 0, 0, 0, 1], 0.02));
    expect(open.action[6]).toBeCloseTo(-0.75, 2);
    const stay = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 0], [0.5, 0, 0.3, 0, 0, 0, 0], 0.02));
    expect(stay.action[6]).toBe(0);
  });

  it("is off at weight 0 and without a readout: the energy is the model's alone", async () => {
    const blindModel = blind();
    const x = readGoal([0.5, 0, 0.3, 0, 0, 0, 0], [0.5, 0, 0.3, 0, 0, 0, 0], 1);
    const raw = await blindModel.bind({ ...x, horizon: 1 });
    const actions = Float32Array.from([0, 0, 0, 0, 0, 0, 0.75]);
    expect(withGoalGripper(raw, x, CEM_DEFAULTS.space, 1, 0)).toBe(raw);
    expect(withGoalGripper(raw, inputs([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]), CEM_DEFAULTS.space, 1, 0.1)).toBe(raw);
    expect((await withGoalGripper(raw, x, CEM_DEFAULTS.space, 1, 0.1)(actions, 1))[0]).toBeCloseTo(0.1 * 0.25, 6);
  });

  it('follows the closedness through the horizon, clipped to [0, 1] at each step', async () => {
    const zero = async (_a: Float32Array, batch: number) => new Float32Array(batch);
    const x = readGoal([0, 0, 0, 0, 0, 0, 0.5], [0, 0, 0, 0, 0, 0, 0], 0.25);
    const a = new Float32Array(2 * 2 * 7);
    a[6] = 0.75; // 0.5 → 1 (clipped) …
    a[13] = -0.5; // … → 0.5: |0.5 − 0.25|
    a[20] = -0.75; // 0.5 → 0 (clipped) …
    a[27] = 0.5; // … → 0.5 (not −0.25 + 0.5)
    const e = await withGoalGripper(zero, x, CEM_DEFAULTS.space, 2, 2)(a, 2);
    expect(e[0]).toBeCloseTo(0.5, 6);
    expect(e[1]).toBeCloseTo(0.5, 6);
  });

  it('close after the arm: holds the fingers open on the way to a closed goal, closes once the arm step is short, then keeps closing; opening never waits', async () => {
    const planner = new MpcPlanner(blind(), { ...withWeight(0.1), gripperAfterArm: 0.01 }, deps());
    const goal = [0.55, 0.03, 0.25, 0, 0, 0, 0];
    const far = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 0], goal, 0.97));
    expect(far.action[6]).toBe(0);
    expect(far.action[0]).toBeCloseTo(0.05, 2);
    expect(far.plan[6]).toBe(0);
    const there = await planner.step(readGoal([0.55, 0.03, 0.25, 0, 0, 0, 0], goal, 0.97));
    expect(Math.hypot(there.action[0] as number, there.action[1] as number, there.action[2] as number)).toBeLessThan(0.005);
    expect(there.action[6]).toBeCloseTo(0.75, 6);
    // the rest of the way (0.6 → 0.97) is the term's own: no longer a change of state
    const rest = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 0.6], goal, 0.97));
    expect(rest.action[6]).toBeCloseTo(0.37, 2);
    // opening is never deferred: a goal that reads open opens at once, even while the arm moves
    const open = await planner.step(readGoal([0.5, 0, 0.3, 0, 0, 0, 1], goal, 0.02));
    expect(open.action[6]).toBeCloseTo(-0.75, 2);
    expect(open.action[0]).toBeCloseTo(0.05, 2);
  });

  it('gripper after the arm is off at 0 and without the term: the search decides the gripper', async () => {
    expect(
      gripperDeferred(readGoal([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], 1), CEM_DEFAULTS.space, { goalGripperWeight: 0.1, gripperAfterArm: 0 }),
    ).toBeUndefined();
    expect(
      gripperDeferred(readGoal([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], 1), CEM_DEFAULTS.space, { goalGripperWeight: 0, gripperAfterArm: 0.01 }),
    ).toBeUndefined();
    expect(
      gripperDeferred(readGoal([0, 0, 0, 0, 0, 0, 0.7], [0, 0, 0, 0, 0, 0, 0], 1), CEM_DEFAULTS.space, { goalGripperWeight: 0.1, gripperAfterArm: 0.01 }),
    ).toBeUndefined();
    expect(
      gripperDeferred(readGoal([0, 0, 0, 0, 0, 0, 0.25], [0, 0, 0, 0, 0, 0, 0], 1), CEM_DEFAULTS.space, { goalGripperWeight: 0.1, gripperAfterArm: 0.01 }),
    ).toEqual({ hold: 0.25, target: 1 });
    expect(
      gripperDeferred(readGoal([0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0], 0), CEM_DEFAULTS.space, { goalGripperWeight: 0.1, gripperAfterArm: 0.01 }),
    ).toBeUndefined();
    const close = await new MpcPlanner(blind(), withWeight(0.1), deps()).step(readGoal([0.5, 0, 0.3, 0, 0, 0, 0], [0.55, 0.03, 0.25, 0, 0, 0, 0], 0.97));
    expect(close.action[6]).toBeCloseTo(0.75, 2);
  });

  it('holds with INVALID_INPUT on a readout outside [0, 1]', async () => {
    const r = await new MpcPlanner(blind(), withWeight(0.1), deps()).step(readGoal([0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], NaN));
    expect(r.status).toBe(PlannerStatus.INVALID_INPUT);
    expect(r.message).toMatch(/goal gripper readout is NaN/);
  });
});

describe('SubgoalSequencer', () => {
  it('switches by time with the paper pick-and-place budgets 4/10/4', () => {
    const seq = new SubgoalSequencer(PICK_PLACE_STEPS.map((maxSteps, i) => ({ goal: `g${i}`, maxSteps })));
    const seen: number[] = [];
    let steps = 0;
    while (!seq.done) {
      seen.push(seq.current?.index ?? -1);
      seq.record(1);
      steps++;
    }
    expect(steps).toBe(18);
    expect(seen.filter((i) => i === 0)).toHaveLength(4);
    expect(seen.filter((i) => i === 1)).toHaveLength(10);
    expect(seen.filter((i) => i === 2)).toHaveLength(4);
    expect(seq.record(0).done).toBe(true);
  });

  it('switches early when the energy meets the threshold, ignoring NaN', () => {
    const seq = new SubgoalSequencer([
      { goal: 'a', maxSteps: 10, energyThreshold: 0.1 },
      { goal: 'b', maxSteps: 2 },
    ]);
    expect(seq.record(0.5).switched).toBe(false);
    expect(seq.record(NaN).switched).toBe(false);
    const p = seq.record(0.09);
    expect(p).toMatchObject({ switched: true, reason: 'energy', index: 1, done: false });
    seq.record(0);
    expect(seq.record(0)).toMatchObject({ switched: true, reason: 'budget', done: true });
  });

  it.each([
    [[], /at least one subgoal/],
    [[{ goal: 0, maxSteps: 0 }], /maxSteps must be an integer >= 1/],
    [[{ goal: 0, maxSteps: 1, energyThreshold: NaN }], /energyThreshold must be finite/],
  ])('rejects %j', (specs, message) => {
    expect(() => new SubgoalSequencer(specs)).toThrow(message);
  });
});
