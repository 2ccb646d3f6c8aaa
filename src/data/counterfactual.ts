/**
 * Counterfactual gripper actions for branched data collection: at every step the simulator is
 * also stepped with "the other gripper choice" and the frame it leads to is kept, so a world
 * model can be taught what closing (or not closing) the fingers looks like from real frames
 * instead of from a ranking against its own guesses. The rule matches `gripper_counterfactual`
 * in models/jepa_ac/train.py.
 */
import { GRIPPER_INDEX } from '../../sim/action.js';

/** A change of gripper closedness above this is a gripper event (matches train.py's GRIPPER_EVENT). */
export const GRIPPER_EVENT = 0.1;

/**
 * The other gripper choice for `action` taken at gripper closedness `gripper` (a fresh copy; arm
 * deltas kept): an action that really moves the gripper (its clipped change exceeds
 * {@link GRIPPER_EVENT}) becomes holding (0); any other toggles the gripper fully (close when it is
 * more open than closed, else open).
 */
export function gripperCounterfactual(action: ArrayLike<number>, gripper: number): Float32Array {
  const out = Float32Array.from(action);
  const change = Math.min(1, Math.max(0, gripper + (action[GRIPPER_INDEX] as number))) - gripper;
  out[GRIPPER_INDEX] = Math.abs(change) > GRIPPER_EVENT ? 0 : gripper < 0.5 ? 1 - gripper : -gripper;
  return out;
}
