/**
 * Perturbations for generalisation tests (sim/perturb.ts): the camera moves and turns by exactly
 * the asked amounts in seeded directions, the light turns, the cube changes colour — and only what
 * was asked changes in the frame. The CLI parses the flags into the same perturbation.
 */
import { describe, expect, it } from 'vitest';
import {
  CUBE_COLOURS,
  describePerturbation,
  hsvToRgb,
  isPerturbed,
  jitterCamera,
  perturbedOptions,
  randomAppearance,
  RANDOMISE_RANGES,
} from '../../sim/perturb.js';
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

describe('perturbation flags', () => {
  it('parses --camera-jitter, --light-azimuth and --cube-colour (names or R,G,B)', () => {
    const p = perturbationFromFlags({ 'camera-jitter': '2,3', 'light-azimuth': '90', 'cube-colour': 'orange' });
    expect(p).toEqual({ cameraJitter: { cm: 2, deg: 3 }, lightAzimuthDeg: 90, cubeColour: CUBE_COLOURS.orange });
    expect(describePerturbation(p)).toBe('camera 2 cm 3°, light turned 90°, cube orange');
    expect(perturbationFromFlags({ 'cube-colour': '0.1,0.2,0.3' }).cubeColour).toEqual([0.1, 0.2, 0.3]);
    expect(isPerturbed(perturbationFromFlags({}))).toBe(false);
    expect(describePerturbation({})).toBe('none');
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
