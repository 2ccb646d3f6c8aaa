/**
 * `--propose`'s default: on only when the model's subgoal proposer has stages the scheme's goal
 * images fit (test-tiny's proposer knows at cube, grasped, placed: the paper's and the final
 * scheme fit, the waypoints' hover does not); asked for where they do not fit, one clear error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSettings } from '../../src/cli/planned-run.js';
import { stageMismatch } from '../../src/core/stages.js';
import { parseManifest } from '../../src/model/manifest.js';
import type { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

async function tinyModel(): Promise<OnnxWorldModel> {
  const raw = JSON.parse(await readFile(join(modelDir('test-tiny'), 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { manifest: parseManifest(raw) } as unknown as OnnxWorldModel;
}

describe('stageMismatch', () => {
  const stages = ['at cube', 'grasped', 'placed'];
  it('accepts goals among the stages in order, the last goal whatever its name', () => {
    expect(stageMismatch(stages, ['grasped', 'near target'])).toBeUndefined();
    expect(stageMismatch(stages, ['goal'])).toBeUndefined();
  });
  it('names the goal that is not a stage, or out of order', () => {
    expect(stageMismatch(stages, ['hover', 'placed'])).toMatch(/'hover' is not one of the proposer's stages \(at cube, grasped, placed\)/);
    expect(stageMismatch(stages, ['grasped', 'at cube', 'placed'])).toMatch(/'at cube' comes before an earlier goal/);
  });
});

describe('--propose default', () => {
  it('is on for the schemes whose goals fit the proposer, off for the others', async () => {
    const model = await tinyModel();
    expect(model.manifest.subgoalProposer?.stages).toEqual(['at cube', 'grasped', 'placed']);
    expect(runSettings({ subgoals: 'final' }, model, 'pick-place').propose).toBe(true);
    expect(runSettings({ subgoals: 'waypoints' }, model, 'pick-place').propose).toBe(false);
    expect(runSettings({ subgoals: 'waypoints', propose: 'off' }, model, 'pick-place').propose).toBe(false);
  });

  it('--propose on with goals that do not fit is a one-line error naming the goal', async () => {
    const model = await tinyModel();
    expect(() => runSettings({ subgoals: 'waypoints', propose: 'on' }, model, 'pick-place')).toThrow(
      /--propose on with --subgoals waypoints: goal 'hover' is not one of the proposer's stages/,
    );
  });
});
