import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_STATUS } from '../../sim/action.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { LAYOUT_REGIONS, sampleLayout, TASK_NAMES } from '../../sim/tasks.js';

const READY_TCP = [0.3069, 0, 0.4869];
const zero = (): number[] => [0, 0, 0, 0, 0, 0, 0];
const dist3 = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number), (a[2] as number) - (b[2] as number));

describe('TabletopSim', () => {
  let sim: TabletopSim;
  beforeAll(async () => {
    sim = await TabletopSim.create({ task: 'pick-place', render: false });
  });
  afterAll(() => sim.close());

  it('resets to the ready posture with the gripper open and the cube resting on the table', () => {
    const obs = sim.reset(0);
    expect(obs.status.code).toBe(SIM_STATUS.RESET);
    expect(obs.state.length).toBe(7);
    expect(dist3(obs.state, READY_TCP)).toBeLessThan(0.002);
    expect(Math.abs(obs.state[3] as number)).toBeCloseTo(Math.PI, 2); // tool down: roll ±π
    expect(obs.state[6]).toBe(0);
    expect(obs.fingerClosedness).toBeLessThan(0.05);
    expect(Math.abs(obs.task.cubeLift)).toBeLessThan(0.002);
    expect(obs.step).toBe(0);
    expect(obs.done).toBe(false);
  });

  it.each([
    ['+x', [0.05, 0, 0]],
    ['-y', [0, -0.05, 0]],
    ['-z', [0, 0, -0.075]],
    ['diagonal', [0.04, 0.04, -0.04]],
  ] as const)('moves the tool by the commanded delta %s to within 5 mm in one 0.25 s step', (_name, d) => {
    const start = sim.reset(1).state;
    const obs = sim.step([...d, 0, 0, 0, 0]);
    expect(obs.status.code).toBe(SIM_STATUS.OK);
    const expected = [0, 1, 2].map((i) => (start[i] as number) + (d[i] as number));
    expect(dist3(obs.state, expected)).toBeLessThan(0.005);
    // After a second, idle step it settles within 3 mm.
    expect(dist3(sim.step(zero()).state, expected)).toBeLessThan(0.003);
  });

  it('turns the hand about the vertical by a commanded yaw delta', () => {
    const start = sim.reset(1).state;
    sim.step([0, 0, 0, 0, 0, 0.2, 0]);
    const obs = sim.step(zero());
    expect((obs.state[5] as number) - (start[5] as number)).toBeCloseTo(0.2, 1);
    expect(dist3(obs.state, start)).toBeLessThan(0.005);
  });

  it('integrates gripper deltas into a closedness clipped to [0, 1] and closes the fingers', () => {
    sim.reset(1);
    expect(sim.step([0, 0, 0, 0, 0, 0, 0.75]).state[6]).toBe(0.75);
    const closed = sim.step([0, 0, 0, 0, 0, 0, 0.75]);
    expect(closed.state[6]).toBe(1);
    expect(closed.fingerClosedness).toBeGreaterThan(0.95);
    expect(sim.step([0, 0, 0, 0, 0, 0, -5]).state[6]).toBe(0);
  });

  it('clamps an oversized step to 7.5 cm and says so', () => {
    const start = sim.reset(2).state;
    const obs = sim.step([0.5, 0, 0, 0, 0, 0, 0]);
    expect(obs.status.code).toBe(SIM_STATUS.ACTION_CLAMPED);
    sim.step(zero());
    expect((sim.state()[0] as number) - (start[0] as number)).toBeCloseTo(0.075, 2);
  });

  it('keeps the tool above the table when driven down, reporting WORKSPACE_LIMIT', () => {
    sim.reset(3);
    let obs = sim.step(zero());
    for (let k = 0; k < 10; k++) obs = sim.step([0, 0, -0.075, 0, 0, 0, 0]);
    expect(obs.status.code).toBe(SIM_STATUS.WORKSPACE_LIMIT);
    expect(obs.state[2]).toBeGreaterThan(0.01);
    expect(obs.state[2]).toBeLessThan(0.03);
  });

  it.each([
    ['NaN', [Number.NaN, 0, 0, 0, 0, 0, 0]],
    ['Infinity', [0, 0, 0, 0, 0, Number.POSITIVE_INFINITY, 0]],
    ['6 numbers', [0, 0, 0, 0, 0, 0]],
    ['8 numbers', [0, 0, 0, 0, 0, 0, 0, 0]],
  ])('rejects an action with %s without touching the physics', (_name, action) => {
    sim.reset(4);
    sim.step([0.03, 0, 0, 0, 0, 0, 0]);
    const q = sim.jointPositions();
    const cube = sim.cubePose(0).position;
    const obs = sim.step(action);
    expect(obs.status.code).toBe(SIM_STATUS.INVALID_ACTION);
    expect(obs.step).toBe(1);
    expect(Array.from(sim.jointPositions())).toEqual(Array.from(q));
    expect(Array.from(sim.cubePose(0).position)).toEqual(Array.from(cube));
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 60])('rejects seed %f', (seed) => {
    expect(() => sim.reset(seed)).toThrow(/seed must be a non-negative safe integer/);
  });

  it('places the cube and the target from the seed, inside their regions and apart', () => {
    for (let seed = 0; seed < 30; seed++) {
      const layout = sampleLayout('pick-place', seed);
      const cube = layout.cubes[0];
      if (!cube) throw new Error('no cube');
      expect(cube.x).toBeGreaterThanOrEqual(LAYOUT_REGIONS.cube.x[0]);
      expect(cube.x).toBeLessThanOrEqual(LAYOUT_REGIONS.cube.x[1]);
      expect(Math.hypot(cube.x - layout.target[0], cube.y - layout.target[1])).toBeGreaterThanOrEqual(LAYOUT_REGIONS.minPlaceDistance);
      expect(sampleLayout('pick-place', seed)).toEqual(layout);
    }
    expect(sampleLayout('pick-place', 1)).not.toEqual(sampleLayout('pick-place', 2));
  });

  it('reproduces the same trajectory for the same seed and actions', async () => {
    const twin = await TabletopSim.create({ task: 'pick-place', render: false });
    try {
      const actions = [
        [0.05, 0.02, -0.07, 0, 0, 0.1, 0],
        [0, 0, -0.05, 0, 0, 0, 0.75],
        [0.01, 0, 0.05, 0, 0, 0, 0.75],
      ];
      sim.reset(5);
      twin.reset(5);
      for (const a of actions) expect(Array.from(sim.step(a).state)).toEqual(Array.from(twin.step(a).state));
    } finally {
      twin.close();
    }
  });

  it('branches: after snapshot, step and restore, the same action gives the same outcome and another action another', () => {
    sim.reset(2);
    const down: number[] = [0.02, -0.01, -0.05, 0, 0, 0, 0];
    for (let k = 0; k < 3; k++) sim.step(down);
    const snap = sim.snapshot();
    const close = [0.01, 0, -0.02, 0, 0, 0, 0.75];
    const first = [sim.step(close), sim.step(zero())];
    sim.restore(snap);
    expect(sim.stepCount).toBe(3);
    const hold = sim.step([0.01, 0, -0.02, 0, 0, 0, 0]);
    expect(hold.state[6]).toBe(0);
    expect(Math.abs(hold.fingerClosedness - (first[0] as (typeof first)[0]).fingerClosedness)).toBeGreaterThan(0.1);
    sim.restore(snap);
    const again = [sim.step(close), sim.step(zero())];
    again.forEach((o, k) => {
      const f = first[k] as (typeof first)[0];
      expect(Array.from(o.state)).toEqual(Array.from(f.state));
      expect(o.fingerClosedness).toBe(f.fingerClosedness);
      expect(o.task.cubeToTcp).toBe(f.task.cubeToTcp);
      expect(o.step).toBe(f.step);
    });
  });

  it('throws when stepped before reset or after close', async () => {
    const fresh = await TabletopSim.create({ task: 'reach', render: false });
    expect(() => fresh.step(zero())).toThrow(/reset/);
    fresh.close();
    expect(() => fresh.reset(0)).toThrow(/closed/);
  });

  it.each([
    [{ task: 'push' }, /unknown task 'push'/],
    [{ controlPeriod: 0 }, /controlPeriod/],
    [{ actionBounds: { translation: -1 } }, /translation/],
    [{ scene: { cubeCount: 4 } }, /cubeCount/],
    [{ distractors: [[0, 0, 1]] }, /1 distractors asked for, but the scene holds 0/],
    [{ lightElevationDeg: 5 }, /lightElevationDeg must be in \[15, 90\]/],
    [{ tableColour: [2, 0, 0] }, /tableColour/],
    [{ camera: { width: 4 } }, /width/],
  ])('rejects options %j', async (options, message) => {
    await expect(TabletopSim.create(options as never)).rejects.toThrow(message);
  });

  it('knows the three tasks', () => {
    expect(TASK_NAMES).toEqual(['reach', 'grasp', 'pick-place']);
  });
});

describe('TabletopSim with two cubes', () => {
  it('spawns a distractor cube at least 9 cm from the task cube', async () => {
    const sim = await TabletopSim.create({ task: 'pick-place', scene: { cubeCount: 2 }, render: false });
    try {
      sim.reset(3);
      const [a, b] = sim.cubePoses();
      if (!a || !b) throw new Error('expected two cubes');
      expect(Math.hypot((a.position[0] as number) - (b.position[0] as number), (a.position[1] as number) - (b.position[1] as number))).toBeGreaterThanOrEqual(
        0.09,
      );
      expect(() => sim.cubePose(2)).toThrow(RangeError);
    } finally {
      sim.close();
    }
  });
});
