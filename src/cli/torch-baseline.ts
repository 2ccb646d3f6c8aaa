/**
 * The PyTorch side of `bench`'s comparison: runs models/jepa_ac/bench_torch.py (the same CEM over
 * the model folder's weights.pt) with Debian's /usr/bin/python3 when it has torch, and returns its
 * ms per plan per setting — or why it could not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

/** The interpreter Debian's python3-torch is installed for (not the first python3 on PATH). */
const SYSTEM_PYTHON = '/usr/bin/python3';
/** Longest the PyTorch baseline may take (it runs every setting's plans serially). */
const TORCH_TIMEOUT_MS = 600_000;

/** One CEM setting to time. */
export interface TorchSetting {
  readonly samples: number;
  readonly iterations: number;
  readonly elites: number;
  readonly horizon: number;
}

/** The baseline's answer: ms per plan per setting (same order), or the reason there is none. */
export type TorchBaseline =
  { readonly ok: true; readonly torch: string; readonly threads: number; readonly planMs: number[] } | { readonly ok: false; readonly reason: string };

/** Times the settings in PyTorch with `threads` intra-op threads over `modelDir`'s weights.pt. */
export function torchBaseline(modelDir: string, settings: readonly TorchSetting[], threads: number, repeats: number): TorchBaseline {
  if (!existsSync(join(modelDir, 'weights.pt'))) return { ok: false, reason: `${modelDir} has no weights.pt (PyTorch weights)` };
  if (!existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `no ${SYSTEM_PYTHON}` };
  const args = ['-m', 'models.jepa_ac.bench_torch', '--model', modelDir, '--threads', String(threads), '--repeats', String(repeats)];
  for (const s of settings) args.push('--setting', `${s.samples}x${s.iterations}e${s.elites}h${s.horizon}`);
  const run = spawnSync(SYSTEM_PYTHON, args, { cwd: projectRoot(), encoding: 'utf8', timeout: TORCH_TIMEOUT_MS });
  if (run.status !== 0) {
    const last = (run.stderr || run.error?.message || '').trim().split('\n').at(-1) ?? '';
    return {
      ok: false,
      reason: /No module named 'torch'/.test(last) ? `${SYSTEM_PYTHON} has no torch (Debian's python3-torch)` : `PyTorch baseline failed: ${last}`,
    };
  }
  const out = JSON.parse(run.stdout) as { torch: string; threads: number; settings: { planMs: number }[] };
  return { ok: true, torch: out.torch, threads: out.threads, planMs: out.settings.map((s) => s.planMs) };
}
