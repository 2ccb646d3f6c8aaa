/**
 * Perturbations for generalisation tests (sim/perturb.ts): the camera moves and turns by exactly
 * the asked amounts in seeded directions, the light turns, the cube changes colour — and only what
 * was asked changes in the frame. The CLI parses the flags into the same perturbation.
 */
import { describe, expect, it } from 'vitest';
import { CUBE_COLOURS, describePerturbation, isPerturbed, jitterCamera, perturbedOptions, TABLE_COLOURS } from '../../sim/perturb.js';
import { hsvToRgb, randomAppearance, RANDOMISABLE, RANDOMISE_RANGES } from '../../sim/randomise.js';
import { DEFAULT_CAMERA, TabletopSim, type TabletopOptions } from '../../sim/tabletop.js';
import { perturbationFromFlags } from '../../src/cli/planned-run.js';

const BASE: TabletopOptions = { task: 'pick-place', camera: { width: 64, height: 64 }, shadows: true };

async function frame(options: TabletopOptions, seed = 3): Promise<{ rgb: Uint8Array; cube: { u: number; v: number } }> {
  const sim = await TabletopSim.create(options);
  try {
    const o = sim.reset(seed);
    const p = sim.project(sim.cubePose(0).position) as { u: number; v: number };
    return { rgb: o.rgb.slice(), cube: p };
  } finally {
    sim.close();
  }
}

/** Pixels whose colour differs by more than `tol` in any channel. */
function changedPixels(a: Uint8Array, b: Uint8Array, tol = 8): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i += 3) {
    if (Math.abs(a[i]! - b[i]!) > tol || Math.abs(a[i + 1]! - b[i + 1]!) > tol || Math.abs(a[i + 2]! - b[i + 2]!) > tol) out.push(i / 3);
  }
  return out;
}

describe('camera jitter', () => {
  const angle = (a: number[], b: number[]) => Math.acos((a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!) / Math.hypot(...a) / Math.hypot(...b));

  it('moves the eye by exactly the distance and turns the view by exactly the angle, keeping its length', () => {
    for (const seed of [0, 1, 2, 99]) {
      const { eye, target } = jitterCamera(DEFAULT_CAMERA.eye, DEFAULT_CAMERA.target, 0.02, (3 * Math.PI) / 180, seed);
      expect(Math.hypot(...eye.map((v, i) => v - DEFAULT_CAMERA.eye[i]!))).toBeCloseTo(0.02, 9);
      const before = DEFAULT_CAMERA.target.map((v, i) => v - DEFAULT_CAMERA.eye[i]!);
      const after = target.map((v, i) => v - eye[i]!);
      expect(angle(before, after)).toBeCloseTo((3 * Math.PI) / 180, 9);
      expect(Math.hypot(...after)).toBeCloseTo(Math.hypot(...before), 9);
    }
  });

  it('is the same for a seed and differs between seeds', () => {
    const a = jitterCamera(DEFAULT_CAMERA.eye, DEFAULT_CAMERA.target, 0.02, 0.05, 7);
    expect(jitterCamera(DEFAULT_CAMERA.eye, DEFAULT_CAMERA.target, 0.02, 0.05, 7)).toEqual(a);
    expect(jitterCamera(DEFAULT_CAMERA.eye, DEFAULT_CAMERA.target, 0.02, 0.05, 8).eye).not.toEqual(a.eye);
  });

  it('shifts the picture: the cube lands on other pixels, the image size stays', async () => {
    const plain = await frame(BASE);
    const moved = await frame(perturbedOptions(BASE, { cameraJitter: { cm: 5, deg: 5 } }, DEFAULT_CAMERA, 3));
    expect(moved.rgb.length).toBe(plain.rgb.length);
    expect(Math.hypot(moved.cube.u - plain.cube.u, moved.cube.v - plain.cube.v)).toBeGreaterThan(2);
    expect(perturbedOptions(BASE, {}, DEFAULT_CAMERA, 3)).toEqual(BASE);
  });
});

