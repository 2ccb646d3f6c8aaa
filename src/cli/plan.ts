/**
 * `jepa-mpc plan`: plan one action from a current frame and a goal frame (PNG files) with a world
 * model, the way the node does each cycle. Prints the action, its energy and the timings.
 */
import { parseArgs } from 'node:util';
import { MpcPlanner } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { PlannerStatus, statusName } from '../core/status.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';
import { PLANNER_FLAG_HELP, PLANNER_FLAG_OPTIONS, plannerFromFlags } from './planner-flags.js';
import { readPngFile } from './png-file.js';
import { MODEL_HELP, MODEL_OPTIONS, loadModelFromFlags } from './model-flags.js';

const HELP = `usage: jepa-mpc plan --current FRAME.png --goal GOAL.png [options]

options:
  --current FILE       current camera frame (PNG)
  --goal FILE          goal image (PNG)
  --state LIST         end-effector state, comma-separated (default: zeros)
${PLANNER_FLAG_HELP}
  --seed S             planner seed (default 0)
${MODEL_HELP}
  --json               print one JSON object`;

function parseState(text: string | undefined, dim: number): Float32Array {
  if (text === undefined) return new Float32Array(dim);
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length !== dim || values.some((v) => !Number.isFinite(v))) {
    throw new CliError(`--state must be ${dim} comma-separated finite numbers, got '${text}'`);
  }
  return Float32Array.from(values);
}

/** Entry point of `jepa-mpc plan`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      current: { type: 'string' },
      goal: { type: 'string' },
      state: { type: 'string' },
      ...PLANNER_FLAG_OPTIONS,
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.current || !values.goal) throw new CliError('--current and --goal are required (see --help)');
  const [current, goalImage] = await Promise.all([readPngFile(values.current, 'the current frame'), readPngFile(values.goal, 'a goal image')]);
  const model = await loadModelFromFlags(values);
  try {
    const m = model.manifest;
    const config = plannerFromFlags(m, values);
    const planner = new MpcPlanner(model, config, { rng: createRng(intFlag('seed', values.seed, 0)), clock: () => performance.now() });
    const [latents, goal] = await Promise.all([model.encode(current), model.encodeGoal(goalImage)]);
    const result = await planner.step({ latents, goal, state: parseState(values.state, m.state.dim) });
    const out = {
      status: statusName(result.status),
      message: result.message,
      action: Array.from(result.action, (v) => Math.round(v * 1e5) / 1e5),
      actionNames: m.action.names,
      energy: result.energy,
      eliteEnergies: result.eliteEnergies,
      timings: result.timings,
      provider: model.provider,
    };
    if (values.json) console.log(JSON.stringify(out));
    else {
      console.log(`status   ${out.status} (${out.message})`);
      console.log(`action   ${m.action.names.map((n, i) => `${n}=${out.action[i]}`).join(' ')}`);
      console.log(`energy   ${result.energy.toFixed(5)} (elite mean by iteration: ${result.eliteEnergies.map((e) => e.toFixed(4)).join(' ')})`);
      console.log(`time     ${result.timings.totalMs.toFixed(1)} ms (model ${result.timings.modelMs.toFixed(1)} ms) on ${model.provider}`);
    }
    return result.status === PlannerStatus.OK ? 0 : 1;
  } finally {
    await model.close();
  }
}
