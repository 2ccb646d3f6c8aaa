import { describe, expect, it } from 'vitest';
import { SUBGOAL_PLANS } from '../../src/loop/goals.js';
import { fingerPosition, jointTargetFromDelta } from '../../src/robot/commands.js';
import { FINGER_TRAVEL, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';
import { GOAL_FILES } from '../../src/cli/scenario.js';
import { GoalCapture, goalFiles, type CaptureStep, type JointSample } from '../../src/scenario/goal-capture.js';
import { CUBE_HALF, KinematicRobot } from './kinematic-robot.js';

const REST = 0.0225;
const CUBE = [0.45, 0.1, REST];
const TARGET = [0.5129, -0.1902, 0];
const DT = 0.05;
const TICK_EVERY = 2; // the core is asked every 0.1 s
const MOVE_TIME = 0.5;

const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(...a.map((v, i) => v - (b[i] as number)));

/** What the robot looked like when a frame was captured. */
interface Snapshot {
  name: string;
  file: string;
  tcp: number[];
  cube: number[];
  finger: number;
  held: boolean;
  t: number;
}

function sample(r: KinematicRobot, t: number, withVelocity: boolean): JointSample {
  return {
    stampS: t,
    q: r.q,
    fingerOpening: r.finger,
    ...(withVelocity ? { armSpeed: Math.max(...r.qdot.map(Math.abs)), fingerSpeed: Math.abs(r.fingerVelocity) } : {}),
  };
}

/** Runs the capture against the kinematic robot until done (or the step limit). */
function runCapture(scheme: 'paper' | 'waypoints', withVelocity: boolean, maxSeconds = 120) {
  const robot = new KinematicRobot([...CUBE], REST);
  const core = new GoalCapture({ scheme, restZ: REST, target: TARGET });
  const snapshots: Snapshot[] = [];
  const commands: Extract<CaptureStep, { kind: 'command' }>[] = [];
  let t = 0;
  let result: CaptureStep | undefined;
  for (let i = 0; t < maxSeconds; i++) {
    t += DT;
    robot.advance(DT);
    core.onJointState(sample(robot, t, withVelocity));
    core.onCube(robot.cube);
    core.onFrame(t);
    if (i % TICK_EVERY) continue;
    const step = core.next();
    if (step.kind === 'command') {
      commands.push(step);
      if (step.armMoves) robot.commandJoints(jointTargetFromDelta(step.q, step.delta).positions, MOVE_TIME);
      if (step.gripperChanges) robot.commandFingers(fingerPosition(step.closedness));
    } else if (step.kind === 'capture') {
      snapshots.push({ name: step.name, file: step.file, tcp: robot.tcp(), cube: [...robot.cube], finger: robot.finger, held: robot.held, t });
      expect(dist(step.tcp, robot.tcp())).toBeLessThan(1e-3); // the scene decided on is the one shown
    } else if (step.kind === 'done' || step.kind === 'failed') {
      result = step;
      break;
    }
  }
  return { robot, snapshots, commands, result, t };
}

describe('goal file names per subgoal scheme', () => {
  it('names one PNG per subgoal of SUBGOAL_PLANS, the paper scheme as the scenario reads them', () => {
    expect(goalFiles('paper')).toEqual(['grasped.png', 'near.png', 'placed.png']);
    expect(goalFiles('waypoints')).toEqual(['hover.png', 'atcube.png', 'grasped.png', 'near.png', 'lowered.png', 'placed.png']);
    expect(GOAL_FILES).toEqual(goalFiles('paper'));
    for (const scheme of ['paper', 'waypoints'] as const) expect(goalFiles(scheme)).toHaveLength(SUBGOAL_PLANS['pick-place'][scheme].length);
  });
});

describe.each([
  ['measured velocities', true],
  ['velocities estimated from positions', false],
])('the capture script against a kinematic arm (%s)', (_name, withVelocity) => {
  it('captures grasped, near and placed (paper) showing what their names say', () => {
    const { snapshots, commands, result, robot } = runCapture('paper', withVelocity);
    expect(result).toEqual({ kind: 'done' });
    expect(snapshots.map((s) => s.file)).toEqual(['grasped.png', 'near.png', 'placed.png']);
    const [grasped, near, placed] = snapshots as [Snapshot, Snapshot, Snapshot];
    // Hand closed on the cube, cube still on the table.
    expect(grasped.held).toBe(true);
    expect(grasped.finger).toBeCloseTo(CUBE_HALF, 6);
    expect(Math.abs((grasped.cube[2] as number) - REST)).toBeLessThan(0.005);
    expect(dist(grasped.tcp, CUBE)).toBeLessThan(0.012);
    // Cube carried at the target, lifted.
    expect(near.held).toBe(true);
    expect(Math.hypot((near.cube[0] as number) - (TARGET[0] as number), (near.cube[1] as number) - (TARGET[1] as number))).toBeLessThan(0.012);
    expect((near.cube[2] as number) - REST).toBeGreaterThan(0.05);
    // Cube on the target, released, hand open and away.
    expect(placed.held).toBe(false);
    expect(placed.finger).toBeCloseTo(FINGER_TRAVEL, 6);
    expect(Math.hypot((placed.cube[0] as number) - (TARGET[0] as number), (placed.cube[1] as number) - (TARGET[1] as number))).toBeLessThan(0.05);
    expect(dist(placed.tcp, placed.cube)).toBeGreaterThan(0.06);
    expect(grasped.t).toBeLessThan(near.t);
    expect(near.t).toBeLessThan(placed.t);
    // Every step within the planner's bounds; no rotation.
    for (const c of commands) {
      for (let k = 0; k < 3; k++) expect(Math.abs(c.delta[k] as number)).toBeLessThanOrEqual(0.075 + 1e-12);
      for (let k = 3; k < 6; k++) expect(c.delta[k]).toBe(0);
      expect(c.closedness).toBeGreaterThanOrEqual(0);
      expect(c.closedness).toBeLessThanOrEqual(1);
    }
    expect(robot.held).toBe(false);
  });

  it('captures hover and at-cube first with the waypoints scheme', () => {
    const { snapshots, result } = runCapture('waypoints', withVelocity);
    expect(result).toEqual({ kind: 'done' });
    expect(snapshots.map((s) => s.file)).toEqual(['hover.png', 'atcube.png', 'grasped.png', 'near.png', 'lowered.png', 'placed.png']);
    const [hover, atCube, grasped] = snapshots as [Snapshot, Snapshot, Snapshot];
    expect(hover.finger).toBeCloseTo(FINGER_TRAVEL, 6);
    expect(Math.abs((hover.tcp[2] as number) - (REST + 0.1))).toBeLessThan(0.012);
    expect(Math.hypot((hover.tcp[0] as number) - (CUBE[0] as number), (hover.tcp[1] as number) - (CUBE[1] as number))).toBeLessThan(0.012);
    expect(atCube.finger).toBeCloseTo(FINGER_TRAVEL, 6); // open around the cube, not yet closing
    expect(dist(atCube.tcp, CUBE)).toBeLessThan(0.012);
    expect(grasped.held).toBe(true);
  });
});

describe('pacing', () => {
  const still = (t: number, q: readonly number[] = PANDA_READY_Q): JointSample => ({ stampS: t, q, fingerOpening: FINGER_TRAVEL, armSpeed: 0, fingerSpeed: 0 });

  it('says what it waits for until joint states, cube and target have arrived', () => {
    const core = new GoalCapture({ scheme: 'paper', restZ: REST });
    expect(core.next()).toEqual({ kind: 'wait', reason: 'joint states' });
    core.onJointState(still(1));
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the cube pose' });
    core.onCube(CUBE);
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the target pose' });
    core.onTarget(TARGET);
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the motion (dwell)' });
  });

  it('decides only after the dwell and once the arm and fingers are still', () => {
    const core = new GoalCapture({ scheme: 'paper', restZ: REST, target: TARGET });
    core.onCube(CUBE);
    core.onJointState(still(10));
    core.onJointState(still(10.4));
    expect(core.next().kind).toBe('wait');
    core.onJointState({ ...still(10.6), armSpeed: 0.2 });
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the motion to settle' });
    core.onJointState({ ...still(10.7), fingerSpeed: 0.05 });
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the motion to settle' });
    core.onJointState(still(10.8));
    const first = core.next();
    expect(first.kind).toBe('command');
    // The next decision waits for this command's own dwell.
    core.onJointState(still(10.9));
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the motion (dwell)' });
  });

  it('estimates speeds from successive positions when the message has no velocities', () => {
    const core = new GoalCapture({ scheme: 'paper', restZ: REST, target: TARGET });
    core.onCube(CUBE);
    const moved = [...PANDA_READY_Q];
    moved[0] = (moved[0] as number) + 0.05;
    core.onJointState({ stampS: 1, q: PANDA_READY_Q, fingerOpening: FINGER_TRAVEL });
    core.onJointState({ stampS: 1.6, q: moved, fingerOpening: FINGER_TRAVEL }); // 0.083 rad/s
    expect(core.next()).toEqual({ kind: 'wait', reason: 'the motion to settle' });
    core.onJointState({ stampS: 1.7, q: moved, fingerOpening: FINGER_TRAVEL });
    expect(core.next().kind).toBe('command');
  });

  it('keeps a subgoal frame only after fresh frames stamped after the scene settled', () => {
    // Put the tool right at the hover point so the first decision completes 'hover'.
    const robot = new KinematicRobot([...CUBE], REST);
    const hover = [CUBE[0] as number, CUBE[1] as number, REST + 0.1];
    const tcp = robot.tcp();
    robot.q = jointTargetFromDelta(robot.q, [hover[0]! - tcp[0]!, hover[1]! - tcp[1]!, hover[2]! - tcp[2]!, 0, 0, 0, 0]).positions;
    const core = new GoalCapture({ scheme: 'waypoints', restZ: REST, target: TARGET });
    core.onCube(CUBE);
    core.onFrame(4.9);
    core.onJointState(still(5, robot.q));
    core.onJointState(still(5.5, robot.q));
    expect(core.next()).toEqual({ kind: 'wait', reason: 'fresh camera frames' });
    core.onFrame(5.5); // same stamp as the settled state: not fresh
    core.onFrame(5.6);
    expect(core.next()).toEqual({ kind: 'wait', reason: 'fresh camera frames' });
    core.onFrame(5.7);
    const capture = core.next();
    expect(capture).toMatchObject({ kind: 'capture', name: 'hover', file: 'hover.png' });
    // Then the command decided on that scene: the descent.
    const command = core.next();
    expect(command.kind).toBe('command');
    if (command.kind === 'command') expect(command.delta[2]).toBeLessThan(0);
    expect(core.capturedNames()).toEqual(['hover']);
    expect(core.missingNames()).toEqual(['atCube', 'grasped', 'nearTarget', 'lowered', 'placed']);
  });
});
