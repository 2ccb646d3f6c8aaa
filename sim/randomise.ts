/**
 * Domain randomisation for training data (`collect --randomise`): per episode, seeded by its
 * layout, an appearance drawn from wide ranges — the light from anywhere around, at any height
 * and strength, shadows sometimes off; the camera moved and turned a few cm and degrees; the
 * cube in any hue but the target's green and the fingers' yellow, any saturation and brightness;
 * the table in another colour, sometimes chequered; up to two distractor cubes. The evaluation's
 * perturbations (sim/perturb.ts) are single points of these ranges or just beyond them.
 */
import { createRng, type Rng } from '../src/core/rng.js';
import type { Appearance, Rgb01 } from './appearance.js';
import { jitterCamera } from './perturb.js';
import type { CameraSpec } from './render/camera.js';
import type { CubeCount } from './scene.js';
import type { TabletopOptions } from './tabletop.js';

/** What `collect --randomise` may vary per episode. */
export const RANDOMISABLE = ['light', 'camera', 'colour', 'table', 'distractors', 'shadows'] as const;
/** One of {@link RANDOMISABLE}. */
export type Randomisable = (typeof RANDOMISABLE)[number];

/**
 * Ranges of the per-episode randomisation (degrees, cm, fractions). Hues run from `hueFromDeg`
 * through `hueSpanDeg` (sky blue, blue, purple, red, orange: never green or yellow).
 */
export const RANDOMISE_RANGES = {
  lightDeg: 180,
  lightElevationDeg: [25, 85],
  lightIntensity: [0.6, 1.4],
  shadowsOffProbability: 0.2,
  cameraCm: 6,
  cameraDeg: 6,
  hueFromDeg: 190,
  hueSpanDeg: 210,
  cubeSaturation: [0, 1],
  cubeValue: [0.55, 1],
  tableSaturation: [0, 0.45],
  tableValue: [0.3, 0.95],
  tableCheckerProbability: 0.3,
  tableTileM: [0.03, 0.15],
  distractors: [0, 2],
  distractorSaturation: [0.4, 1],
  distractorValue: [0.45, 1],
} as const;

/** Seed salt of the randomisation's stream (apart from the layout's and the jitter's). */
const RANDOMISE_SALT = 0x0dd_ba11;

function between(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return lo + (hi - lo) * rng.uniform();
}

/** A random colour: hue anywhere in the allowed span (or the full circle), saturation and value in their ranges. */
function colour(rng: Rng, hueSpan: 'allowed' | 'any', sat: readonly [number, number], val: readonly [number, number]): Rgb01 {
  const r = RANDOMISE_RANGES;
  const hue = hueSpan === 'any' ? rng.uniform() * 360 : (r.hueFromDeg + rng.uniform() * r.hueSpanDeg) % 360;
  return hsvToRgb(hue, between(rng, sat), between(rng, val));
}

/**
 * A seeded appearance for one episode, varying what `kinds` names (nothing else). Every draw is
 * made whatever `kinds` holds, so each kind's value depends on the seed alone.
 */
export function randomAppearance(kinds: readonly Randomisable[], seed: number, defaultCamera: CameraSpec): Appearance {
  const rng = createRng((seed ^ RANDOMISE_SALT) >>> 0);
  const r = RANDOMISE_RANGES;
  const out: Appearance = {};
  const light = (2 * rng.uniform() - 1) * r.lightDeg;
  const cm = rng.uniform() * r.cameraCm;
  const deg = rng.uniform() * r.cameraDeg;
  const jitterSeed = rng.int(0x7fff_ffff);
  const cube = colour(rng, 'allowed', r.cubeSaturation, r.cubeValue);
  const elevation = between(rng, r.lightElevationDeg);
  const intensity = between(rng, r.lightIntensity);
  const shadowsOff = rng.uniform() < r.shadowsOffProbability;
  const table = colour(rng, 'any', r.tableSaturation, r.tableValue);
  const checker = rng.uniform() < r.tableCheckerProbability;
  const checkerColour = colour(rng, 'any', r.tableSaturation, r.tableValue);
  const tile = between(rng, r.tableTileM);
  const count = Math.min(r.distractors[1], Math.floor(between(rng, [r.distractors[0], r.distractors[1] + 1])));
  const distractors = [0, 1].map(() => colour(rng, 'any', r.distractorSaturation, r.distractorValue)).slice(0, count);
  if (kinds.includes('light')) Object.assign(out, { lightAzimuthDeg: light, lightElevationDeg: elevation, lightIntensity: intensity });
  if (kinds.includes('camera')) out.camera = jitterCamera(defaultCamera.eye, defaultCamera.target, cm / 100, (deg * Math.PI) / 180, jitterSeed);
  if (kinds.includes('colour')) out.cubeColour = cube;
  if (kinds.includes('table')) Object.assign(out, { tableColour: table, ...(checker ? { tableChecker: { colour: checkerColour, tileM: tile } } : {}) });
  if (kinds.includes('distractors')) out.distractors = distractors;
  if (kinds.includes('shadows') && shadowsOff) out.shadows = false;
  return out;
}

/**
 * Simulator options drawing an appearance: the base options with its light, colours and table,
 * its camera pose over the base camera, and a scene with room for exactly its distractors.
 */
export function withAppearance(base: TabletopOptions, a: Appearance): TabletopOptions {
  const { camera, distractors, ...rest } = a;
  return {
    ...base,
    ...rest,
    ...(camera ? { camera: { ...base.camera, ...camera } } : {}),
    ...(distractors ? { distractors, scene: { ...base.scene, cubeCount: (1 + distractors.length) as CubeCount } } : {}),
  };
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
