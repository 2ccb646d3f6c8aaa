/**
 * Flags shared by commands that load a world model (--model, --precision, --provider, --fallback,
 * --threads) and the loader that turns them into an {@link OnnxWorldModel}.
 */
import type { ParseArgsConfig } from 'node:util';
import { PRECISIONS, type Precision } from '../model/manifest.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import { DEFAULT_RUN_TIMEOUT_MS, PROVIDERS, type Provider } from '../model/worker-protocol.js';
import { modelDir } from '../paths.js';
import { PARAMETERS } from '../node/parameters.js';
import { choiceFlag, intFlag, numberFlag, onOffFlag } from './args.js';

/** The model used when --model is not given. */
export const DEFAULT_MODEL = 'test-tiny';

/** parseArgs option specs of the model flags. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  precision: { type: 'string' },
  provider: { type: 'string' },
  fallback: { type: 'string' },
  threads: { type: 'string' },
  'run-timeout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help text of the model flags. */
export const MODEL_HELP = [
  `  --model DIR          world-model folder with manifest.json (default models/${DEFAULT_MODEL})`,
  `  --precision P        ${PRECISIONS.join('|')}: the folder's manifest of that precision`,
  '                       (manifest.json where that is its default, else manifest-P.json; default',
  '                       manifest.json; models/sim-jepa-ac: int8 rollouts, fp32 with --precision fp32)',
  `  --provider NAME      ${PROVIDERS.join('|')} (default cpu)`,
  '  --fallback MODE      error|cpu: what to do when the provider is unavailable (default error)',
  '  --threads N          onnxruntime intra-op threads (default: its own choice)',
  `  --run-timeout S      a model run not answered within S seconds is a hung worker: restarted (0 = never; default ${DEFAULT_RUN_TIMEOUT_MS / 1000})`,
].join('\n');

/** `--precision`: one of {@link PRECISIONS}, or undefined (the folder's default manifest). @throws CliError for anything else. */
export function precisionFlag(value: string | undefined): Precision | undefined {
  return value === undefined ? undefined : choiceFlag('precision', value, PRECISIONS, 'fp32');
}

/** Loads the model the flags name. */
export function loadModelFromFlags(values: {
  model?: string;
  precision?: string;
  provider?: string;
  fallback?: string;
  threads?: string;
  'run-timeout'?: string;
  'goal-readout'?: string;
}): Promise<OnnxWorldModel> {
  const provider: Provider = choiceFlag('provider', values.provider, PROVIDERS, 'cpu');
  const fallback = choiceFlag('fallback', values.fallback, ['error', 'cpu'] as const, 'error');
  const intraOpThreads = intFlag('threads', values.threads, 0, 0, 256);
  const goalReadout = onOffFlag('goal-readout', values['goal-readout'], true);
  const runTimeoutMs = 1000 * numberFlag('run-timeout', values['run-timeout'], DEFAULT_RUN_TIMEOUT_MS / 1000, 0, PARAMETERS.model_timeout_s.max);
  const precision = precisionFlag(values.precision);
  return OnnxWorldModel.load(values.model ?? modelDir(DEFAULT_MODEL), { precision, provider, fallback, intraOpThreads, goalReadout, runTimeoutMs });
}
