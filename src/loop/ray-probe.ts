/**
 * The depth probe: how much the energy to a goal image rises when the tool is displaced ALONG the
 * camera's viewing ray through the goal position, against the same displacement ACROSS the ray
 * (image-horizontal and image-vertical). A single exocentric camera sees motion along its ray
 * only through small cues (perspective size, occlusion, the arm's configuration), so a model can
 * be precise across the image and blind in depth. Reaching tolerates that (4 cm); grasping does
 * not (about 1.5 cm), which is what this probe measured on the shipped model (see its card).
 */
import type { TabletopSim } from '../../sim/tabletop.js';
import type { RgbImage } from '../model/image.js';
import type { WorldModel } from '../model/world-model.js';
import { latentDistance } from '../core/latent-distance.js';
import { driveTo } from './landscape.js';

/** Default displacement (m). */
export const RAY_PROBE_DISTANCE = 0.04;
/** A displacement counts when the tool got within this of its target (m). */
const REACH_TOLERANCE = 0.01;

type Vec3 = [number, number, number];

/** Unit directions at a point seen by a camera at `eye`: along the ray, image-horizontal, image-vertical. */
export function viewDirections(eye: ArrayLike<number>, point: ArrayLike<number>): { along: Vec3; horizontal: Vec3; vertical: Vec3 } {
  const norm = (v: Vec3): Vec3 => {
    const n = Math.hypot(...v);
    return [v[0] / n, v[1] / n, v[2] / n];
  };
  const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const along = norm([0, 1, 2].map((i) => (point[i] as number) - (eye[i] as number)) as Vec3);
  const horizontal = norm(cross(along, [0, 0, 1]));
  return { along, horizontal, vertical: norm(cross(horizontal, along)) };
}

/** Mean energies of ± displacements per direction (NaN where the arm could not get there). */
export interface RayProbe {
  readonly distance: number;
  readonly along: number;
  readonly horizontal: number;
  readonly vertical: number;
}

/**
 * Drives the arm (from the seed's reset) to the goal position displaced by ±`distance` along each
 * view direction and takes the energy of the frame to the goal image.
 */
export async function rayProbe(
  sim: TabletopSim,
  model: WorldModel,
  goal: RgbImage,
  goalPosition: ArrayLike<number>,
  seed: number,
  distance = RAY_PROBE_DISTANCE,
): Promise<RayProbe> {
  const goalLatents = await model.encodeGoal(goal);
  const dirs = viewDirections(sim.camera.spec.eye, goalPosition);
  const energyAlong = async (dir: Vec3): Promise<number> => {
    let sum = 0;
    for (const sign of [-1, 1]) {
      sim.reset(seed);
      const target = [0, 1, 2].map((i) => (goalPosition[i] as number) + sign * distance * dir[i]!);
      const { frame, position } = driveTo(sim, target);
      if (Math.hypot(...[0, 1, 2].map((i) => (position[i] as number) - (target[i] as number))) > REACH_TOLERANCE) return NaN;
      sum += latentDistance(await model.encode(frame), goalLatents);
    }
    return sum / 2;
  };
  return { distance, along: await energyAlong(dirs.along), horizontal: await energyAlong(dirs.horizontal), vertical: await energyAlong(dirs.vertical) };
}
