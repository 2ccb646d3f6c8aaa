/**
 * `jepa-mpc provider-check`: does an execution provider compute what the CPU computes? Loads a
 * model on the CPU and on the named provider, encodes the same seeded frames on both and scores
 * the same seeded in-bound candidates with every rollout graph, and reports the largest
 * differences of latents and energies against a tolerance (fp32 1e-3, fp16 2e-2 by default).
 * Prints a table, or one JSON object with --json; exits 1 when a difference is over tolerance.
 */
import { parseArgs } from 'node:util';
import { createRng } from '../core/rng.js';
import type { Latents } from '../core/types.js';
import type { Precision } from '../model/manifest.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import { PROVIDERS, type Provider } from '../model/worker-protocol.js';
import { modelDir } from '../paths.js';
import { choiceFlag, intFlag, numberFlag } from './args.js';
import { DEFAULT_MODEL, precisionFlag } from './model-flags.js';
import { formatTable } from './table.js';

/** Default tolerances on energies and latents by the model's precision. */
const TOLERANCE: Readonly<Record<Precision, number>> = { fp32: 1e-3, fp16: 2e-2, int8: 5e-2, 'fp16-weights': 5e-3 };
/** Candidates scored per rollout graph. */
const CANDIDATES = 64;

const HELP = `usage: jepa-mpc provider-check --provider NAME [options]

Compares a provider's encoder latents and rollout energies with the CPU's on the same inputs.

options:
  --provider NAME   ${PROVIDERS.filter((p) => p !== 'cpu').join('|')} (required)
  --model DIR       model folder or manifest path (default models/${DEFAULT_MODEL})
  --precision P     the folder's manifest of that precision (default: its manifest.json)
  --tolerance T     largest allowed |difference| (default by the model's precision: ${Object.entries(TOLERANCE)
    .map(([p, t]) => `${p} ${t}`)
    .join(', ')})
  --seed S          seed of the frames and candidates (default 0)
  --json            print one JSON object`;

/** One compared output. */
interface Check {
  readonly what: string;
  readonly maxAbs: number;
  readonly scale: number;
  readonly pass: boolean;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return a.length === b.length ? m : Infinity;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** Entry point of `jepa-mpc provider-check`. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      provider: { type: 'string' },
      model: { type: 'string' },
      precision: { type: 'string' },
      tolerance: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const provider: Provider = choiceFlag('provider', values.provider, PROVIDERS, 'cpu');
  const seed = intFlag('seed', values.seed, 0);
  const dir = values.model ?? modelDir(DEFAULT_MODEL);
  const precision = precisionFlag(values.precision);
  const cpu = await OnnxWorldModel.load(dir, { precision, provider: 'cpu' });
  let other: OnnxWorldModel | undefined;
  try {
    other = await OnnxWorldModel.load(dir, { precision, provider, fallback: 'error' });
    const m = cpu.manifest;
    const tolerance = numberFlag('tolerance', values.tolerance, TOLERANCE[m.precision], 0, 10);
    const rng = createRng(seed);
    const { width, height } = m.encoder.input;
    const frame = () => ({ width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)) });
    const checks: Check[] = [];
    const check = (what: string, a: Float32Array, b: Float32Array) => {
      const d = maxAbsDiff(a, b);
      checks.push({ what, maxAbs: d, scale: maxAbs(a), pass: d <= tolerance });
    };
    const current = frame();
    const goalFrame = frame();
    const [zCpu, zOther] = [await cpu.encode(current), await other.encode(current)];
    check('encoder latents', zCpu.data, zOther.data);
    const goal: Latents = await cpu.encode(goalFrame);
    const state = Float32Array.from({ length: m.state.dim }, (_, i) => (i < 3 ? 0.4 : 0));
    const { lower, upper } = m.planning;
    for (const { horizon } of m.rollout) {
      const A = lower.length;
      const actions = Float32Array.from({ length: CANDIDATES * horizon * A }, (_, i) => {
        const d = i % A;
        return (lower[d] as number) + rng.uniform() * ((upper[d] as number) - (lower[d] as number));
      });
      const inputs = { latents: zCpu, state, goal, horizon };
      const [eCpu, eOther] = [await (await cpu.bind(inputs))(actions, CANDIDATES), await (await other.bind(inputs))(actions, CANDIDATES)];
      check(`rollout energies, horizon ${horizon} (${CANDIDATES} candidates)`, eCpu, eOther);
    }
    const pass = checks.every((c) => c.pass);
    const out = { model: m.name, precision: m.precision, provider: other.provider, tolerance, pass, checks };
    if (values.json) console.log(JSON.stringify(out));
    else {
      console.log(`${m.name} (${m.precision}): ${other.provider} vs cpu, tolerance ${tolerance}\n`);
      console.log(
        formatTable(
          ['output', 'max |diff|', 'max |cpu value|', 'ok'],
          checks.map((c) => [c.what, c.maxAbs.toExponential(2), c.scale.toPrecision(3), c.pass ? 'yes' : 'NO']),
        ),
      );
    }
    return pass ? 0 : 1;
  } finally {
    await cpu.close();
    await other?.close();
  }
}
