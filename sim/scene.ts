/**
 * MJCF builder for the tabletop scene: a Franka Panda made of primitives whose bodies are placed
 * by the modified-DH table of src/robot (so the physics and our kinematics agree), position
 * actuators with gravity compensation, a two-finger parallel gripper, a table, one or two cubes
 * and a place-target marker (a mocap body, moved per episode).
 */
import {
  FINGER_TRAVEL,
  HAND_YAW,
  PANDA_DH,
  PANDA_DOF,
  PANDA_Q_MAX,
  PANDA_Q_MIN,
  PANDA_READY_Q,
  TCP_OFFSET,
  type DhRow,
} from '../src/robot/panda-kinematics.js';

/** Options of {@link buildSceneXml}; every field has a default. */
export interface SceneOptions {
  /** Number of cubes, 1 to {@link MAX_CUBES} (default 1). The first is the task's; the others are distractors of other colours. */
  cubeCount?: CubeCount;
  /** Cube edge length (m, default 0.045). */
  cubeSize?: number;
  /** Cube mass (kg, default 0.05). */
  cubeMass?: number;
  /** Sliding friction of cubes and finger pads (default 1.2). */
  friction?: number;
  /** Physics time step (s, default 0.002). */
  timestep?: number;
}

/** A scene's number of cubes. */
export type CubeCount = 1 | 2 | 3;
/** Most cubes a scene holds: the task's cube and two distractors. */
export const MAX_CUBES: CubeCount = 3;

/** Resolved scene options. */
export type ResolvedSceneOptions = Required<SceneOptions>;

/** Defaults of {@link SceneOptions}. */
export const SCENE_DEFAULTS: ResolvedSceneOptions = {
  cubeCount: 1,
  cubeSize: 0.045,
  cubeMass: 0.05,
  friction: 1.2,
  timestep: 0.002,
};

/** Names the environment looks up in the compiled model. */
export const SCENE_NAMES = {
  armJoints: Array.from({ length: PANDA_DOF }, (_, i) => `joint${i + 1}`),
  fingerJoints: ['finger_left', 'finger_right'],
  cubes: ['cube0', 'cube1', 'cube2'],
  cubeJoints: ['cube0_free', 'cube1_free', 'cube2_free'],
  target: 'target',
  tcpSite: 'tcp',
} as const;

/** RGBA colours of the scene, chosen so arm, gripper, cubes, target and table stay distinct. */
export const SCENE_COLOURS = {
  arm: '0.86 0.87 0.9 1',
  joint: '0.55 0.57 0.62 1',
  hand: '0.12 0.13 0.18 1',
  finger: '0.98 0.78 0.05 1',
  cubes: ['0.9 0.08 0.08 1', '0.1 0.3 0.95 1', '0.95 0.55 0.1 1'],
  target: '0.1 0.75 0.25 1',
  table: '0.72 0.62 0.48 1',
  floor: '0.32 0.33 0.36 1',
} as const;

/** The RGB part (0–1 per channel) of one of the {@link SCENE_COLOURS} rgba strings. */
export function sceneRgb(rgba: string): [number, number, number] {
  const [r, g, b] = rgba.split(' ').map(Number);
  return [r as number, g as number, b as number];
}

/** Table top height (m); the robot base stands on it at the origin. */
export const TABLE_TOP_Z = 0;
/** Finger pad half-thickness (m) along the closing direction. */
export const FINGER_PAD_HALF = 0.008;
/** Hand mounting height above the flange where the fingers start (m). */
export const FINGER_BASE_Z = 0.0584;
/** Finger length (m); fingertips end 9 mm past the tool centre point. */
export const FINGER_LENGTH = 0.054;

/** Per-link visual radius (m), housing half-length (m) and mass (kg), joints 1..7. */
const LINKS = [
  { radius: 0.06, housing: 0.06, mass: 4.97 },
  { radius: 0.06, housing: 0.06, mass: 0.65 },
  { radius: 0.055, housing: 0.055, mass: 3.23 },
  { radius: 0.055, housing: 0.055, mass: 3.59 },
  { radius: 0.05, housing: 0.05, mass: 1.23 },
  { radius: 0.045, housing: 0.045, mass: 1.67 },
  { radius: 0.04, housing: 0.035, mass: 0.74 },
] as const;

/** Position-actuator stiffness, damping (N·m/rad, N·m·s/rad) and torque limit (N·m), joints 1..7. */
const ARM_GAINS = [
  { kp: 4500, kv: 150, force: 87 },
  { kp: 4500, kv: 150, force: 87 },
  { kp: 3500, kv: 120, force: 87 },
  { kp: 3500, kv: 120, force: 87 },
  { kp: 2000, kv: 70, force: 12 },
  { kp: 2000, kv: 70, force: 12 },
  { kp: 2000, kv: 70, force: 12 },
] as const;

