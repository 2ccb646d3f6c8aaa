/**
 * The optional subgoal proposer (manifest `subgoalProposer`, proposer.onnx): onnxruntime-node
 * reproduces the PyTorch outputs the exporter wrote (proposer-parity.json); proposeStages gives
 * one LayerNormed latent per stage with the proposed closedness, the goal last; a model without
 * one, or with a proposer that breaks the contract, is refused clearly; `--propose` follows the
 * model and the task.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettings } from '../../src/cli/planned-run.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { expectModelError, modelVariant } from './model-folders.js';

const TINY = modelDir('test-tiny');

interface ProposerParity {
  format: string;
  tolerance: number;
  latents: number[];
  goal: number[];
  state: number[];
  subgoals: number[];
  grippers: number[];
  /** Conditional proposers: the given stages [K, N, D] and their mask [K]. */
  given?: number[];
  given_mask?: number[];
}

describe.each([
  ['test-tiny', TINY],
  ['test-tiny-wrist (two views)', modelDir('test-tiny-wrist')],
  ['sim-jepa-ac (shipped)', modelDir('sim-jepa-ac')],
  ['sim-jepa-ac-wrist (shipped, two views)', modelDir('sim-jepa-ac-wrist')],
  ['sim-jepa-ac-worlds (shipped, randomised worlds)', modelDir('sim-jepa-ac-worlds')],
])('subgoal proposer parity of %s', (_name, dir) => {
  it('reproduces the PyTorch proposer within the fixture tolerance', async () => {
    const model = await OnnxWorldModel.load(dir, { horizons: [1] });
    try {
      await checkParity(model, dir);
    } finally {
      await model.close();
    }
  });
});

async function checkParity(model: OnnxWorldModel, dir: string): Promise<void> {
  const parity = JSON.parse(readFileSync(join(dir, 'proposer-parity.json'), 'utf8')) as ProposerParity;
  expect(parity.format).toBe('jepa-mpc/proposer-parity@1');
  const { tokens, dim } = model.manifest.encoder.output;
  const goal = { data: Float32Array.from(parity.goal), tokens, dim };
  const n = tokens * dim;
  expect(parity.given !== undefined).toBe(model.manifest.subgoalProposer?.conditional);
  const given = parity.given_mask?.map((m, i) =>
    m === 1 ? { data: Float32Array.from((parity.given as number[]).slice(i * n, (i + 1) * n)), tokens, dim } : undefined,
  );
  const plan = await model.proposeStages({ data: Float32Array.from(parity.latents), tokens, dim }, Float32Array.from(parity.state), goal, given);
  const k = plan.stages.length - 1;
  expect(k * n).toBe(parity.subgoals.length);
  for (let i = 0; i < k; i++) {
    const got = plan.stages[i]?.data as Float32Array;
    const want = parity.subgoals.slice(i * n, (i + 1) * n);
    expect(Math.max(...want.map((v, j) => Math.abs(v - (got[j] as number))))).toBeLessThan(parity.tolerance);
    expect(Math.abs((plan.stages[i]?.gripperReadout as number) - (parity.grippers[i] as number))).toBeLessThan(parity.tolerance);
  }
}

