/**
 * The grasp probe of a shipped sim model at the expert's grasp pose, toward two of the seed's
 * waypoint goal images: 'grasped' (closing wanted) and the open 'at cube' (holding wanted). The
 * simulator draws what the model takes (its view size, shadows and views), as `eval` does.
 */
import { TabletopSim } from '../../sim/tabletop.js';
import { expertGoals } from '../../src/loop/goals.js';
import { graspProbe, type GraspProbe } from '../../src/loop/grasp-probe.js';
import { simViewsOptions } from '../../src/loop/sim-frame.js';
import { modelViews } from '../../src/model/manifest.js';
import type { OnnxWorldModel } from '../../src/model/onnx-world-model.js';

/** One seed's probes toward the 'grasped' and the 'at cube' goal images. */
export interface GraspGoalProbes {
  readonly seed: number;
  readonly grasped: GraspProbe;
  readonly atCube: GraspProbe;
}

/** Probes each seed; `goalGripperWeight` as graspProbe's (default: the manifest's). */
export async function probeGraspGoals(model: OnnxWorldModel, seeds: readonly number[], goalGripperWeight?: number): Promise<GraspGoalProbes[]> {
  const m = model.manifest;
  const { width, height } = modelViews(m);
  const options = { task: 'pick-place' as const, camera: { width, height }, shadows: m.simulator.shadows, ...simViewsOptions(m) };
  const sim = await TabletopSim.create(options);
  try {
    const out: GraspGoalProbes[] = [];
    for (const seed of seeds) {
      const goals = await expertGoals(options, 'pick-place', seed, { alignYaw: false }, 'waypoints');
      const at = goals.tcpPositions[goals.names.indexOf('grasped')]!;
      const probe = (name: string) => graspProbe(sim, model, goals.frames[goals.names.indexOf(name)]!, at, seed, goalGripperWeight);
      out.push({ seed, grasped: await probe('grasped'), atCube: await probe('at cube') });
    }
    return out;
  } finally {
    sim.close();
  }
}