const FINGER_GAIN = { kp: 400, kv: 20, force: 20 } as const;
const HAND_MASS = 0.73;
const FINGER_MASS = 0.02;
const TABLE = { centreX: 0.35, halfX: 0.6, halfY: 0.75, halfZ: 0.025 } as const;
/** The table top's rectangle (m, world x and y). */
export const TABLE_TOP = { x: [TABLE.centreX - TABLE.halfX, TABLE.centreX + TABLE.halfX], y: [-TABLE.halfY, TABLE.halfY] } as const;
const FLOOR_Z = -0.75;
const TARGET_RADIUS = 0.03;
const TARGET_HALF_HEIGHT = 0.001;

const f = (x: number): string => (Math.abs(x) < 1e-12 ? '0' : String(Number(x.toFixed(6))));
const vec = (...xs: number[]): string => xs.map(f).join(' ');

/** Position of the next frame's origin and the elbow corner in the current frame, for a DH row. */
function rowOffsets(row: DhRow): { corner: number[]; origin: number[] } {
  return {
    corner: [row.a, 0, 0],
    origin: [row.a, -Math.sin(row.alpha) * row.d, Math.cos(row.alpha) * row.d],
  };
}

function capsule(from: number[], to: number[], radius: number, mass: number, rgba: string): string {
  const length = Math.hypot((to[0] ?? 0) - (from[0] ?? 0), (to[1] ?? 0) - (from[1] ?? 0), (to[2] ?? 0) - (from[2] ?? 0));
  if (length < 1e-6) return '';
  return `<geom type="capsule" fromto="${vec(...from, ...to)}" size="${f(radius)}" mass="${f(mass)}" rgba="${rgba}" class="visual"/>`;
}

/** Body, joint and visual geoms of link i (0-based), recursively containing the rest of the arm. */
function linkBody(i: number, inner: string): string {
  const row = PANDA_DH[i] as DhRow;
  const link = LINKS[i] as (typeof LINKS)[number];
  const origin = rowOffsets(row).origin;
  const quat = vec(Math.cos(row.alpha / 2), Math.sin(row.alpha / 2), 0, 0);
  const next = PANDA_DH[i + 1] as DhRow;
  const { corner, origin: nextOrigin } = rowOffsets(next);
  const geoms = [
    `<geom type="cylinder" size="${f(link.radius + 0.004)} ${f(link.housing)}" mass="${f(link.mass * 0.3)}" rgba="${SCENE_COLOURS.joint}" class="visual"/>`,
    capsule([0, 0, 0], corner, link.radius, link.mass * 0.35, SCENE_COLOURS.arm),
    capsule(corner, nextOrigin, link.radius, link.mass * 0.35, SCENE_COLOURS.arm),
  ];
  if (i === 0) geoms.push(capsule([0, 0, -0.2], [0, 0, 0], link.radius, link.mass * 0.35, SCENE_COLOURS.arm));
  const lo = PANDA_Q_MIN[i] as number;
  const hi = PANDA_Q_MAX[i] as number;
  return (
    `<body name="link${i + 1}" pos="${vec(...origin)}" quat="${quat}" gravcomp="1">` +
    `<joint name="joint${i + 1}" axis="0 0 1" range="${f(lo)} ${f(hi)}" armature="0.1" damping="1"/>` +
    geoms.filter((g) => g !== '').join('') +
    inner +
    `</body>`
  );
}

function handBody(o: ResolvedSceneOptions): string {
  const flange = PANDA_DH[PANDA_DOF] as DhRow;
  const quat = vec(Math.cos(HAND_YAW / 2), 0, 0, Math.sin(HAND_YAW / 2));
  const padCentreZ = FINGER_LENGTH / 2;
  const finger = (name: string, quatText: string): string =>
    `<body name="${name}" pos="0 0 ${f(FINGER_BASE_Z)}" quat="${quatText}" gravcomp="1">` +
    `<joint name="${name}" type="slide" axis="0 1 0" range="0 ${f(FINGER_TRAVEL)}" armature="0.01" damping="2"/>` +
    `<geom name="${name}_pad" type="box" size="0.011 ${f(FINGER_PAD_HALF)} ${f(FINGER_LENGTH / 2)}" pos="0 ${f(FINGER_PAD_HALF)} ${f(padCentreZ)}" ` +
    `mass="${f(FINGER_MASS)}" rgba="${SCENE_COLOURS.finger}" class="gripper" friction="${f(o.friction)} 0.01 0.0001"/>` +
    `</body>`;
  return (
    `<body name="hand" pos="0 0 ${f(flange.d)}" quat="${quat}" gravcomp="1">` +
    `<geom name="hand" type="box" size="0.03 0.1 0.028" pos="0 0 0.03" mass="${f(HAND_MASS)}" rgba="${SCENE_COLOURS.hand}" class="gripper"/>` +
    `<site name="${SCENE_NAMES.tcpSite}" pos="0 0 ${f(TCP_OFFSET)}" size="0.005"/>` +
    finger('finger_left', '1 0 0 0') +
    finger('finger_right', '0 0 0 1') +
    `</body>`
  );
}

/** Whether a value is a valid {@link CubeCount}. */
export function isCubeCount(n: unknown): n is CubeCount {
  return n === 1 || n === 2 || n === 3;
}

