/**
 * Tasks of the tabletop: seeded initial layouts and success metrics.
 * - `reach`: the tool centre within 4 cm of a target point in the air (the paper's criterion).
 * - `grasp`: the cube lifted at least 5 cm above its resting height and held in the gripper.
 * - `pick-place`: the cube was picked (lifted at least 5 cm while held, at some point of the
 *   episode) and is now within 5 cm (horizontally) of the target marker, resting on the table,
 *   released, with the gripper at least 6 cm away from it. A cube pushed onto the target is not
 *   a pick-and-place.
 */
import { createRng, type Rng } from '../src/core/rng.js';
import { isCubeCount, MAX_CUBES, type CubeCount } from './scene.js';

/** Names of the tasks. */
export const TASK_NAMES = ['reach', 'grasp', 'pick-place'] as const;

/** One of {@link TASK_NAMES}. */
export type TaskName = (typeof TASK_NAMES)[number];

/** Success thresholds (m). */
export const TASK_THRESHOLDS = {
  reachDistance: 0.04,
  graspLift: 0.05,
  heldDistance: 0.03,
  placeDistance: 0.05,
  onTableTolerance: 0.01,
  awayDistance: 0.06,
  /** Commanded closedness above which the gripper counts as closed. */
  closed: 0.5,
} as const;

/** Default episode lengths in control steps. */
export const DEFAULT_MAX_STEPS: Readonly<Record<TaskName, number>> = { reach: 30, grasp: 40, 'pick-place': 60 };

/** Where things start: cube centres on the table with yaw, and the task's target point. */
export interface Layout {
  /** Cube centres (x, y in m) and yaw about z (rad), first one is the task's object. */
  cubes: Array<{ x: number; y: number; yaw: number }>;
  /** Target point (m): in the air for reach, on the table top for pick-place, unused for grasp. */
  target: [number, number, number];
}

/** Sampling regions (m, rad). */
export const LAYOUT_REGIONS = {
  cube: { x: [0.4, 0.6], y: [-0.18, 0.18], yaw: [-0.4, 0.4] },
  placeTarget: { x: [0.4, 0.62], y: [-0.2, 0.2] },
  reachTarget: { x: [0.35, 0.6], y: [-0.2, 0.2], z: [0.06, 0.3] },
  /** Smallest distance between the cube and the place target. */
  minPlaceDistance: 0.12,
  /** Smallest distance between a distractor cube and the other cubes and the place target. */
  minDistractorDistance: 0.09,
  /** Where distractors stand (x, y): the cube region, a little wider in y. */
  distractor: { x: [0.4, 0.6], y: [-0.25, 0.25] },
} as const;

/** Table height at which a hidden target is parked (below the table top). */
const HIDDEN_TARGET_Z = -0.2;
const MAX_REJECTION_TRIES = 1000;

/**
 * Checks a task name.
 * @throws RangeError naming the valid tasks.
 */
export function parseTaskName(name: string): TaskName {
  if (!(TASK_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`unknown task '${name}', expected one of ${TASK_NAMES.join(', ')}`);
  }
  return name as TaskName;
}

/**
 * Checks an episode seed: a non-negative safe integer.
 * @throws RangeError otherwise.
 */
