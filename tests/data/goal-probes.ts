/**
 * Probes of a shipped sim model against the scripted expert's goal images, in the trained world
 * (an empty perturbation) or a changed one (frames and goals drawn through the same perturbed
 * simulator, as `eval` does):
 * - the direction probe: from a layout's first frame, a step toward the expert's reach goal
 *   against the same step away from it; an energy that holds across looks scores toward lower;
 * - the readout check: the goal readout reads each waypoint goal image's fingers right.
 */
import { expect } from 'vitest';
import { runExpertEpisode } from '../../sim/expert.js';
import { perturbedOptions, type Perturbation } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, TabletopSim } from '../../sim/tabletop.js';
import { expertGoals } from '../../src/loop/goals.js';
import type { OnnxWorldModel } from '../../src/model/onnx-world-model.js';

/** One layout's energies of the step toward and the step away. */
export interface DirectionProbe {
  readonly seed: number;
  readonly toward: number;
  readonly away: number;
}

/** Probes each seed with steps of `stepM` along the largest axis (the others in proportion). */
export async function probeDirections(model: OnnxWorldModel, perturbation: Perturbation, seeds: readonly number[], stepM: number): Promise<DirectionProbe[]> {
  const size = model.manifest.encoder.input.height;
  const base = { task: 'reach' as const, camera: { width: size, height: size }, shadows: model.manifest.simulator.shadows };
  const out: DirectionProbe[] = [];
  for (const seed of seeds) {
    const options = perturbedOptions(base, perturbation, DEFAULT_CAMERA, seed);
    const sim = await TabletopSim.create(options);
    const goalSim = await TabletopSim.create(options);
    try {
      const expert = runExpertEpisode(goalSim, seed, { keepObservations: true, extraSteps: 2 });
      const goalObs = expert.observations[expert.observations.length - 1];
      if (!goalObs) throw new Error('no goal frame');
      const obs = sim.reset(seed);
      const d = [0, 1, 2].map((i) => (goalObs.state[i] as number) - (obs.state[i] as number));
      const s = stepM / Math.max(...d.map(Math.abs));
      const toward = [d[0]! * s, d[1]! * s, d[2]! * s, 0, 0, 0, 0];
      const energy = await model.bind({
        latents: await model.encode({ width: obs.width, height: obs.height, data: obs.rgb }),
        goal: await model.encodeGoal({ width: goalObs.width, height: goalObs.height, data: goalObs.rgb }),
        state: Float32Array.from(obs.state),
        horizon: 1,
      });
      const [t, a] = await energy(Float32Array.from([...toward, ...toward.map((v) => -v)]), 2);
      out.push({ seed, toward: t as number, away: a as number });
    } finally {
      sim.close();
      goalSim.close();
    }
  }
  return out;
}

/** Whether the fingers are closed in each waypoint goal image. */
const WAYPOINT_CLOSED: Readonly<Record<string, boolean>> = { hover: false, 'at cube': false, grasped: true, 'near target': true, lowered: true, placed: false };

/** Expects the goal readout to read every waypoint goal image of each seed right: closed above 0.8, open below 0.2. */
export async function expectWaypointReadouts(model: OnnxWorldModel, perturbation: Perturbation, seeds: readonly number[]): Promise<void> {
  const size = model.manifest.encoder.input.height;
  const base = { task: 'pick-place' as const, camera: { width: size, height: size }, shadows: model.manifest.simulator.shadows };
  for (const seed of seeds) {
    const goals = await expertGoals(perturbedOptions(base, perturbation, DEFAULT_CAMERA, seed), 'pick-place', seed, { alignYaw: false }, 'waypoints');
    for (const [k, frame] of goals.frames.entries()) {
      const name = goals.names[k] as string;
      const g = (await model.encodeGoal(frame)).gripperReadout as number;
      expect(WAYPOINT_CLOSED, name).toHaveProperty([name]);
      if (WAYPOINT_CLOSED[name]) expect(g, `${name}, seed ${seed}`).toBeGreaterThan(0.8);
      else expect(g, `${name}, seed ${seed}`).toBeLessThan(0.2);
    }
  }
}
