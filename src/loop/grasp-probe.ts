/**
 * The grasp probe: with the fingers open around the cube at the grasp pose, does the model want
 * to close them? A horizon-1 planner closes the gripper only when the predicted energy of a
 * closing action is below that of holding still. The probe reports both, and the energies of
 * the real frames before and after closing (what a perfect predictor would predict), so a model
 * that sees the fingers but cannot predict them is told apart from one that cannot see them.
 */
import { simFrame } from './sim-frame.js';
import type { TabletopSim } from '../../sim/tabletop.js';
import { withGoalGripper } from '../core/mpc.js';
import { resolveActionSpace } from '../model/planner-settings.js';
import type { RgbImage } from '../model/image.js';
import type { WorldModel } from '../model/world-model.js';
import { latentDistance } from '../core/latent-distance.js';
import { driveTo } from './landscape.js';

/** Energies to the grasp goal image at the grasp pose. */
export interface GraspProbe {
  /** The frame with the fingers open. */
  readonly open: number;
  /** The frame after one closing action. */
  readonly closed: number;
  /** Predicted for the closing action (the planner's energy: with the goal-gripper term when on). */
  readonly predictedClose: number;
  /** Predicted for holding still (likewise). */
  readonly predictedHold: number;
  /** The goal readout's closedness of the goal image (models with a goal readout), else null. */
  readonly goalGripper: number | null;
  /** The closing action's gripper delta. */
  readonly closeDelta: number;
  /** Whether the closed fingers hold the cube (simulator truth: the pose was right). */
  readonly held: boolean;
}

/**
 * Drives the arm (from the seed's reset, fingers open) to `position`, scores closing against
 * holding with the model's shortest rollout as the planner scores them (the goal-gripper term of
 * `goalGripperWeight`, default the manifest's, included), then closes and scores the real frame.
 * @throws RangeError when the model plans no gripper (`planning.gripperIndex` null).
 */
export async function graspProbe(
  sim: TabletopSim,
  model: WorldModel,
  goal: RgbImage,
  position: ArrayLike<number>,
  seed: number,
  goalGripperWeight = model.manifest.planning.goalGripperWeight,
): Promise<GraspProbe> {
  const m = model.manifest;
  const g = m.planning.gripperIndex;
  if (g === null) throw new RangeError(`model '${m.name}' plans no gripper (planning.gripperIndex is null)`);
  const closeDelta = m.planning.upper[g] as number;
  const goalLatents = await model.encodeGoal(goal);
  sim.reset(seed);
  const { frame } = driveTo(sim, position);
  const latents = await model.encode(frame);
  const horizon = Math.min(...m.rollout.map((r) => r.horizon));
  const A = m.action.dim;
  // Two candidates: close on the first step, or hold; both hold afterwards.
  const actions = new Float32Array(2 * horizon * A);
  actions[g] = closeDelta;
  const inputs = { latents, state: Float32Array.from(sim.state()), goal: goalLatents, horizon };
  const energy = withGoalGripper(await model.bind(inputs), inputs, resolveActionSpace(m), horizon, goalGripperWeight);
  const [predictedClose, predictedHold] = await energy(actions, 2);
  const close = new Float64Array(A);
  close[g] = closeDelta;
  const after = sim.step(close);
  return {
    open: latentDistance(latents, goalLatents),
    closed: latentDistance(await model.encode(simFrame(after)), goalLatents),
    predictedClose: predictedClose as number,
    predictedHold: predictedHold as number,
    closeDelta,
    held: after.task.held,
    goalGripper: goalLatents.gripperReadout ?? null,
  };
}
