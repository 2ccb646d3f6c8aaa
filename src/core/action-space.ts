/**
 * The searchable action space: per-dimension bounds, pinned (not searched) dimensions and the
 * gripper snap rule of the V-JEPA 2-AC planner (a planned gripper change with |value| below the
 * snap threshold becomes 0, so the gripper only moves on a clear decision).
 */

/** Bounds and rules of one action vector of `lower.length` dimensions. */
export interface ActionSpace {
  /** Per-dimension lower bounds [A]. */
  readonly lower: readonly number[];
  /** Per-dimension upper bounds [A]. */
  readonly upper: readonly number[];
  /** Dimensions fixed to 0 (e.g. rotations [3, 4, 5]). */
  readonly pinned: readonly number[];
  /** Index of the gripper dimension, or null. */
  readonly gripperIndex: number | null;
  /** |gripper| below this is snapped to 0 (0 disables). */
  readonly gripperSnap: number;
  /**
   * 0: the gripper is whatever the search found (then snapped). > 0: after the search, the first
   * action's gripper is settled by scoring hold, fully open and fully close on the found arm
   * motion; a change must bring the energy below (1 − gripperMargin) × the hold's (hysteresis).
   */
  readonly gripperMargin: number;
}

/**
 * The contract's 7-D end-effector action (and state) layout, named once: translation Δx, Δy, Δz
 * (m), rotation Δroll, Δpitch, Δyaw (rad), gripper closedness change.
 */
export const ACTION_LAYOUT = Object.freeze({
  xyz: Object.freeze([0, 1, 2] as const),
  rpy: Object.freeze([3, 4, 5] as const),
  gripper: 6,
  dim: 7,
} as const);

/** The paper's 7-D end-effector action space: ±0.075 m xyz, rotations pinned, gripper ±0.75, snap 0.25, no hysteresis. */
export const PAPER_ACTION_SPACE: ActionSpace = Object.freeze({
  lower: Object.freeze([-0.075, -0.075, -0.075, 0, 0, 0, -0.75]),
  upper: Object.freeze([0.075, 0.075, 0.075, 0, 0, 0, 0.75]),
  pinned: Object.freeze([...ACTION_LAYOUT.rpy]),
  gripperIndex: ACTION_LAYOUT.gripper,
  gripperSnap: 0.25,
  gripperMargin: 0,
});

/** Number of dimensions of an action space. */
export function actionDim(space: ActionSpace): number {
  return space.lower.length;
}

/**
 * Checks an action space for consistency.
 * @throws RangeError naming the offending field and value.
 */
export function validateActionSpace(space: ActionSpace): void {
  const a = space.lower.length;
  if (a === 0) throw new RangeError('action space has no dimensions');
  if (space.upper.length !== a) throw new RangeError(`upper has ${space.upper.length} entries, lower has ${a}`);
  for (let i = 0; i < a; i++) {
    const lo = space.lower[i] as number;
    const hi = space.upper[i] as number;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`bound ${i} is not finite: [${lo}, ${hi}]`);
    if (hi < lo) throw new RangeError(`bound ${i}: upper ${hi} < lower ${lo}`);
  }
  for (const d of space.pinned) {
    if (!Number.isInteger(d) || d < 0 || d >= a) throw new RangeError(`pinned dimension ${d} out of range [0, ${a})`);
  }
  const g = space.gripperIndex;
  if (g !== null && (!Number.isInteger(g) || g < 0 || g >= a)) throw new RangeError(`gripperIndex ${g} out of range [0, ${a})`);
  if (!(space.gripperSnap >= 0)) throw new RangeError(`gripperSnap must be >= 0, got ${space.gripperSnap}`);
  if (!(space.gripperMargin >= 0 && space.gripperMargin < 1)) throw new RangeError(`gripperMargin must be in [0, 1), got ${space.gripperMargin}`);
}

/** A per-dimension mask [A]: 1 where the dimension is searched, 0 where pinned. */
export function searchMask(space: ActionSpace): Float32Array {
  const mask = new Float32Array(space.lower.length).fill(1);
  for (const d of space.pinned) mask[d] = 0;
  return mask;
}

/**
 * Clamps every action of a [count, A] buffer into the bounds and zeroes pinned dimensions, in
 * place. NaN entries become 0 (then clamped), so nothing non-finite leaves this function.
 */
export function clampActions(actions: Float32Array, space: ActionSpace): void {
  const a = space.lower.length;
  const mask = searchMask(space);
  for (let i = 0; i < actions.length; i++) {
    const d = i % a;
    let v = actions[i] as number;
    if (Number.isNaN(v) || mask[d] === 0) v = 0;
    const lo = space.lower[d] as number;
    const hi = space.upper[d] as number;
    actions[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** Applies the gripper snap rule to one action [A] in place. */
export function snapGripper(action: Float32Array, space: ActionSpace): void {
  const g = space.gripperIndex;
  if (g === null) return;
  if (Math.abs(action[g] as number) < space.gripperSnap) action[g] = 0;
}