/** Where cube k starts in the keyframe (m): a row along y, overwritten by every reset's layout. */
function keyframeCube(k: number): [number, number] {
  return [0.5, -0.1 + 0.2 * k];
}

/**
 * Builds the MJCF document of the scene.
 * @throws RangeError on out-of-range options.
 */
export function buildSceneXml(options: SceneOptions = {}): string {
  const o: ResolvedSceneOptions = { ...SCENE_DEFAULTS, ...options };
  if (!isCubeCount(o.cubeCount)) throw new RangeError(`cubeCount must be 1 to ${MAX_CUBES}, got ${String(o.cubeCount)}`);
  if (!(o.cubeSize >= 0.02 && o.cubeSize <= 0.07)) throw new RangeError(`cubeSize must be in [0.02, 0.07] m, got ${o.cubeSize}`);
  if (!(o.cubeMass > 0 && o.cubeMass <= 1)) throw new RangeError(`cubeMass must be in (0, 1] kg, got ${o.cubeMass}`);
  if (!(o.friction > 0 && o.friction <= 5)) throw new RangeError(`friction must be in (0, 5], got ${o.friction}`);
  if (!(o.timestep >= 0.0005 && o.timestep <= 0.01)) throw new RangeError(`timestep must be in [0.0005, 0.01] s, got ${o.timestep}`);

  let arm = handBody(o);
  for (let i = PANDA_DOF - 1; i >= 0; i--) arm = linkBody(i, arm);

  const half = o.cubeSize / 2;
  const cubes = Array.from(
    { length: o.cubeCount },
    (_, k) =>
      `<body name="${SCENE_NAMES.cubes[k]}" pos="${vec(...keyframeCube(k), TABLE_TOP_Z + half)}">` +
      `<freejoint name="${SCENE_NAMES.cubeJoints[k]}"/>` +
      `<geom name="${SCENE_NAMES.cubes[k]}" type="box" size="${vec(half, half, half)}" mass="${f(o.cubeMass)}" rgba="${SCENE_COLOURS.cubes[k]}" ` +
      `class="object" friction="${f(o.friction)} 0.01 0.0001"/></body>`,
  ).join('');

  const actuators = [
    ...ARM_GAINS.map(
      (g, i) =>
        `<position name="act${i + 1}" joint="joint${i + 1}" kp="${g.kp}" kv="${g.kv}" forcerange="${-g.force} ${g.force}" ` +
        `ctrlrange="${f(PANDA_Q_MIN[i] as number)} ${f(PANDA_Q_MAX[i] as number)}"/>`,
    ),
    ...SCENE_NAMES.fingerJoints.map(
      (name) =>
        `<position name="act_${name}" joint="${name}" kp="${FINGER_GAIN.kp}" kv="${FINGER_GAIN.kv}" ` +
        `forcerange="${-FINGER_GAIN.force} ${FINGER_GAIN.force}" ctrlrange="0 ${f(FINGER_TRAVEL)}"/>`,
    ),
  ].join('');

  return `<mujoco model="jepa-mpc-tabletop">
<compiler angle="radian" autolimits="true"/>
<option timestep="${f(o.timestep)}" integrator="implicitfast" cone="pyramidal" impratio="10"><flag island="disable"/></option>
<default>
  <default class="visual"><geom contype="0" conaffinity="0"/></default>
  <default class="gripper"><geom contype="2" conaffinity="1" condim="4"/></default>
  <default class="object"><geom contype="1" conaffinity="3" condim="4"/></default>
</default>
<worldbody>
  <geom name="floor" type="plane" size="3 3 0.1" pos="0 0 ${f(FLOOR_Z)}" rgba="${SCENE_COLOURS.floor}" class="visual"/>
  <geom name="table" type="box" size="${vec(TABLE.halfX, TABLE.halfY, TABLE.halfZ)}" pos="${vec(TABLE.centreX, 0, TABLE_TOP_Z - TABLE.halfZ)}" rgba="${SCENE_COLOURS.table}" contype="1" conaffinity="3"/>
  <geom name="base" type="cylinder" size="0.075 0.07" pos="0 0 0.07" rgba="${SCENE_COLOURS.joint}" class="visual"/>
  <body name="${SCENE_NAMES.target}" mocap="true" pos="0.5 0.2 ${f(TABLE_TOP_Z)}">
    <geom name="target" type="cylinder" size="${vec(TARGET_RADIUS, TARGET_HALF_HEIGHT)}" pos="0 0 ${f(TARGET_HALF_HEIGHT + 0.0002)}" rgba="${SCENE_COLOURS.target}" class="visual"/>
  </body>
  ${arm}
  ${cubes}
</worldbody>
<actuator>${actuators}</actuator>
<keyframe><key name="ready" qpos="${vec(...PANDA_READY_Q, FINGER_TRAVEL, FINGER_TRAVEL)}${o.cubeCount >= 1 ? ' ' + Array.from({ length: o.cubeCount }, (_, k) => vec(...keyframeCube(k), TABLE_TOP_Z + half, 1, 0, 0, 0)).join(' ') : ''}"/></keyframe>
</mujoco>
`;
}