export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${String(seed)}`);
  }
  return seed;
}

function between(rng: Rng, range: readonly [number, number]): number {
  return range[0] + (range[1] - range[0]) * rng.uniform();
}

/**
 * The initial layout of an episode; the same (task, seed) always gives the same task cube and
 * target, whatever the cube count: distractors are drawn after them from the same stream.
 * @throws RangeError for a bad seed or cube count.
 */
export function sampleLayout(task: TaskName, seed: number, cubeCount: CubeCount = 1): Layout {
  checkSeed(seed);
  if (!isCubeCount(cubeCount)) throw new RangeError(`cubeCount must be 1 to ${MAX_CUBES}, got ${String(cubeCount)}`);
  const rng = createRng(seed);
  const r = LAYOUT_REGIONS;
  const cube = { x: between(rng, r.cube.x), y: between(rng, r.cube.y), yaw: between(rng, r.cube.yaw) };
  let target: [number, number, number];
  if (task === 'reach') {
    target = [between(rng, r.reachTarget.x), between(rng, r.reachTarget.y), between(rng, r.reachTarget.z)];
  } else if (task === 'pick-place') {
    let tries = 0;
    do {
      target = [between(rng, r.placeTarget.x), between(rng, r.placeTarget.y), 0];
    } while (Math.hypot(target[0] - cube.x, target[1] - cube.y) < r.minPlaceDistance && ++tries < MAX_REJECTION_TRIES);
  } else {
    target = [cube.x, cube.y, HIDDEN_TARGET_Z];
  }
  const cubes = [cube];
  while (cubes.length < cubeCount) {
    let other = cube;
    let tries = 0;
    const tooClose = (c: { x: number; y: number }): boolean =>
      cubes.some((o) => Math.hypot(c.x - o.x, c.y - o.y) < r.minDistractorDistance) ||
      (task === 'pick-place' && Math.hypot(c.x - target[0], c.y - target[1]) < r.minDistractorDistance);
    do {
      other = { x: between(rng, r.distractor.x), y: between(rng, r.distractor.y), yaw: between(rng, r.cube.yaw) };
    } while (tooClose(other) && ++tries < MAX_REJECTION_TRIES);
    cubes.push(other);
  }
  return { cubes, target };
}

/** What the success check needs to know about the world at one instant. */
export interface TaskSnapshot {
  /** Tool centre position [3]. */
  tcp: ArrayLike<number>;
  /** Task cube centre [3]. */
  cube: ArrayLike<number>;
  /** Task target [3]. */
  target: ArrayLike<number>;
  /** Cube centre height when resting on the table (m). */
  restZ: number;
  /** Commanded gripper closedness [0, 1]. */
  gripperCommand: number;
}

/** Task progress reported in every observation. */
export interface TaskInfo {
  name: TaskName;
  /** Whether the task's success criterion holds now. */
  success: boolean;
  /** Distance tool centre → target (m). */
  tcpToTarget: number;
  /** Horizontal distance cube → target (m). */
  cubeToTarget: number;
  /** Cube height above its resting height (m). */
  cubeLift: number;
  /** Distance cube centre → tool centre (m). */
  cubeToTcp: number;
  /** Cube between closed fingers. */
  held: boolean;
  /** The cube has been held at least {@link TASK_THRESHOLDS}.graspLift above the table, now or earlier in the episode. */
  lifted: boolean;
}

const dist3 = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number), (a[2] as number) - (b[2] as number));

/**
 * Evaluates a task's metrics and success at one instant.
 * @param liftedBefore whether the episode's cube was lifted at an earlier instant (the previous
 *   {@link TaskInfo}.lifted): pick-and-place needs the pick as well as the place.
 */
export function evaluateTask(task: TaskName, s: TaskSnapshot, liftedBefore = false): TaskInfo {
  const t = TASK_THRESHOLDS;
  const tcpToTarget = dist3(s.tcp, s.target);
  const cubeToTarget = Math.hypot((s.cube[0] as number) - (s.target[0] as number), (s.cube[1] as number) - (s.target[1] as number));
  const cubeLift = (s.cube[2] as number) - s.restZ;
  const cubeToTcp = dist3(s.cube, s.tcp);
  const closed = s.gripperCommand >= t.closed;
  const held = closed && cubeToTcp < t.heldDistance;
  const lifted = liftedBefore || (held && cubeLift >= t.graspLift);
  let success: boolean;
  switch (task) {
    case 'reach':
      success = tcpToTarget < t.reachDistance;
      break;
    case 'grasp':
      success = held && cubeLift >= t.graspLift;
      break;
    case 'pick-place':
      success = lifted && cubeToTarget < t.placeDistance && Math.abs(cubeLift) < t.onTableTolerance && !closed && cubeToTcp > t.awayDistance;
      break;
  }
  return { name: task, success, tcpToTarget, cubeToTarget, cubeLift, cubeToTcp, held, lifted };
}
