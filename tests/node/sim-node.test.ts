/**
 * The simulator node's behaviour without ROS: every command executed exactly once — stamped
 * twists integrated over the simulator's own time whatever the timers' phases, a late stop
 * caught up, pose and joint targets and finger positions applied once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TabletopSim } from '../../sim/tabletop.js';
import { SimNodeCore } from '../../src/node/sim-node.js';

const PERIOD = 0.25;
const DELTA = [0.05, -0.03, -0.04];
/** Tracking error of the simulator's IK over a step (m). */
const TRACKING = 0.004;

describe('SimNodeCore', () => {
  let sim: TabletopSim;
  beforeAll(async () => {
    sim = await TabletopSim.create({ task: 'reach', camera: { width: 64, height: 64 } });
  });
  afterAll(() => sim.close());

  const tool = () => Array.from(sim.tcpPose().position);
  const moved = (a: number[], b: number[]) => b.map((v, i) => v - (a[i] as number));

  it.each([0, 0.1, 0.37])('moves by delta/period streamed for one period, whatever the phase against its steps (offset %s s)', (phase) => {
    const node = new SimNodeCore(sim, { periodS: PERIOD, commandTimeoutS: 0.5 }, 3, 0);
    const start = tool();
    const t0 = phase;
    node.onTwist(
      DELTA.map((d) => d / PERIOD),
      [0, 0, 0],
      t0,
    );
    node.onTwist([0, 0, 0], [0, 0, 0], t0 + PERIOD);
    for (let k = 1; k <= 4; k++) node.step(k * PERIOD);
    moved(start, tool()).forEach((m, i) => expect(Math.abs(m - (DELTA[i] as number))).toBeLessThan(TRACKING));
    expect(node.stampS).toBeCloseTo(4 * PERIOD, 12);
  });

  it('catches up a stop that arrives after the step that ran past it (no overshoot)', () => {
    const node = new SimNodeCore(sim, { periodS: PERIOD, commandTimeoutS: 0.5 }, 3, 0);
    const start = tool();
    node.onTwist(
      DELTA.map((d) => d / PERIOD),
      [0, 0, 0],
      0.1,
    );
    node.step(0.25);
    node.step(0.5); // ran the twist until 0.5 (0.15 s too long) before the stop arrived
    node.onTwist([0, 0, 0], [0, 0, 0], 0.35);
    node.step(0.75);
    node.step(1.0);
    moved(start, tool()).forEach((m, i) => expect(Math.abs(m - (DELTA[i] as number))).toBeLessThan(TRACKING));
  });

  it('stops a twist whose stream ends without a stop after the command timeout', () => {
    const node = new SimNodeCore(sim, { periodS: PERIOD, commandTimeoutS: 0.5 }, 3, 0);
    const start = tool();
    node.onTwist([0.04, 0, 0], [0, 0, 0], 0);
    for (let k = 1; k <= 6; k++) node.step(k * PERIOD);
    expect(moved(start, tool())[0]).toBeCloseTo(0.04 * 0.5, 2);
  });

  it('applies a pose target and a finger position once', () => {
    const node = new SimNodeCore(sim, { periodS: PERIOD, commandTimeoutS: 0.5 }, 3, 0);
    const r = node.readings('fr3_');
    const target = {
      position: [r.pose.position[0] + 0.04, r.pose.position[1], r.pose.position[2] - 0.03] as [number, number, number],
      orientation: r.pose.orientation,
    };
    node.onPoseTarget(target);
    node.onFinger(0);
    node.step(PERIOD);
    const after = tool();
    target.position.forEach((v, i) => expect(Math.abs((after[i] as number) - v)).toBeLessThan(TRACKING));
    node.step(2 * PERIOD);
    node.step(3 * PERIOD);
    moved(after, tool()).forEach((m) => expect(Math.abs(m)).toBeLessThan(TRACKING)); // not re-applied
    const joints = node.readings('fr3_');
    expect(joints.jointNames).toEqual([...[1, 2, 3, 4, 5, 6, 7].map((i) => `fr3_joint${i}`), 'fr3_finger_joint1', 'fr3_finger_joint2']);
    expect(joints.stampS).toBeCloseTo(3 * PERIOD, 12);
  });
});
