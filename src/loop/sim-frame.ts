/**
 * The frame a world model sees of the built-in simulator: the front camera's image, and beside it
 * the wrist camera's when the simulator draws one (a two-view model's composite,
 * src/model/views.ts). A simulator is created with `wrist` exactly when the model's views include it
 * ({@link simViewsOptions}), so the frame always holds the model's views.
 */
import type { Observation, TabletopOptions } from '../../sim/tabletop.js';
import type { RgbImage } from '../model/image.js';
import { modelViews, type Manifest } from '../model/manifest.js';
import { tileViews } from '../model/views.js';

/** The model's frame of an observation (`copy`: a fresh buffer rather than a view of the observation's). */
export function simFrame(o: Pick<Observation, 'rgb' | 'wristRgb' | 'width' | 'height'>, copy = false): RgbImage {
  const front = { width: o.width, height: o.height, data: copy ? o.rgb.slice() : o.rgb };
  if (o.wristRgb === undefined) return front;
  return tileViews([front, { width: o.width, height: o.height, data: o.wristRgb }], 2, o.width, o.height);
}

/**
 * The simulator options a model's views need: `wrist` when they include the hand camera.
 * @throws RangeError for a view order the simulator cannot produce (front must come first).
 */
export function simViewsOptions(m: Manifest): Pick<TabletopOptions, 'wrist'> {
  const { views } = modelViews(m);
  if (views[0] !== 'front' || views.length > 2) throw new RangeError(`the simulator draws views front[, wrist]; model '${m.name}' takes ${views.join(', ')}`);
  return { wrist: views.includes('wrist') };
}