describe('light and cube colour', () => {
  it('a turned light changes the shading and shadows, not the geometry: the cube stays on its pixel', async () => {
    const plain = await frame(BASE);
    const turned = await frame(perturbedOptions(BASE, { lightAzimuthDeg: 120 }, DEFAULT_CAMERA, 3));
    expect(turned.cube).toEqual(plain.cube);
    expect(changedPixels(plain.rgb, turned.rgb).length).toBeGreaterThan(100);
  });

  it('a cube colour changes only pixels near the cube', async () => {
    const plain = await frame(BASE);
    const orange = await frame(perturbedOptions(BASE, { cubeColour: CUBE_COLOURS.orange! }, DEFAULT_CAMERA, 3));
    const changed = changedPixels(plain.rgb, orange.rgb);
    expect(changed.length).toBeGreaterThan(2);
    for (const i of changed) expect(Math.hypot((i % 64) + 0.5 - plain.cube.u, Math.floor(i / 64) + 0.5 - plain.cube.v)).toBeLessThan(6);
  });

  it('refuses a colour outside [0, 1]', async () => {
    await expect(TabletopSim.create({ ...BASE, cubeColour: [1.5, 0, 0] })).rejects.toThrow(/cubeColour/);
  });
});

/** Mean grey level of a frame. */
const brightness = (rgb: Uint8Array): number => rgb.reduce((a, v) => a + v, 0) / rgb.length;

describe('light elevation and intensity, table colour, shadows, distractors', () => {
  it('a lower light lengthens the shadows, a light overhead shortens them; the cube stays on its pixel', async () => {
    // shadow area = pixels that shadows change at one light elevation (the shading changes with it too)
    const shadowArea = async (p: { lightElevationDeg?: number }) => {
      const on = await frame(perturbedOptions(BASE, p, DEFAULT_CAMERA, 3));
      const off = await frame(perturbedOptions(BASE, { ...p, shadows: false }, DEFAULT_CAMERA, 3));
      return { area: changedPixels(on.rgb, off.rgb).length, cube: on.cube };
    };
    const plain = await shadowArea({});
    const low = await shadowArea({ lightElevationDeg: 25 });
    const high = await shadowArea({ lightElevationDeg: 85 });
    expect(low.cube).toEqual(plain.cube);
    expect(low.area).toBeGreaterThan(plain.area);
    expect(high.area).toBeLessThan(plain.area * 0.8);
  });

  it('intensity scales the brightness; shadows off and another table colour change the frame', async () => {
    const plain = await frame(BASE);
    const dim = await frame(perturbedOptions(BASE, { lightIntensity: 0.6 }, DEFAULT_CAMERA, 3));
    const bright = await frame(perturbedOptions(BASE, { lightIntensity: 1.5 }, DEFAULT_CAMERA, 3));
    expect(brightness(dim.rgb)).toBeLessThan(brightness(plain.rgb) - 10);
    expect(brightness(bright.rgb)).toBeGreaterThan(brightness(plain.rgb) + 10);
    const off = await frame(perturbedOptions(BASE, { shadows: false }, DEFAULT_CAMERA, 3));
    expect(changedPixels(plain.rgb, off.rgb).length).toBeGreaterThan(20);
    const grey = await frame(perturbedOptions(BASE, { tableColour: TABLE_COLOURS.grey! }, DEFAULT_CAMERA, 3));
    expect(changedPixels(plain.rgb, grey.rgb).length).toBeGreaterThan(1000);
  });

  it('distractors stand on the table beside the task cube, which stays where it was', async () => {
    const plain = await frame(BASE);
    for (const n of [1, 2]) {
      const options = perturbedOptions(BASE, { distractors: n }, DEFAULT_CAMERA, 3);
      expect(options.scene?.cubeCount).toBe(1 + n);
      const sim = await TabletopSim.create(options);
      try {
        const o = sim.reset(3);
        expect(sim.project(sim.cubePose(0).position)).toEqual(plain.cube);
        const cubes = sim.cubePoses();
        expect(cubes).toHaveLength(1 + n);
        for (const c of cubes.slice(1)) {
          expect(Math.hypot(c.position[0]! - cubes[0]!.position[0]!, c.position[1]! - cubes[0]!.position[1]!)).toBeGreaterThanOrEqual(0.09);
          const p = sim.project(c.position) as { u: number; v: number };
          const i = 3 * (Math.floor(p.v) * 64 + Math.floor(p.u));
          expect(Math.abs(o.rgb[i]! - plain.rgb[i]!) + Math.abs(o.rgb[i + 2]! - plain.rgb[i + 2]!)).toBeGreaterThan(30);
        }
      } finally {
        sim.close();
      }
    }
  });

  it('a scene with room for distractors but none drawn looks and moves as the one-cube scene', async () => {
    const one = await TabletopSim.create(BASE);
    const three = await TabletopSim.create({ ...BASE, scene: { cubeCount: 3 }, distractors: [] });
    try {
      expect(Buffer.from(three.reset(3).rgb).equals(Buffer.from(one.reset(3).rgb))).toBe(true);
      const action = [0.03, -0.02, -0.03, 0, 0, 0, 0.5];
      const a = one.step(action);
      const b = three.step(action);
      expect(Array.from(b.state)).toEqual(Array.from(a.state));
      expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(true);
      // an appearance asking for more distractors than the scene holds is refused
      expect(() => one.setAppearance({ distractors: [[0, 0, 1]] })).toThrow(/scene holds 0/);
    } finally {
      one.close();
      three.close();
    }
  });

  it('refuses perturbations outside their ranges, naming the field', () => {
    expect(() => perturbedOptions(BASE, { lightElevationDeg: 10 }, DEFAULT_CAMERA, 0)).toThrow(/lightElevationDeg must be in \[15, 90\]/);
    expect(() => perturbedOptions(BASE, { lightIntensity: 3 }, DEFAULT_CAMERA, 0)).toThrow(/lightIntensity/);
    expect(() => perturbedOptions(BASE, { distractors: 3 }, DEFAULT_CAMERA, 0)).toThrow(/distractors/);
    expect(() => perturbedOptions(BASE, { distractors: 1.5 }, DEFAULT_CAMERA, 0)).toThrow(/whole number/);
    expect(() => perturbedOptions(BASE, { cameraJitter: { cm: 30, deg: 0 } }, DEFAULT_CAMERA, 0)).toThrow(/camera jitter/);
  });
});

