/**
 * What a world model has not seen, applied to the simulator for a generalisation test: the camera
 * moved and turned, the light from another direction, the cube in another colour. Pure: a
 * perturbation and an episode seed give simulator options; the same seed gives the same camera.
 * Goal images and the episode are drawn through the same perturbed simulator — a user photographs
 * the goal with the camera the robot then sees through.
 */
import { createRng } from '../src/core/rng.js';
import type { CameraSpec } from './render/camera.js';
import type { Appearance, TabletopOptions } from './tabletop.js';

/** An RGB colour, 0–1 per channel. */
export type Rgb01 = readonly [number, number, number];

/** What to change; every field is optional (absent = as trained). */
export interface Perturbation {
  /**
   * Camera jitter per episode: the eye moved by exactly `cm` centimetres in a random direction and
   * the viewing direction turned by exactly `deg` degrees about a random axis across it.
   */
  readonly cameraJitter?: { readonly cm: number; readonly deg: number };
  /** The light (key light and shadows) turned about the vertical by this many degrees. */
  readonly lightAzimuthDeg?: number;
  /** The cube's colour. */
  readonly cubeColour?: Rgb01;
}

/** Named cube colours for the command line (the trained one is red). */
export const CUBE_COLOURS: Readonly<Record<string, Rgb01>> = {
  red: [0.9, 0.08, 0.08],
  orange: [0.95, 0.5, 0.05],
  purple: [0.55, 0.15, 0.75],
  white: [0.95, 0.95, 0.95],
};

/** Largest camera jitter accepted (cm, degrees): beyond it the workspace leaves the frame. */
export const MAX_CAMERA_JITTER = { cm: 20, deg: 15 } as const;

/** Whether a perturbation changes anything. */
export function isPerturbed(p: Perturbation): boolean {
  const j = p.cameraJitter;
  return (j !== undefined && (j.cm > 0 || j.deg > 0)) || (p.lightAzimuthDeg ?? 0) !== 0 || p.cubeColour !== undefined;
}

/** A one-line description ("camera 2 cm 2°, light 90°, cube orange"), or "none". */
export function describePerturbation(p: Perturbation): string {
  const parts: string[] = [];
  if (p.cameraJitter && (p.cameraJitter.cm > 0 || p.cameraJitter.deg > 0)) parts.push(`camera ${p.cameraJitter.cm} cm ${p.cameraJitter.deg}°`);
  if (p.lightAzimuthDeg) parts.push(`light turned ${p.lightAzimuthDeg}°`);
  if (p.cubeColour) {
    const name = Object.entries(CUBE_COLOURS).find(([, c]) => c.every((v, i) => v === p.cubeColour?.[i]))?.[0];
    parts.push(`cube ${name ?? p.cubeColour.join(',')}`);
  }
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * Simulator options for one episode under a perturbation.
 * @param base the unperturbed options (their camera spec, if any, is the one jittered).
 * @param defaultCamera the camera used when `base` sets none of eye/target.
 * @param seed the episode's seed: the jitter's directions.
 */
export function perturbedOptions(base: TabletopOptions, p: Perturbation, defaultCamera: CameraSpec, seed: number): TabletopOptions {
  const out: TabletopOptions = { ...base };
  const j = p.cameraJitter;
  if (j && (j.cm > 0 || j.deg > 0)) {
    const eye = base.camera?.eye ?? defaultCamera.eye;
    const target = base.camera?.target ?? defaultCamera.target;
    const moved = jitterCamera(eye, target, j.cm / 100, (j.deg * Math.PI) / 180, seed);
    out.camera = { ...base.camera, ...moved };
  }
  if (p.lightAzimuthDeg) out.lightAzimuthDeg = p.lightAzimuthDeg;
  if (p.cubeColour) out.cubeColour = p.cubeColour;
  return out;
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

/** A direction [x, y, z] turned about world z by `deg` degrees. */
export function turnAboutZ<T extends readonly number[]>(v: T, deg: number): number[] {
  const a = (deg * Math.PI) / 180;
  const x = v[0] as number;
  const y = v[1] as number;
  return [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a), ...v.slice(2)];
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

/** What `collect --randomise` may vary per episode (domain randomisation for training). */
export const RANDOMISABLE = ['light', 'camera', 'colour'] as const;
/** One of {@link RANDOMISABLE}. */
export type Randomisable = (typeof RANDOMISABLE)[number];

/**
 * Ranges of the per-episode randomisation: the light turned anywhere about the vertical; the camera
 * moved up to 3 cm and turned up to 3 degrees; the cube's hue anywhere from sky blue through blue,
 * purple and red to orange (not the target's green or the fingers' yellow).
 */
export const RANDOMISE_RANGES = { lightDeg: 180, cameraCm: 3, cameraDeg: 3, hueFromDeg: 190, hueSpanDeg: 210, saturation: 0.85, value: 0.9 } as const;

/** Seed salt of the randomisation's stream (apart from the layout's and the jitter's). */
const RANDOMISE_SALT = 0x0dd_ba11;

/** A seeded appearance for one episode, varying what `kinds` names (nothing else). */
export function randomAppearance(kinds: readonly Randomisable[], seed: number, defaultCamera: CameraSpec): Appearance {
  const rng = createRng((seed ^ RANDOMISE_SALT) >>> 0);
  const r = RANDOMISE_RANGES;
  const out: Appearance = {};
  // Every draw is made whatever `kinds` holds, so each kind's value depends on the seed alone.
  const light = (2 * rng.uniform() - 1) * r.lightDeg;
  const cm = rng.uniform() * r.cameraCm;
  const deg = rng.uniform() * r.cameraDeg;
  const jitterSeed = rng.int(0x7fff_ffff);
  const hue = (r.hueFromDeg + rng.uniform() * r.hueSpanDeg) % 360;
  if (kinds.includes('light')) out.lightAzimuthDeg = light;
  if (kinds.includes('camera')) out.camera = jitterCamera(defaultCamera.eye, defaultCamera.target, cm / 100, (deg * Math.PI) / 180, jitterSeed);
  if (kinds.includes('colour')) out.cubeColour = hsvToRgb(hue, r.saturation, r.value);
  return out;
}

/** HSV (hue in degrees, s and v in [0, 1]) → RGB in [0, 1]. */
export function hsvToRgb(hueDeg: number, s: number, v: number): [number, number, number] {
  const h = (((hueDeg % 360) + 360) % 360) / 60;
  const c = v * s;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}
