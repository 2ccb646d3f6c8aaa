/**
 * What a world model has not seen, applied to the simulator for a generalisation test: the camera
 * moved and turned, the light from another direction, height or strength, the cube or the table in
 * another colour, distractor cubes, no shadows. Pure: a perturbation and an episode seed give
 * simulator options; the same seed gives the same camera. Goal images and the episode are drawn
 * through the same perturbed simulator — a user photographs the goal with the camera the robot
 * then sees through.
 */
import { createRng } from '../src/core/rng.js';
import { APPEARANCE_LIMITS, withAppearance, type Appearance, type Rgb01 } from './appearance.js';
import type { CameraSpec } from './render/camera.js';
import { SCENE_COLOURS, sceneRgb } from './scene.js';
import type { TabletopOptions } from './tabletop.js';

export type { Rgb01 } from './appearance.js';

/** What to change; every field is optional (absent = as trained). */
export interface Perturbation {
  /**
   * Camera jitter per episode: the eye moved by exactly `cm` centimetres in a random direction and
   * the viewing direction turned by exactly `deg` degrees about a random axis across it.
   */
  readonly cameraJitter?: { readonly cm: number; readonly deg: number };
  /** The light (key light and shadows) turned about the vertical by this many degrees. */
  readonly lightAzimuthDeg?: number;
  /** The light's elevation above the table (degrees; trained: shadows from 45°, key light from 60°). */
  readonly lightElevationDeg?: number;
  /** Every light scaled by this factor (trained: 1). */
  readonly lightIntensity?: number;
  /** The cube's colour. */
  readonly cubeColour?: Rgb01;
  /** The table's colour. */
  readonly tableColour?: Rgb01;
  /** Distractor cubes on the table (0–2), in the scene's distractor colours. */
  readonly distractors?: number;
  /** Shadows drawn or not (trained: the model's manifest, simulator.shadows). */
  readonly shadows?: boolean;
}

/** Named cube colours for the command line (the trained one is red). */
export const CUBE_COLOURS: Readonly<Record<string, Rgb01>> = {
  red: [0.9, 0.08, 0.08],
  orange: [0.95, 0.5, 0.05],
  purple: [0.55, 0.15, 0.75],
  white: [0.95, 0.95, 0.95],
};

/** Named table colours for the command line (the trained one is wood). */
export const TABLE_COLOURS: Readonly<Record<string, Rgb01>> = {
  wood: [0.72, 0.62, 0.48],
  grey: [0.5, 0.5, 0.52],
  white: [0.9, 0.9, 0.88],
  dark: [0.25, 0.22, 0.2],
  blue: [0.35, 0.45, 0.6],
};

/** Largest camera jitter accepted (cm, degrees): beyond it the workspace leaves the frame. */
export const MAX_CAMERA_JITTER = { cm: 20, deg: 15 } as const;

/** The perturbation fields, each with its range check and description (one place for all three). */
const PERTURBATION_LIMITS = {
  lightAzimuthDeg: APPEARANCE_LIMITS.lightAzimuthDeg,
  lightElevationDeg: APPEARANCE_LIMITS.lightElevationDeg,
  lightIntensity: APPEARANCE_LIMITS.lightIntensity,
  distractors: APPEARANCE_LIMITS.distractors,
} as const;

/**
 * Checks a perturbation's numbers against their ranges.
 * @throws RangeError naming the field and its range.
 */
export function checkPerturbation(p: Perturbation): void {
  const j = p.cameraJitter;
  if (j && !(j.cm >= 0 && j.cm <= MAX_CAMERA_JITTER.cm && j.deg >= 0 && j.deg <= MAX_CAMERA_JITTER.deg))
    throw new RangeError(`camera jitter must be within 0–${MAX_CAMERA_JITTER.cm} cm and 0–${MAX_CAMERA_JITTER.deg} degrees, got ${j.cm} cm ${j.deg}°`);
  for (const [k, [lo, hi]] of Object.entries(PERTURBATION_LIMITS)) {
    const v = p[k as keyof typeof PERTURBATION_LIMITS];
    if (v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)) throw new RangeError(`${k} must be in [${lo}, ${hi}], got ${v}`);
  }
  if (p.distractors !== undefined && !Number.isInteger(p.distractors)) throw new RangeError(`distractors must be a whole number, got ${p.distractors}`);
}

/** Whether a perturbation changes anything. */
export function isPerturbed(p: Perturbation): boolean {
  return describePerturbation(p) !== 'none';
}

