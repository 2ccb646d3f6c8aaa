/**
 * Flags shared by commands that load a world model (--model, --provider, --fallback, --threads)
 * and the loader that turns them into an {@link OnnxWorldModel}.
 */
import type { ParseArgsConfig } from 'node:util';
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
  provider: { type: 'string' },
  fallback: { type: 'string' },
  threads: { type: 'string' },
  'run-timeout': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help text of the model flags. */
export const MODEL_HELP = [
  `  --model DIR          world-model folder with manifest.json (default models/${DEFAULT_MODEL})`,
  `  --provider NAME      ${PROVIDERS.join('|')} (default cpu)`,
  '  --fallback MODE      error|cpu: what to do when the provider is unavailable (default error)',
  '  --threads N          onnxruntime intra-op threads (default: its own choice)',
  `  --run-timeout S      a model run not answered within S seconds is a hung worker: restarted (0 = never; default ${DEFAULT_RUN_TIMEOUT_MS / 1000})`,
].join('\n');

/** Loads the model the flags name. */
export function loadModelFromFlags(values: {
  model?: string;
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
  return OnnxWorldModel.load(values.model ?? modelDir(DEFAULT_MODEL), { provider, fallback, intraOpThreads, goalReadout, runTimeoutMs });
}
