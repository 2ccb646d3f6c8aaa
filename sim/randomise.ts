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

/** Every value one randomisation draws (all of them, whatever is varied: each kind's value depends on the seed alone). */
interface Draws {
  light: number;
  cm: number;
  deg: number;
  jitterSeed: number;
  cube: Rgb01;
  elevation: number;
  intensity: number;
  shadowsOff: boolean;
  table: Rgb01;
  checker: boolean;
  checkerColour: Rgb01;
  tile: number;
  count: number;
  distractorColours: Rgb01[];
}

function draw(rng: Rng): Draws {
  const r = RANDOMISE_RANGES;
  return {
    light: (2 * rng.uniform() - 1) * r.lightDeg,
    cm: rng.uniform() * r.cameraCm,
    deg: rng.uniform() * r.cameraDeg,
    jitterSeed: rng.int(0x7fff_ffff),
    cube: colour(rng, 'allowed', r.cubeSaturation, r.cubeValue),
    elevation: between(rng, r.lightElevationDeg),
    intensity: between(rng, r.lightIntensity),
    shadowsOff: rng.uniform() < r.shadowsOffProbability,
    table: colour(rng, 'any', r.tableSaturation, r.tableValue),
    checker: rng.uniform() < r.tableCheckerProbability,
    checkerColour: colour(rng, 'any', r.tableSaturation, r.tableValue),
    tile: between(rng, r.tableTileM),
    count: Math.min(r.distractors[1], Math.floor(between(rng, [r.distractors[0], r.distractors[1] + 1]))),
    distractorColours: [0, 1].map(() => colour(rng, 'any', r.distractorSaturation, r.distractorValue)),
  };
}

/** The appearance of some draws, varying what `kinds` names, with `count` distractors. */
function assemble(d: Draws, kinds: readonly Randomisable[], defaultCamera: CameraSpec, count: number): Appearance {
  const out: Appearance = {};
  if (kinds.includes('light')) Object.assign(out, { lightAzimuthDeg: d.light, lightElevationDeg: d.elevation, lightIntensity: d.intensity });
  if (kinds.includes('camera')) out.camera = jitterCamera(defaultCamera.eye, defaultCamera.target, d.cm / 100, (d.deg * Math.PI) / 180, d.jitterSeed);
  if (kinds.includes('colour')) out.cubeColour = d.cube;
  if (kinds.includes('table')) Object.assign(out, { tableColour: d.table, ...(d.checker ? { tableChecker: { colour: d.checkerColour, tileM: d.tile } } : {}) });
  if (kinds.includes('distractors')) out.distractors = d.distractorColours.slice(0, count);
  if (kinds.includes('shadows') && d.shadowsOff) out.shadows = false;
  return out;
}

/** A seeded appearance for one episode, varying what `kinds` names (nothing else). */
export function randomAppearance(kinds: readonly Randomisable[], seed: number, defaultCamera: CameraSpec): Appearance {
  const d = draw(createRng((seed ^ RANDOMISE_SALT) >>> 0));
  return assemble(d, kinds, defaultCamera, d.count);
}

/** Seed salt of the twin appearance's stream. */
const TWIN_SALT = 0x7a1_75ee;

/**
 * A second appearance for the same episode (`collect --twin`: every frame drawn again under it):
 * drawn like {@link randomAppearance} from another stream, with as many distractors as `like`
 * (the cubes on the table), in colours of its own.
 */
export function twinAppearance(kinds: readonly Randomisable[], seed: number, defaultCamera: CameraSpec, like: Appearance): Appearance {
  const d = draw(createRng((seed ^ TWIN_SALT) >>> 0));
  return assemble(d, kinds, defaultCamera, like.distractors?.length ?? 0);
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
