/**
 * Quick closed-loop sanity check of a world model on the built-in simulator's reach task:
 *
 *   npx tsx scripts/reach-check.ts --model models/sim-jepa-ac --episodes 10 --seed 1000 \
 *       [--samples 200 --iterations 5 --elites 10 --horizon 1 --max-steps 20] [--json] [--verbose]
 *
 * Goal images come from the scripted expert run from the same layout in a second simulator; the
 * planner sees camera frames and the 7-D state only. Prints one line per episode and a summary.
 */
import { parseArgs } from 'node:util';
import { TabletopSim } from '../sim/tabletop.js';
import { MpcPlanner } from '../src/core/mpc.js';
import { createRng } from '../src/core/rng.js';
import { runGoalEpisode } from '../src/loop/reach-loop.js';
import { OnnxWorldModel } from '../src/model/onnx-world-model.js';
import { plannerConfigFor } from '../src/model/planner-config.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/sim-jepa-ac' },
    episodes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1000' },
    samples: { type: 'string' },
    iterations: { type: 'string' },
    elites: { type: 'string' },
    horizon: { type: 'string' },
    optimizer: { type: 'string' },
    'max-steps': { type: 'string', default: '20' },
    task: { type: 'string', default: 'reach' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

const model = await OnnxWorldModel.load(values.model);
const m = model.manifest;
const size = m.encoder.input.height;
const task = values.task === 'pick-place' ? 'pick-place' : 'reach';
const sim = await TabletopSim.create({ task, camera: { width: size, height: size } });
const goalSim = await TabletopSim.create({ task, camera: { width: size, height: size } });
const config = plannerConfigFor(m, {
  samples: num(values.samples),
  iterations: num(values.iterations),
  elites: num(values.elites),
  horizon: num(values.horizon),
  optimizer: values.optimizer === 'mppi' ? 'mppi' : values.optimizer === 'cem' ? 'cem' : undefined,
});
const episodes = Number(values.episodes);
const seed0 = Number(values.seed);
const results = [];
try {
  for (let k = 0; k < episodes; k++) {
    const planner = new MpcPlanner(model, config, { rng: createRng(seed0 + k), clock: () => performance.now() });
    const onStep = values.verbose
      ? (s: { step: number; action: Float32Array; energy: number; tcpToTarget: number }) =>
        console.log(`  step ${s.step}  action ${Array.from(s.action, (v) => v.toFixed(3)).join(' ')}  energy ${s.energy.toFixed(4)}  tcp→target ${(100 * s.tcpToTarget).toFixed(1)} cm`)
      : undefined;
    const r = await runGoalEpisode({ sim, goalSim, model, planner, seed: seed0 + k, maxSteps: Number(values['max-steps']), onStep });
    results.push(r);
    if (!values.json) {
      console.log(`seed ${r.seed}  ${r.success ? 'success' : 'FAIL   '}  steps ${String(r.steps).padStart(2)}  start ${(100 * r.startDistance).toFixed(1)} cm  final ${(100 * r.finalDistance).toFixed(1)} cm  best ${(100 * r.bestDistance).toFixed(1)} cm  ${r.meanPlanMs.toFixed(0)} ms/plan${r.expertSuccess ? '' : '  (expert failed)'}`);
    }
  }
} finally {
  sim.close();
  goalSim.close();
  await model.close();
}
const successes = results.filter((r) => r.success).length;
const summary = {
  task,
  model: m.name,
  episodes,
  successes,
  successRate: successes / episodes,
  meanSteps: results.reduce((s, r) => s + r.steps, 0) / episodes,
  meanFinalCm: (100 * results.reduce((s, r) => s + r.finalDistance, 0)) / episodes,
  meanStartCm: (100 * results.reduce((s, r) => s + r.startDistance, 0)) / episodes,
  meanPlanMs: results.reduce((s, r) => s + r.meanPlanMs, 0) / episodes,
  planner: { optimizer: config.optimizer, samples: config.cem.samples, iterations: config.cem.iterations, elites: config.cem.elites, horizon: config.cem.horizon },
};
console.log(values.json ? JSON.stringify(summary) : `${task}: ${successes}/${episodes} (${(100 * summary.successRate).toFixed(0)}%), mean final ${summary.meanFinalCm.toFixed(1)} cm from mean start ${summary.meanStartCm.toFixed(1)} cm, ${summary.meanPlanMs.toFixed(0)} ms/plan, ${JSON.stringify(summary.planner)}`);