describe('subgoal proposer of test-tiny', () => {
  let model: OnnxWorldModel;
  let tmp: string;
  beforeAll(async () => {
    model = await OnnxWorldModel.load(TINY, { horizons: [1] });
    tmp = await mkdtemp(join(tmpdir(), 'jepa-mpc-proposer-'));
  });
  afterAll(async () => {
    await model.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('gives the stages named in the manifest, each LayerNormed with a closedness in [0, 1], and the goal itself last', async () => {
    const first = await model.encode({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) });
    const goal = await model.encodeGoal({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(200) });
    const plan = await model.proposeStages(first, new Float32Array(7), goal);
    expect(plan.names).toEqual(model.manifest.subgoalProposer?.stages);
    expect(plan.steps).toEqual(model.manifest.subgoalProposer?.steps);
    expect(plan.stages.at(-1)?.data).toEqual(goal.data);
    expect(plan.stages.at(-1)?.gripperReadout).toBe(goal.gripperReadout);
    for (const s of plan.stages.slice(0, -1)) {
      const token = Array.from(s.data.subarray(0, s.dim));
      const mean = token.reduce((a, b) => a + b, 0) / s.dim;
      const variance = token.reduce((a, b) => a + (b - mean) ** 2, 0) / s.dim;
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(variance).toBeCloseTo(1, 2);
      expect(s.gripperReadout).toBeGreaterThanOrEqual(0);
      expect(s.gripperReadout).toBeLessThanOrEqual(1);
    }
  });

  it('a conditional proposer (test-tiny) proposes from the given stages too; a plain one (test-tiny-wrist) ignores them', async () => {
    expect(model.manifest.subgoalProposer?.conditional).toBe(true);
    const first = await model.encode({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(90) });
    const goal = await model.encodeGoal({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(200) });
    const grasped = await model.encode({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(140) });
    const alone = await model.proposeStages(first, new Float32Array(7), goal);
    const withGrasped = await model.proposeStages(first, new Float32Array(7), goal, [undefined, grasped]);
    const change = Math.max(
      ...Array.from(alone.stages[0]?.data as Float32Array, (v, j) => Math.abs(v - ((withGrasped.stages[0]?.data as Float32Array)[j] as number))),
    );
    expect(change).toBeGreaterThan(1e-3);
    await expectModelError(model.proposeStages(first, new Float32Array(7), goal, [grasped]), 'INPUT_INVALID', /given stages: 1 entries, expected 2/);
    const plain = await OnnxWorldModel.load(modelDir('test-tiny-wrist'), { horizons: [1] });
    try {
      expect(plain.manifest.subgoalProposer?.conditional).toBe(false);
      const image = { width: 128, height: 64, data: new Uint8Array(64 * 128 * 3).fill(90) };
      const f = await plain.encode(image);
      const g = await plain.encodeGoal({ ...image, data: new Uint8Array(64 * 128 * 3).fill(200) });
      const a = await plain.proposeStages(f, new Float32Array(7), g);
      const b = await plain.proposeStages(f, new Float32Array(7), g, [undefined, f]);
      expect(b.stages[0]?.data).toEqual(a.stages[0]?.data);
    } finally {
      await plain.close();
    }
  });

  it('refuses a manifest whose budgets do not match its stages, a missing proposer file and one off the contract', async () => {
    const uneven = await modelVariant(TINY, tmp, 'uneven', (m) => {
      (m['subgoalProposer'] as Record<string, unknown>)['steps'] = [2, 2];
    });
    await expectModelError(OnnxWorldModel.load(uneven), 'MANIFEST_INVALID', /subgoalProposer\.steps: must have one budget per stage \(3\), has 2/);
    const missing = await modelVariant(TINY, tmp, 'missing');
    await rm(join(missing, 'proposer.onnx'));
    await expectModelError(OnnxWorldModel.load(missing), 'FILE_MISSING', /proposer\.onnx is missing/);
    const wrong = await modelVariant(TINY, tmp, 'wrong');
    await copyFile(join(wrong, 'encoder.onnx'), join(wrong, 'proposer.onnx'));
    await expectModelError(OnnxWorldModel.load(wrong), 'SHAPE_MISMATCH', /proposer\.onnx does not follow the contract/);
    const stages = await modelVariant(TINY, tmp, 'more-stages', (m) => {
      (m['subgoalProposer'] as Record<string, unknown>)['stages'] = ['a', 'b', 'c', 'd'];
      (m['subgoalProposer'] as Record<string, unknown>)['steps'] = [1, 1, 1, 1];
    });
    // test-tiny's conditional proposer takes the stages before the goal as an input, so the count is refused there
    await expectModelError(OnnxWorldModel.load(stages), 'SHAPE_MISMATCH', /proposer\.onnx does not take the manifest's 3 stages before the goal as 'given'/);
    // a plain proposer's (test-tiny-wrist's) output is checked against the manifest's stages instead
    const plainStages = await modelVariant(modelDir('test-tiny-wrist'), tmp, 'plain-more-stages', (m) => {
      (m['subgoalProposer'] as Record<string, unknown>)['stages'] = ['a', 'b', 'c', 'd'];
      (m['subgoalProposer'] as Record<string, unknown>)['steps'] = [1, 1, 1, 1];
    });
    await expectModelError(OnnxWorldModel.load(plainStages), 'SHAPE_MISMATCH', /output 'subgoals' has 4096 values, expected 3x32x64/);
  });

  it("--propose defaults to on for the proposer's task only (where the goal images fit its stages), and on is refused where there is none", () => {
    expect(runSettings({ task: 'pick-place', subgoals: 'final' }, model, 'reach').propose).toBe(true);
    expect(runSettings({ task: 'pick-place', subgoals: 'final', propose: 'off' }, model, 'reach').propose).toBe(false);
    expect(runSettings({ task: 'reach' }, model, 'reach').propose).toBe(false);
    expect(() => runSettings({ task: 'reach', propose: 'on' }, model, 'reach')).toThrow(/has no subgoal proposer for reach/);
  });
});
