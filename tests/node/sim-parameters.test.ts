/**
 * The simulator node's appearance parameters: the same worlds as `eval`'s perturbation flags —
 * frame for frame, a jittered camera moved per layout seed as eval moves it — and a clear error
 * outside their ranges.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { perturbedOptions, TABLE_COLOURS } from '../../sim/perturb.js';
import { DEFAULT_CAMERA, TabletopSim, type TabletopOptions } from '../../sim/tabletop.js';
import { SimNodeCore } from '../../src/node/sim-node.js';
import { APPEARANCE_PARAMETERS, perturbationOf, SIM_PARAMETERS, simFromParameters, type SimParamValues } from '../../src/node/sim-parameters.js';

const DEFAULTS = Object.fromEntries(Object.entries(SIM_PARAMETERS).map(([k, spec]) => [k, spec.default])) as unknown as SimParamValues;
const SMALL = { ...DEFAULTS, image_size: 64, shadows: true };
const BASE: TabletopOptions = { task: 'pick-place', controlPeriod: 0.25, camera: { width: 64, height: 64 }, shadows: true, wrist: false };

const opened: TabletopSim[] = [];
afterAll(() => opened.forEach((s) => s.close()));

/** The first frame of a layout seed in a fresh simulator with these options (what eval's episode sees). */
async function evalFrame(options: TabletopOptions, seed: number): Promise<Uint8Array> {
  const sim = await TabletopSim.create(options);
  opened.push(sim);
  return sim.reset(seed).rgb;
}

const differs = (a: Uint8Array, b: Uint8Array) => a.some((v, i) => v !== b[i]);

describe('the simulator node’s appearance parameters', () => {
  it('default to the trained world: no perturbation, no camera move, the frames eval draws unperturbed', async () => {
    expect(perturbationOf(DEFAULTS)).toEqual({});
    const made = await simFromParameters(SMALL);
    opened.push(made.sim);
    expect(made.cameraFor).toBeUndefined();
    expect(made.sim.reset(4).rgb).toEqual(await evalFrame(BASE, 4));
  });

  it('draw the world eval draws with the same flags, the jittered camera moved per layout seed on reset', async () => {
    const values = { ...SMALL, seed: 3, light_azimuth_deg: 90, camera_jitter_cm: 2, camera_jitter_deg: 2, table_colour: 'grey', distractors: 1 };
    const perturbation = perturbationOf(values);
    expect(perturbation).toEqual({ lightAzimuthDeg: 90, cameraJitter: { cm: 2, deg: 2 }, tableColour: TABLE_COLOURS['grey'], distractors: 1 });
    const made = await simFromParameters(values);
    opened.push(made.sim);
    const node = new SimNodeCore(made.sim, { periodS: 0.25, commandTimeoutS: 0.5, ...(made.cameraFor ? { cameraFor: made.cameraFor } : {}) }, 3, 0);
    const seed3 = node.observation.rgb.slice();
    expect(seed3).toEqual(await evalFrame(perturbedOptions(BASE, perturbation, DEFAULT_CAMERA, 3), 3));
    expect(differs(seed3, await evalFrame(BASE, 3))).toBe(true);
    const seed5 = node.reset(5, 1).rgb.slice();
    expect(seed5).toEqual(await evalFrame(perturbedOptions(BASE, perturbation, DEFAULT_CAMERA, 5), 5));
    // the camera moved with the seed: seed 5 drawn from seed 3's camera would differ
    expect(differs(seed5, await evalFrame(perturbedOptions(BASE, perturbation, DEFAULT_CAMERA, 3), 5))).toBe(true);
  });

  it.each([
    [{ light_elevation_deg: 5 }, /light_elevation_deg must be 0 \(as trained\) or in \[15, 90\], got 5/],
    [{ cube_colour: 'pink' }, /cube_colour/],
    [{ light_intensity: 3 }, /light_intensity/],
    [{ distractors: 3 }, /distractors/],
  ])('refuse %o with a one-line reason', async (change, reason) => {
    await expect(simFromParameters({ ...SMALL, ...change })).rejects.toThrow(reason);
  });

  it('are every appearance field the schema has, read-only', () => {
    for (const name of APPEARANCE_PARAMETERS) expect(SIM_PARAMETERS[name].readOnly).toBe(true);
  });
});
