/**
 * The drawing side of the tabletop for one appearance: the camera, the drawables of the compiled
 * MuJoCo scene with their colours (which cubes are drawn, in which colours; the table's colour),
 * the shading (light and shadows) and the table's pattern, handed to a {@link SceneRenderer}.
 */
import { checkAppearance, checkerMesh, shadingFor, type Appearance, type LightBase } from './appearance.js';
import type { MjModel } from './mujoco.js';
import { createCamera, type Camera, type CameraSpec } from './render/camera.js';
import { meshForGeomType, SceneRenderer, type RenderGeom, type ShadingOptions } from './render/scene-renderer.js';
import { SCENE_COLOURS, sceneRgb, TABLE_TOP, TABLE_TOP_Z } from './scene.js';

/** What one appearance draws with. */
export interface SceneView {
  camera: Camera;
  renderer: SceneRenderer;
  geoms: Array<RenderGeom | undefined>;
  shading: ShadingOptions;
  overlays: RenderGeom[];
}

/** Body and geom ids the view colours. */
export interface SceneIds {
  /** The world body (its geoms, table and floor, cast no shadow). */
  world: number;
  /** The place target's body (a flat disc: no shadow). */
  target: number;
  /** Cube bodies, the task's first, then the distractors. */
  cubes: readonly number[];
  /** The table's geom. */
  table: number;
}

/** The trained table colour. */
export const TRAINED_TABLE = sceneRgb(SCENE_COLOURS.table);

/**
 * Number of distractors an appearance draws in a scene with `cubes` cubes.
 * @throws RangeError when it asks for more than the scene holds.
 */
export function activeDistractors(a: Appearance, cubes: number): number {
  const n = a.distractors?.length ?? cubes - 1;
  if (n > cubes - 1) throw new RangeError(`${n} distractors asked for, but the scene holds ${cubes - 1} (scene.cubeCount ${cubes})`);
  return n;
}

/**
 * The camera, drawables and renderer of an appearance.
 * @param camera the full camera spec (size included) after the appearance's pose.
 * @throws RangeError for an appearance outside its limits (sim/appearance.ts).
 */
export function buildSceneView(model: MjModel, ids: SceneIds, camera: CameraSpec, a: Appearance, light: Omit<LightBase, 'tableColour' | 'planeZ'>): SceneView {
  checkAppearance(a);
  const cubesDrawn = 1 + activeDistractors(a, ids.cubes.length);
  const cam = createCamera(camera);
  const types = model.geom_type as Int32Array;
  const sizes = model.geom_size as Float64Array;
  const rgba = model.geom_rgba as Float32Array;
  const geomBody = model.geom_bodyid as Int32Array;
  const geoms: Array<RenderGeom | undefined> = [];
  for (let g = 0; g < model.ngeom; g++) {
    const body = geomBody[g] as number;
    const cube = ids.cubes.indexOf(body);
    const hidden = cube >= cubesDrawn;
    const mesh = (rgba[4 * g + 3] as number) > 0 && !hidden ? meshForGeomType(types[g] as number, sizes.subarray(3 * g, 3 * g + 3)) : undefined;
    // Everything but the world's own geoms (table, floor) and the flat target disc casts a shadow.
    const castsShadow = body !== ids.world && body !== ids.target;
    let colour: readonly [number, number, number] = [rgba[4 * g] as number, rgba[4 * g + 1] as number, rgba[4 * g + 2] as number];
    if (cube === 0 && a.cubeColour) colour = a.cubeColour;
    else if (cube > 0 && a.distractors?.[cube - 1]) colour = a.distractors[cube - 1] as readonly [number, number, number];
    else if (g === ids.table && a.tableColour) colour = a.tableColour;
    geoms.push(mesh && { mesh, colour: [...colour] as [number, number, number], castsShadow });
  }
  const shading = shadingFor(a, { ...light, tableColour: TRAINED_TABLE, planeZ: TABLE_TOP_Z });
  const overlays: RenderGeom[] = a.tableChecker
    ? [{ mesh: checkerMesh(a.tableChecker.tileM, TABLE_TOP.x, TABLE_TOP.y, TABLE_TOP_Z), colour: a.tableChecker.colour }]
    : [];
  return { camera: cam, renderer: new SceneRenderer(cam, geoms, shading, overlays), geoms, shading, overlays };
}
