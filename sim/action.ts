/**
 * The simulator's action contract: validation and per-step clamping of the 7-D end-effector
 * delta [Δx, Δy, Δz (m), Δroll, Δpitch, Δyaw (rad, extrinsic xyz Euler of R_{t+1}·R_tᵀ),
 * Δgripper closedness], and the step status codes. Pure functions, no physics.
 */
import { ACTION_LAYOUT } from '../src/core/action-space.js';

/** Length of actions and states. */
export const ACTION_DIM = ACTION_LAYOUT.dim;
/** Index of the gripper closedness in states (and of its change in actions). */
export const GRIPPER_INDEX = ACTION_LAYOUT.gripper;

/** Status codes reported with every observation. */
export const SIM_STATUS = {
  /** The action was applied as given. */
  OK: 'OK',
  /** Some components exceeded the per-step bounds and were clamped before use. */
  ACTION_CLAMPED: 'ACTION_CLAMPED',
  /** The resulting tool target left the workspace box and was clamped to it. */
  WORKSPACE_LIMIT: 'WORKSPACE_LIMIT',
  /** The action was rejected (wrong length, NaN or infinite); the physics did not advance. */
  INVALID_ACTION: 'INVALID_ACTION',
  /** Observation of a reset (no action yet). */
  RESET: 'RESET',
} as const;

/** One of {@link SIM_STATUS}. */
export type SimStatusCode = (typeof SIM_STATUS)[keyof typeof SIM_STATUS];

/** A status code with a human-readable message. */
export interface SimStatus {
  code: SimStatusCode;
  message: string;
}

/** Per-step action bounds (symmetric, absolute values); every field has a default. */
export interface ActionBounds {
  /** Largest |Δx|, |Δy|, |Δz| per step (m, default 0.075). */
  translation?: number;
  /** Largest |Δroll|, |Δpitch|, |Δyaw| per step (rad, default 0.3). */
  rotation?: number;
  /** Largest |Δgripper| per step (default 1). */
  gripper?: number;
}

/** Defaults of {@link ActionBounds}. */
export const DEFAULT_ACTION_BOUNDS: Required<ActionBounds> = { translation: 0.075, rotation: 0.3, gripper: 1 };

const AXIS_NAMES = ['dx', 'dy', 'dz', 'droll', 'dpitch', 'dyaw', 'dgripper'] as const;

/** Result of {@link checkAction}: either a usable (possibly clamped) action or a rejection. */
export type CheckedAction = { ok: true; action: Float64Array; clamped: boolean; status: SimStatus } | { ok: false; status: SimStatus };

/** Checks the per-step bounds themselves. @throws RangeError for non-positive or non-finite bounds. */
export function resolveBounds(bounds: ActionBounds = {}): Required<ActionBounds> {
  const b = { ...DEFAULT_ACTION_BOUNDS, ...bounds };
  for (const [name, v] of Object.entries(b)) {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`action bound '${name}' must be a finite number > 0, got ${String(v)}`);
  }
  return b;
}

/**
 * Validates an action and clamps it to the bounds. Rejects anything that is not 7 finite numbers.
 * @param action any value from the caller.
 */
export function checkAction(action: unknown, bounds: Required<ActionBounds>): CheckedAction {
  if (!(Array.isArray(action) || ArrayBuffer.isView(action)) || (action as ArrayLike<unknown>).length !== ACTION_DIM) {
    const length = action !== null && typeof action === 'object' && 'length' in action ? String((action as { length: unknown }).length) : typeof action;
    return { ok: false, status: { code: SIM_STATUS.INVALID_ACTION, message: `action must be ${ACTION_DIM} numbers, got length ${length}` } };
  }
  const values = action as ArrayLike<unknown>;
  const out = new Float64Array(ACTION_DIM);
  const clampedAxes: string[] = [];
  for (let i = 0; i < ACTION_DIM; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return { ok: false, status: { code: SIM_STATUS.INVALID_ACTION, message: `action[${i}] (${AXIS_NAMES[i]}) is not a finite number: ${String(v)}` } };
    }
    const limit = i < 3 ? bounds.translation : i < 6 ? bounds.rotation : bounds.gripper;
    const c = Math.min(limit, Math.max(-limit, v));
    if (c !== v) clampedAxes.push(`${AXIS_NAMES[i]} ${v.toPrecision(4)}→${c.toPrecision(4)}`);
    out[i] = c;
  }
  if (clampedAxes.length > 0) {
    return { ok: true, action: out, clamped: true, status: { code: SIM_STATUS.ACTION_CLAMPED, message: `clamped to bounds: ${clampedAxes.join(', ')}` } };
  }
  return { ok: true, action: out, clamped: false, status: { code: SIM_STATUS.OK, message: 'ok' } };
}
