/**
 * franka_gripper goals in the built-in simulator on a real simulated cube (4.5 cm): the scripted
 * expert brings the open hand around the cube, then Grasp succeeds only when the fingers stop on
 * it within epsilon of the requested width, a Grasp at another width or on nothing fails as the
 * real gripper reports, Move and Homing reach their width at the goal's speed, the force sets the
 * squeeze, invalid arguments fail at once, cancel stops the fingers where they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSceneXml, SCENE_DEFAULTS } from '../../sim/scene.js';
import { ScriptedExpert } from '../../sim/expert.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { SimNodeCore } from '../../src/node/sim-node.js';
import { MAX_WIDTH_M, SIM_FINGER_FORCE_N, SIM_FINGER_KP, type SimGripperGoal, type SimGripperResult } from '../../src/node/sim-gripper.js';

const PERIOD = 0.25;
const SEED = 1;
const CUBE = SCENE_DEFAULTS.cubeSize;
const EPS = 0.005;
/** Steps any test goal gets before the test gives up. */
const MAX_STEPS = 40;

describe('franka_gripper goals in the simulator', () => {
  let sim: TabletopSim;
  let core: SimNodeCore;
  let t = 0;
  beforeAll(async () => {
    sim = await TabletopSim.create({ task: 'pick-place', camera: { width: 64, height: 64 } });
    core = new SimNodeCore(sim, { periodS: PERIOD, commandTimeoutS: 0.5 }, SEED, 0);
    // The expert's approach with the fingers open, up to the moment it would close them.
    const expert = new ScriptedExpert(sim, 'pick-place');
    let obs = core.observation;
    for (let k = 0; k < 200; k++) {
      const a = expert.act(obs);
      if (expert.currentPhase === 'close') break;
      obs = sim.step(a);
    }
    expect(expert.currentPhase).toBe('close');
  });
  afterAll(() => sim.close());

  /** Runs a goal step by step until it ends; the widths fed back and the result. */
  function run(goal: SimGripperGoal, stopAfter?: number) {
    const widths: number[] = [];
    let result: SimGripperResult | undefined;
    const session = { feedback: (w: number) => widths.push(w), done: (r: SimGripperResult) => (result = r) };
    core.gripper.start(goal, session, sim.gripperCommand, core.fingerWidth());
    for (let k = 0; k < MAX_STEPS && !result; k++) {
      if (stopAfter !== undefined && k === stopAfter) expect(core.gripper.cancel(session)).toBe(true);
      else core.step((t += PERIOD));
    }
    core.step((t += PERIOD)); // a squeeze or stop is commanded at the next step
    return { widths, result: result as SimGripperResult };
  }
  const grasp = (width: number, force = 20, speed = 0.1): SimGripperGoal => ({ kind: 'grasp', width, epsilonInner: EPS, epsilonOuter: EPS, speed, force });
  const liftBy = (dz: number) => {
    for (let k = 0; k < 4; k++) sim.step([0, 0, dz / 4, 0, 0, 0, 0]);
  };

  it('keeps the finger servo constants in step with the scene', () => {
    expect(buildSceneXml()).toMatch(
      new RegExp(`name="act_finger_left"[^>]*kp="${SIM_FINGER_KP}"[^>]*forcerange="-${SIM_FINGER_FORCE_N} ${SIM_FINGER_FORCE_N}"`),
    );
  });

  it('Grasp at the cube’s width succeeds where the fingers stop on it, and the cube comes up with the hand', () => {
    expect(core.fingerWidth()).toBeGreaterThan(0.07);
    const { widths, result } = run(grasp(CUBE));
    expect(result).toEqual({ success: true, error: '' });
    expect(widths.length).toBeGreaterThan(1);
    expect(widths[0]).toBeGreaterThan(widths.at(-1) as number);
    expect(Math.abs((widths.at(-1) as number) - CUBE)).toBeLessThan(EPS);
    const z0 = sim.cubePose(0).position[2] as number;
    liftBy(0.06);
    expect((sim.cubePose(0).position[2] as number) - z0).toBeGreaterThan(0.04);
    liftBy(-0.06);
  });

  it('Move opens to the width at the goal’s speed: slower takes proportionally more steps', () => {
    const fast = run({ kind: 'move', width: MAX_WIDTH_M, speed: 0.1 });
    expect(fast.result.success).toBe(true);
    expect(core.fingerWidth()).toBeGreaterThan(MAX_WIDTH_M - 0.002);
    run(grasp(CUBE)); // closed on the cube again
    const slow = run({ kind: 'move', width: MAX_WIDTH_M, speed: 0.01 });
    expect(slow.result.success).toBe(true);
    // 3.5 cm of travel: at 1 cm/s about 14 steps of 0.25 s, at 10 cm/s about 2.
    expect(slow.widths.length).toBeGreaterThanOrEqual(13);
    expect(fast.widths.length).toBeLessThanOrEqual(5);
  });

  it('Grasp at another width fails: the fingers stop on the cube outside epsilon', () => {
    const { result } = run(grasp(0.07));
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/fingers stopped at 0\.04\d+ m, outside \(0\.0650 m, 0\.0750 m\)/);
    expect(run({ kind: 'homing' }).result.success).toBe(true);
  });

  it('the force sets the squeeze: a light grasp commands the fingers force/stiffness inside the contact', () => {
    const light = run(grasp(CUBE, 1));
    expect(light.result.success).toBe(true);
    // Commanded opening = where the fingers stopped − 2·F/kp (1 N per finger at 400 N/m: 5 mm of opening).
    const contact = light.widths.at(-1) as number;
    expect(MAX_WIDTH_M * (1 - sim.gripperCommand)).toBeCloseTo(contact - (2 * 1) / SIM_FINGER_KP, 4);
    run(grasp(CUBE, 20));
    expect(sim.gripperCommand).toBe(1); // 20 N is beyond the servo's reach on a 4.5 cm cube: fully closed command
    expect(run({ kind: 'move', width: MAX_WIDTH_M, speed: 0.1 }).result.success).toBe(true);
  });

  it('Grasp on nothing fails: the fingers close fully, outside epsilon of the width', () => {
    liftBy(0.1);
    const { result } = run(grasp(CUBE));
    expect(result.success).toBe(false);
    expect(core.fingerWidth()).toBeLessThan(0.005);
    expect(result.error).toMatch(/nothing grasped/);
    expect(run({ kind: 'homing' }).result.success).toBe(true);
  });

  it('refuses invalid arguments at once and stops where it is on cancel', () => {
    const invalid = run({ kind: 'move', width: 0.1, speed: 0.1 });
    expect(invalid).toEqual({ widths: [], result: { success: false, error: 'width must be in [0, 0.08] m, got 0.1' } });
    expect(run(grasp(CUBE, 0)).result.error).toBe('force must be > 0 N, got 0');
    const stopped = run({ kind: 'move', width: 0, speed: 0.01 }, 3);
    expect(stopped.result).toEqual({ success: false, error: 'cancelled', cancelled: true });
    const where = core.fingerWidth();
    expect(where).toBeGreaterThan(0.06);
    for (let k = 0; k < 3; k++) core.step((t += PERIOD));
    expect(Math.abs(core.fingerWidth() - where)).toBeLessThan(0.002);
  });
});
