/**
 * The manifest's `simulator` block: a model trained on shadowed frames makes `demo`/`eval` draw
 * shadows unless `--shadows` says otherwise; models without the block get none.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSettings } from '../../src/cli/planned-run.js';
import { parseManifest, type Manifest } from '../../src/model/manifest.js';
import type { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';

async function manifestOf(name: string, patch: Record<string, unknown> = {}): Promise<Manifest> {
  const raw = JSON.parse(await readFile(join(modelDir(name), 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return parseManifest({ ...raw, ...patch });
}

/** runSettings reads only the manifest of the model. */
const modelWith = (manifest: Manifest) => ({ manifest }) as unknown as OnnxWorldModel;

describe('manifest simulator block', () => {
  it('defaults to no shadows, and is validated', async () => {
    expect((await manifestOf('test-tiny')).simulator).toEqual({ shadows: false });
    expect((await manifestOf('test-tiny', { simulator: { shadows: true } })).simulator).toEqual({ shadows: true });
    await expect(manifestOf('test-tiny', { simulator: { shadows: 'yes' } })).rejects.toThrow(/simulator\.shadows/);
  });

  it("sets demo/eval's simulator shadows; --shadows on|off overrides", async () => {
    const plain = modelWith(await manifestOf('test-tiny'));
    const shaded = modelWith(await manifestOf('test-tiny', { simulator: { shadows: true } }));
    expect(runSettings({}, plain, 'reach').sim.shadows).toBe(false);
    expect(runSettings({}, shaded, 'reach').sim.shadows).toBe(true);
    expect(runSettings({ shadows: 'off' }, shaded, 'reach').sim.shadows).toBe(false);
    expect(runSettings({ shadows: 'on' }, plain, 'reach').sim.shadows).toBe(true);
    expect(() => runSettings({ shadows: 'yes' }, plain, 'reach')).toThrow(/--shadows must be one of on\|off/);
  });

  it('takes the gripper hysteresis from the manifest (default 0), --gripper-margin overrides, bad values are refused', async () => {
    const m = await manifestOf('test-tiny');
    expect(m.planning.gripperMargin).toBe(0);
    const hyst = modelWith(await manifestOf('test-tiny', { planning: { ...m.planning, gripperMargin: 0.15 } }));
    expect(runSettings({}, hyst, 'reach').planner.cem.space.gripperMargin).toBe(0.15);
    expect(runSettings({ 'gripper-margin': '0.3' }, hyst, 'reach').planner.cem.space.gripperMargin).toBe(0.3);
    expect(runSettings({ 'gripper-margin': '0' }, hyst, 'reach').planner.cem.space.gripperMargin).toBe(0);
    expect(() => runSettings({ 'gripper-margin': '1.5' }, hyst, 'reach')).toThrow(/gripper-margin/);
    await expect(manifestOf('test-tiny', { planning: { ...m.planning, gripperMargin: 1 } })).rejects.toThrow(/planning\.gripperMargin/);
  });
});