describe('perturbation flags', () => {
  it('parses --camera-jitter, --light-azimuth and --cube-colour (names or R,G,B)', () => {
    const p = perturbationFromFlags({ 'camera-jitter': '2,3', 'light-azimuth': '90', 'cube-colour': 'orange' });
    expect(p).toEqual({ cameraJitter: { cm: 2, deg: 3 }, lightAzimuthDeg: 90, cubeColour: CUBE_COLOURS.orange });
    expect(describePerturbation(p)).toBe('camera 2 cm 3°, light turned 90°, cube orange');
    expect(perturbationFromFlags({ 'cube-colour': '0.1,0.2,0.3' }).cubeColour).toEqual([0.1, 0.2, 0.3]);
    expect(isPerturbed(perturbationFromFlags({}))).toBe(false);
    expect(describePerturbation({})).toBe('none');
  });

  it('parses --light-elevation, --light-intensity, --table-colour and --distractors', () => {
    const p = perturbationFromFlags({ 'light-elevation': '30', 'light-intensity': '0.6', 'table-colour': 'grey', distractors: '2' });
    expect(p).toEqual({ lightElevationDeg: 30, lightIntensity: 0.6, tableColour: TABLE_COLOURS.grey, distractors: 2 });
    expect(describePerturbation(p)).toBe('light elevation 30°, light x0.6, table grey, 2 distractors');
    expect(perturbationFromFlags({ 'table-colour': '0.2,0.3,0.4' }).tableColour).toEqual([0.2, 0.3, 0.4]);
  });

  it.each([
    [{ 'light-elevation': '5' }, /--light-elevation must be a number in \[15, 90\]/],
    [{ 'light-intensity': '0' }, /--light-intensity must be a number in \[0.3, 2\]/],
    [{ 'table-colour': 'plaid' }, /--table-colour must be one of/],
    [{ distractors: '3' }, /--distractors must be an integer in \[0, 2\]/],
    [{ distractors: '1.5' }, /--distractors must be an integer/],
  ])('refuses %j with a one-line error', (flags, message) => {
    expect(() => perturbationFromFlags(flags)).toThrow(message);
  });

  it('refuses malformed values with the flag named', () => {
    expect(() => perturbationFromFlags({ 'camera-jitter': '2' })).toThrow(/--camera-jitter must be CM,DEG/);
    expect(() => perturbationFromFlags({ 'camera-jitter': '50,1' })).toThrow(/camera-jitter \(cm\)/);
    expect(() => perturbationFromFlags({ 'cube-colour': 'teal' })).toThrow(/--cube-colour must be one of/);
    expect(() => perturbationFromFlags({ 'cube-colour': '0.1,2,0' })).toThrow(/cube-colour\[1\]/);
    expect(() => perturbationFromFlags({ 'light-azimuth': 'x' })).toThrow(/--light-azimuth/);
  });
});

