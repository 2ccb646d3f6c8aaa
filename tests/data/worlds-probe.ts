/**
 * The direction probe of a world model in a changed world: from a layout's first frame, a step
 * toward the scripted expert's reach goal against the same step away from it, both frames drawn
 * under one perturbation (the goal photographed through the changed camera and light, as `eval`
 * does). A model whose energy holds across looks scores the step toward lower.
 */
import { runExpertEpisode } from '../../sim/expert.js';
import { perturbedOptions, type Perturbation } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, TabletopSim } from '../../sim/tabletop.js';
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
