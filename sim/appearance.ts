/**
 * How the tabletop looks, apart from where things are: the camera's pose, the light (direction,
 * elevation, intensity, shadows), the task cube's colour, the table's colour and pattern, and the
 * distractor cubes. Pure: an appearance is checked against {@link APPEARANCE_LIMITS} and turned
 * into the renderer's shading and overlay geometry here; the simulator applies it.
 * Every field is optional: absent = as the shipped models were trained (byte-identical frames).
 */
import type { CameraSpec } from './render/camera.js';
import type { Mesh } from './render/mesh.js';
import type { ShadingOptions } from './render/scene-renderer.js';
import type { CubeCount } from './scene.js';
import type { TabletopOptions } from './tabletop.js';

/** An RGB colour, 0–1 per channel. */
export type Rgb01 = readonly [number, number, number];

/** A table pattern: squares of `colour` over the table's own colour, `tileM` metres on a side. */
export interface TableChecker {
  readonly colour: Rgb01;
  readonly tileM: number;
}

/** What {@link TabletopSim.setAppearance} and the simulator's options change. */
export interface Appearance {
  /** The camera's pose (eye, target, fov). */
  camera?: Partial<Pick<CameraSpec, 'eye' | 'target' | 'fovDeg'>>;
  /** The light (key light and shadows) turned about the vertical by this many degrees (0 = as trained). */
  lightAzimuthDeg?: number;
  /**
   * The light's elevation above the table (degrees; 90 = straight overhead). Absent: as trained
   * (shadows cast from 45°, the key light from 60°); set, both come from this elevation.
   */
  lightElevationDeg?: number;
  /** Every light (ambient, key, headlight) scaled by this factor (1 = as trained). */
  lightIntensity?: number;
  /** Shadows on or off (absent: the simulator's `shadows` option). */
  shadows?: boolean;
  /** The task cube's colour (trained: red). */
  cubeColour?: Rgb01;
  /** The table's colour (trained: a light wood brown). */
  tableColour?: Rgb01;
  /** A checker pattern on the table (absent: plain). */
  tableChecker?: TableChecker;
  /**
   * The distractor cubes' colours, one per distractor drawn (0 to the scene's cubes − 1). Absent:
   * every cube of the scene is there in its default colour.
   */
  distractors?: readonly Rgb01[];
}

/** The fields of an {@link Appearance} other than the camera and shadows (which simulator options hold in their own way). */
const APPEARANCE_FIELDS = ['lightAzimuthDeg', 'lightElevationDeg', 'lightIntensity', 'cubeColour', 'tableColour', 'tableChecker', 'distractors'] as const;

/** The appearance fields of an options object (camera and shadows left out), those set only. */
export function pickAppearance(o: Omit<Appearance, 'camera' | 'shadows'>): Appearance {
  const out: Record<string, unknown> = {};
  for (const k of APPEARANCE_FIELDS) if (o[k] !== undefined) out[k] = o[k];
  return out as Appearance;
}

/**
 * Simulator options drawing an appearance: the base options with its light, colours, table and
 * shadows, its camera pose over the base camera, and a scene with room for exactly its distractors.
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

/** Ranges an appearance is checked against (inclusive). */
export const APPEARANCE_LIMITS = {
  lightAzimuthDeg: [-360, 360],
  lightElevationDeg: [15, 90],
  lightIntensity: [0.3, 2],
  tableTileM: [0.02, 0.5],
  distractors: [0, 2],
} as const;

/** Light elevations as trained: the shadows' slant (45°) and the key light's (≈ 60°). */
export const TRAINED_ELEVATION_DEG = { shadow: 45, key: 60.3 } as const;

/** The renderer's default intensities (ambient, key, headlight): scaled by `lightIntensity`. */
export const BASE_INTENSITY = { ambient: 0.35, key: 0.55, head: 0.25 } as const;