describe('randomAppearance (collect --randomise)', () => {
  it('is a function of the seed, varies only the named kinds, and stays within the ranges', () => {
    expect(randomAppearance(['light'], 4, DEFAULT_CAMERA)).toEqual(randomAppearance(['light'], 4, DEFAULT_CAMERA));
    expect(randomAppearance([], 4, DEFAULT_CAMERA)).toEqual({});
    const all = randomAppearance(['light', 'camera', 'colour'], 4, DEFAULT_CAMERA);
    // each kind's value depends on the seed alone, not on which other kinds are asked for
    expect(randomAppearance(['light'], 4, DEFAULT_CAMERA).lightAzimuthDeg).toBe(all.lightAzimuthDeg);
    expect(randomAppearance(['colour'], 4, DEFAULT_CAMERA).cubeColour).toEqual(all.cubeColour);
    for (let seed = 0; seed < 200; seed++) {
      const a = randomAppearance(['light', 'camera', 'colour'], seed, DEFAULT_CAMERA);
      expect(Math.abs(a.lightAzimuthDeg as number)).toBeLessThanOrEqual(RANDOMISE_RANGES.lightDeg);
      const eye = [...(a.camera?.eye ?? [])];
      expect(Math.hypot(...eye.map((v, i) => v - DEFAULT_CAMERA.eye[i]!))).toBeLessThanOrEqual(RANDOMISE_RANGES.cameraCm / 100 + 1e-12);
      const [r, g, b] = a.cubeColour as [number, number, number];
      for (const c of [r, g, b]) expect(c).toBeGreaterThanOrEqual(0);
      // never the target's green or the fingers' yellow: green is never the strongest channel
      expect(g).toBeLessThanOrEqual(Math.max(r, b) + 1e-9);
    }
    // the newer kinds: light height and strength, table, distractors, shadows
    let shadowsOff = 0;
    let checkered = 0;
    const counts = [0, 0, 0];
    for (let seed = 0; seed < 400; seed++) {
      const a = randomAppearance([...RANDOMISABLE], seed, DEFAULT_CAMERA);
      const [elo, ehi] = RANDOMISE_RANGES.lightElevationDeg;
      expect(a.lightElevationDeg).toBeGreaterThanOrEqual(elo);
      expect(a.lightElevationDeg).toBeLessThanOrEqual(ehi);
      expect(a.lightIntensity).toBeGreaterThanOrEqual(RANDOMISE_RANGES.lightIntensity[0]);
      expect(a.lightIntensity).toBeLessThanOrEqual(RANDOMISE_RANGES.lightIntensity[1]);
      const t = a.tableColour as readonly number[];
      expect(Math.max(...t) - Math.min(...t)).toBeLessThanOrEqual(RANDOMISE_RANGES.tableSaturation[1] + 1e-9); // muted
      if (a.tableChecker) checkered++;
      if (a.shadows === false) shadowsOff++;
      counts[a.distractors!.length]!++;
    }
    expect(shadowsOff / 400).toBeCloseTo(RANDOMISE_RANGES.shadowsOffProbability, 1);
    expect(checkered / 400).toBeCloseTo(RANDOMISE_RANGES.tableCheckerProbability, 1);
    for (const c of counts) expect(c).toBeGreaterThan(100); // 0, 1 and 2 distractors about equally often
    expect(hsvToRgb(0, 1, 1)).toEqual([1, 0, 0]);
    expect(hsvToRgb(240, 1, 1)).toEqual([0, 0, 1]);
  });

  it('setAppearance changes the picture of the same state, and an empty appearance restores it', async () => {
    const sim = await TabletopSim.create(BASE);
    try {
      const plain = sim.reset(3).rgb.slice();
      sim.setAppearance(randomAppearance(['light', 'camera', 'colour'], 9, DEFAULT_CAMERA));
      expect(Buffer.from(sim.reset(3).rgb).equals(Buffer.from(plain))).toBe(false);
      sim.setAppearance({});
      expect(Buffer.from(sim.reset(3).rgb).equals(Buffer.from(plain))).toBe(true);
      expect(() => sim.setAppearance({ cubeColour: [2, 0, 0] })).toThrow(/cubeColour/);
      expect(Buffer.from(sim.reset(3).rgb).equals(Buffer.from(plain))).toBe(true); // a refused appearance leaves the old one
    } finally {
      sim.close();
    }
  });
});
