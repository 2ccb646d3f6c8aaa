import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARAMETERS, defaultParameters, parametersYaml, updateParameters, validateParameters } from '../../src/node/parameters.js';
import { projectRoot } from '../../src/paths.js';

describe('planner node parameters', () => {
  it('has valid defaults', () => {
    expect(validateParameters(defaultParameters())).toEqual([]);
  });

  it('keeps config/planner.yaml generated from the schema', () => {
    expect(readFileSync(join(projectRoot(), 'config', 'planner.yaml'), 'utf8')).toBe(parametersYaml());
  });

  it('describes every parameter with a sentence', () => {
    for (const spec of Object.values(PARAMETERS)) expect(spec.description.length).toBeGreaterThan(10);
  });

  it.each([
    [{ samples: 64, elites: 8 }, true, ''],
    [{ samples: -1 }, false, /samples must be in \[0, 100000\], got -1/],
    [{ samples: 0 }, true, ''],
    [{ goal_gripper_weight: -0.5 }, false, /goal_gripper_weight must be >= 0, or -1 for the model's value, got -0.5/],
    [{ samples: 8, elites: 10 }, false, /elites \(10\) must not exceed samples \(8\)/],
    [{ output_mode: 'velocity' }, false, /output_mode must be one of twist\|pose\|joint, got 'velocity'/],
    [{ max_speed: Number.NaN }, false, /max_speed must be a finite number/],
    [{ max_speed: 5 }, false, /max_speed must be in \[0, 1.7\] m\/s, got 5/],
    [{ workspace_min: [0.5, 0, 0], workspace_max: [0.4, 1, 1] }, false, /workspace_max\[0\] \(0.4\) must exceed workspace_min\[0\] \(0.5\)/],
    [{ workspace_min: [0.5, 0] }, false, /workspace_min must have 3 values/],
    [{ iterations: 2.5 }, false, /iterations must be an integer/],
    [{ warm_start: 'yes' }, false, /warm_start must be one of \|on\|off, got 'yes'/],
    [{ provider: 'cuda' }, false, /provider is read-only/],
    [{ no_such: 1 }, false, /unknown parameter 'no_such'/],
    [{ samples: 200n }, true, ''],
    [{ device_id: 0n }, true, ''],
  ])('live update #%# → ok=%s', (changes, ok, reason) => {
    const before = defaultParameters();
    const r = updateParameters(before, changes as Record<string, unknown>);
    expect(r.ok).toBe(ok);
    if (ok) {
      for (const [k, v] of Object.entries(changes)) expect((r.values as Record<string, unknown>)[k]).toEqual(typeof v === 'bigint' ? Number(v) : v);
    } else {
      expect(r.reason).toMatch(reason as RegExp);
      expect(r.values).toBe(before); // old values kept
    }
  });

  it.each([
    ['', true],
    ['fp32', true],
    ['int8', true],
    ['fp16-weights', true],
    ['fp16', true],
    ['int4', false],
    ['INT8', false],
  ])('model_precision %j at start-up → ok=%s (one of the manifest precisions, or empty: the folder default)', (value, ok) => {
    const r = updateParameters(defaultParameters(), { model_precision: value }, false);
    expect(r.ok).toBe(ok);
    if (!ok) expect(r.reason).toMatch(new RegExp(`model_precision must be one of \\|fp32\\|fp16\\|int8\\|fp16-weights, got '${value}'`));
    expect(validateParameters({ ...defaultParameters(), model_precision: value }).length === 0).toBe(ok);
  });

  it('model_precision is read-only: the model is loaded once, at start-up', () => {
    expect(PARAMETERS.model_precision).toMatchObject({ type: 'string', default: '', readOnly: true });
    expect(updateParameters(defaultParameters(), { model_precision: 'fp32' }).reason).toMatch(/model_precision is read-only/);
  });

  it('accepts read-only values at start-up (params file), not live', () => {
    expect(updateParameters(defaultParameters(), { provider: 'cuda' }, false).ok).toBe(true);
    expect(updateParameters(defaultParameters(), { provider: 'cpu' }).ok).toBe(true); // unchanged value is fine
  });
});