function checkRange(name: string, v: unknown, [lo, hi]: readonly [number, number]): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new RangeError(`${name} must be in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/**
 * Checks a colour: three finite values in [0, 1].
 * @throws RangeError naming the field.
 */
export function checkColour(name: string, c: readonly number[]): Rgb01 {
  if (c.length !== 3 || !c.every((v) => Number.isFinite(v) && v >= 0 && v <= 1))
    throw new RangeError(`${name} must be three values in [0, 1], got ${JSON.stringify(c)}`);
  return [c[0] as number, c[1] as number, c[2] as number];
}

/**
 * Checks every field of an appearance against {@link APPEARANCE_LIMITS}.
 * @throws RangeError naming the first bad field and its range.
 */
export function checkAppearance(a: Appearance): void {
  const L = APPEARANCE_LIMITS;
  if (a.lightAzimuthDeg !== undefined) checkRange('lightAzimuthDeg', a.lightAzimuthDeg, L.lightAzimuthDeg);
  if (a.lightElevationDeg !== undefined) checkRange('lightElevationDeg', a.lightElevationDeg, L.lightElevationDeg);
  if (a.lightIntensity !== undefined) checkRange('lightIntensity', a.lightIntensity, L.lightIntensity);
  if (a.cubeColour !== undefined) checkColour('cubeColour', a.cubeColour);
  if (a.tableColour !== undefined) checkColour('tableColour', a.tableColour);
  if (a.tableChecker !== undefined) {
    checkColour('tableChecker.colour', a.tableChecker.colour);
    checkRange('tableChecker.tileM', a.tableChecker.tileM, L.tableTileM);
  }
  if (a.distractors !== undefined) {
    checkRange('number of distractors', a.distractors.length, L.distractors);
    a.distractors.forEach((c, i) => checkColour(`distractors[${i}]`, c));
  }
}

/** A horizontal direction [x, y] turned about world z by `deg` degrees. */
function turn2(v: readonly number[], deg: number): [number, number] {
  const a = (deg * Math.PI) / 180;
  const x = v[0] as number;
  const y = v[1] as number;
  return [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a)];
}

/** What {@link shadingFor} needs besides the appearance: the trained light and table. */
export interface LightBase {
  /** Direction toward the key light as trained (world). */
  keyLight: readonly [number, number, number];
  /** The shadows' shift (x, y) per metre of height as trained. */
  shadowSlant: readonly [number, number];
  /** Table top height (m), the shadows' plane. */
  planeZ: number;
  /** The table's trained colour. */
  tableColour: Rgb01;
  /** Shadow colour as a fraction of the table's colour. */
  shadowShade: number;
  /** Whether shadows are drawn when the appearance does not say. */
  shadows: boolean;
}

/**
 * The renderer's shading for an appearance: the key light and the shadows' slant turned by the
 * azimuth and, with an elevation, raised or lowered to it; intensities scaled; the shadow colour a
 * shade of the table's colour, scaled like the light.
 */
export function shadingFor(a: Appearance, base: LightBase): ShadingOptions {
  const azimuth = a.lightAzimuthDeg ?? 0;
  const scale = a.lightIntensity ?? 1;
  const [kx, ky] = turn2(base.keyLight, azimuth);
  let keyLight: [number, number, number] = [kx, ky, base.keyLight[2]];
  let slant = turn2(base.shadowSlant, azimuth);
  if (a.lightElevationDeg !== undefined) {
    const e = (a.lightElevationDeg * Math.PI) / 180;
    const kh = Math.hypot(kx, ky) || 1;
    keyLight = [(kx / kh) * Math.cos(e), (ky / kh) * Math.cos(e), Math.sin(e)];
    const sh = Math.hypot(slant[0], slant[1]) || 1;
    const length = a.lightElevationDeg >= 90 ? 0 : 1 / Math.tan(e);
    slant = [(slant[0] / sh) * length, (slant[1] / sh) * length];
  }
  const table = a.tableColour ?? base.tableColour;
  const shade = Math.min(1, base.shadowShade * scale);
  const shadow = { planeZ: base.planeZ, colour: table.map((c) => Math.round(255 * shade * c)) as [number, number, number], slant };
  const shading: ShadingOptions = { keyLight, ...((a.shadows ?? base.shadows) ? { shadow } : {}) };
  if (scale !== 1) {
    shading.ambient = BASE_INTENSITY.ambient * scale;
    shading.key = BASE_INTENSITY.key * scale;
    shading.head = BASE_INTENSITY.head * scale;
  }
  return shading;
}

/** Height of the checker's squares above the table top (m): above the table, below shadows and the target disc. */
const CHECKER_LIFT = 0.00025;

/**
 * The checker's squares as one world-frame mesh: every other square of `tileM` over the table's
 * top rectangle (x from `x0` to `x1`, y from `y0` to `y1`, at height `z`), facing up.
 */
export function checkerMesh(tileM: number, [x0, x1]: readonly [number, number], [y0, y1]: readonly [number, number], z: number): Mesh {
  const v: number[] = [];
  const t: number[] = [];
  const nx = Math.ceil((x1 - x0) / tileM);
  const ny = Math.ceil((y1 - y0) / tileM);
  const h = z + CHECKER_LIFT;
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      if ((i + j) % 2 === 1) continue;
      const ax = x0 + i * tileM;
      const ay = y0 + j * tileM;
      const bx = Math.min(x1, ax + tileM);
      const by = Math.min(y1, ay + tileM);
      const k = v.length / 3;
      v.push(ax, ay, h, bx, ay, h, bx, by, h, ax, by, h);
      // counter-clockwise seen from above
      t.push(k, k + 1, k + 2, k, k + 2, k + 3);
    }
  }
  return { vertices: Float64Array.from(v), triangles: Uint32Array.from(t) };
}