/** The name of a colour in a table of named colours, or its channels. */
function colourName(table: Readonly<Record<string, Rgb01>>, c: Rgb01): string {
  return Object.entries(table).find(([, v]) => v.every((x, i) => x === c[i]))?.[0] ?? c.join(',');
}

/** A one-line description ("camera 2 cm 2°, light turned 90°, cube orange"), or "none". */
export function describePerturbation(p: Perturbation): string {
  const parts: string[] = [];
  if (p.cameraJitter && (p.cameraJitter.cm > 0 || p.cameraJitter.deg > 0)) parts.push(`camera ${p.cameraJitter.cm} cm ${p.cameraJitter.deg}°`);
  if (p.lightAzimuthDeg) parts.push(`light turned ${p.lightAzimuthDeg}°`);
  if (p.lightElevationDeg !== undefined) parts.push(`light elevation ${p.lightElevationDeg}°`);
  if (p.lightIntensity !== undefined && p.lightIntensity !== 1) parts.push(`light x${p.lightIntensity}`);
  if (p.cubeColour) parts.push(`cube ${colourName(CUBE_COLOURS, p.cubeColour)}`);
  if (p.tableColour) parts.push(`table ${colourName(TABLE_COLOURS, p.tableColour)}`);
  if (p.distractors) parts.push(`${p.distractors} distractor${p.distractors > 1 ? 's' : ''}`);
  if (p.shadows !== undefined) parts.push(`shadows ${p.shadows ? 'on' : 'off'}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** The distractors' colours, the scene's own: blue, then orange. */
export const DISTRACTOR_COLOURS: readonly Rgb01[] = SCENE_COLOURS.cubes.slice(1).map(sceneRgb);

/**
 * Simulator options for one episode under a perturbation.
 * @param base the unperturbed options (their camera spec, if any, is the one jittered).
 * @param defaultCamera the camera used when `base` sets none of eye/target.
 * @param seed the episode's seed: the jitter's directions.
 * @throws RangeError for a perturbation outside its ranges.
 */
export function perturbedOptions(base: TabletopOptions, p: Perturbation, defaultCamera: CameraSpec, seed: number): TabletopOptions {
  checkPerturbation(p);
  const a: Appearance = {};
  const j = p.cameraJitter;
  if (j && (j.cm > 0 || j.deg > 0)) {
    const eye = base.camera?.eye ?? defaultCamera.eye;
    const target = base.camera?.target ?? defaultCamera.target;
    a.camera = jitterCamera(eye, target, j.cm / 100, (j.deg * Math.PI) / 180, seed);
  }
  if (p.lightAzimuthDeg) a.lightAzimuthDeg = p.lightAzimuthDeg;
  if (p.lightElevationDeg !== undefined) a.lightElevationDeg = p.lightElevationDeg;
  if (p.lightIntensity !== undefined) a.lightIntensity = p.lightIntensity;
  if (p.cubeColour) a.cubeColour = p.cubeColour;
  if (p.tableColour) a.tableColour = p.tableColour;
  if (p.shadows !== undefined) a.shadows = p.shadows;
  if (p.distractors) a.distractors = DISTRACTOR_COLOURS.slice(0, p.distractors);
  return withAppearance(base, a);
}

type Vec3 = [number, number, number];

/** Seed salt so the jitter's stream differs from the layout's stream of the same seed. */
const JITTER_SALT = 0x5eed_ca3;

/**
 * The eye moved by `shift` metres along a random unit vector and the look direction turned by
 * `angle` radians about a random unit axis perpendicular to it (Rodrigues); the distance to the
 * target is kept.
 */
export function jitterCamera(eye: readonly number[], target: readonly number[], shift: number, angle: number, seed: number): { eye: Vec3; target: Vec3 } {
  const rng = createRng((seed ^ JITTER_SALT) >>> 0);
  const dir = unit([rng.normal(), rng.normal(), rng.normal()]);
  const e0 = vec3(eye);
  const e = add(e0, scale(dir, shift));
  const view = add(vec3(target), scale(e0, -1));
  const f = unit(view);
  // A random axis across the view: a random vector minus its component along f.
  const r: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
  const along = dot(r, f);
  const k = unit([r[0] - along * f[0], r[1] - along * f[1], r[2] - along * f[2]]);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const turned = add(add(scale(view, c), scale(cross(k, view), s)), scale(k, dot(k, view) * (1 - c)));
  return { eye: e, target: add(e, turned) };
}

function vec3(v: readonly number[]): Vec3 {
  return [v[0] as number, v[1] as number, v[2] as number];
}

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function unit(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : [1, 0, 0];
}
