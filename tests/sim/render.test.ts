import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCamera, projectPoint } from '../../sim/render/camera.js';
import { boxMesh } from '../../sim/render/mesh.js';
import { Rasterizer } from '../../sim/render/rasterizer.js';
import { SceneRenderer } from '../../sim/render/scene-renderer.js';
import { TabletopSim } from '../../sim/tabletop.js';

const hash = (rgb: Uint8Array): string => createHash('sha256').update(rgb).digest('hex');
const pixel = (rgb: Uint8Array, width: number, u: number, v: number): [number, number, number] => {
  const o = 3 * (Math.floor(v) * width + Math.floor(u));
  return [rgb[o] as number, rgb[o + 1] as number, rgb[o + 2] as number];
};
const isCubeRed = ([r, g, b]: [number, number, number]): boolean => r > 120 && g < 60 && b < 60;
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
/** Height of the hand's box centre above the tool centre point (m). */
const HAND_ABOVE_TCP = 0.073;

describe('rasterizer', () => {
  const camera = createCamera({ eye: [0, -2, 0], target: [0, 0, 0], fovDeg: 60, width: 64, height: 64 });

  it('draws the nearer of two overlapping boxes (z-buffer), whatever the drawing order', () => {
    const near = { mesh: boxMesh(0.2, 0.2, 0.2), colour: [1, 0, 0] as const };
    const far = { mesh: boxMesh(0.5, 0.5, 0.5), colour: [0, 0, 1] as const };
    for (const order of [
      [near, far],
      [far, near],
    ]) {
      const poses = order === undefined ? [] : order.map((g) => (g === near ? [0, -0.5, 0] : [0, 1, 0]));
      const renderer = new SceneRenderer(camera, order, { ambient: 1, key: 0, head: 0 });
      const rgb = renderer.render({ xpos: poses.flat(), xmat: [...IDENTITY, ...IDENTITY] });
      expect(pixel(rgb, 64, 32, 32)).toEqual([255, 0, 0]);
      // Outside the small box but inside the big one: blue.
      const edge = projectPoint(camera, [0.45, 1 - 0.5, 0.45]);
      expect(edge).toBeDefined();
      if (edge) expect(pixel(rgb, 64, edge.u, edge.v)).toEqual([0, 0, 255]);
    }
  });

  it('clips a triangle crossing the near plane instead of drawing it inverted', () => {
    const raster = new Rasterizer(camera);
    raster.clear([0, 0, 0]);
    // One corner behind the camera (z > 0 in camera space), two in front.
    raster.drawTriangle([-0.3, -0.3, -1, 0.3, -0.3, -1, 0, 0.5, 1], 0, [255, 255, 255]);
    let lit = 0;
    for (let i = 0; i < raster.rgb.length; i += 3) if (raster.rgb[i] === 255) lit++;
    expect(lit).toBeGreaterThan(0);
    expect(lit).toBeLessThan(64 * 64);
    expect(raster.invDepth.every((w) => w >= 0 && w <= 1 / camera.near)).toBe(true);
  });

  it('draws nothing for a triangle entirely behind the camera', () => {
    const raster = new Rasterizer(camera);
    raster.clear([0, 0, 0]);
    raster.drawTriangle([-1, -1, 1, 1, -1, 1, 0, 1, 2], 0, [255, 255, 255]);
    expect(raster.rgb.every((v) => v === 0)).toBe(true);
  });

  it.each([
    [{ fovDeg: 0 }, /fovDeg/],
    [{ width: 8 }, /width/],
    [{ height: 1.5 }, /height/],
    [{ eye: [0, 0, 1] as [number, number, number], target: [0, 0, 0] as [number, number, number] }, /straight up or down/],
    [{ eye: [Number.NaN, 0, 0] as [number, number, number] }, /finite/],
  ])('rejects camera %j', (patch, message) => {
    expect(() => createCamera({ eye: [1, 1, 1], target: [0, 0, 0], fovDeg: 45, width: 64, height: 64, ...patch })).toThrow(message);
  });
});

describe('tabletop camera frames', () => {
  let sim: TabletopSim;
  let other: TabletopSim;
  beforeAll(async () => {
    sim = await TabletopSim.create({ task: 'pick-place' });
    other = await TabletopSim.create({ task: 'pick-place' });
  });
  afterAll(() => {
    sim.close();
    other.close();
  });

  it.each([0, 1, 2, 3, 4])('shows the red cube at its projected centre (seed %i)', (seed) => {
    const obs = sim.reset(seed);
    expect(obs.rgb.length).toBe(128 * 128 * 3);
    const p = sim.project(sim.cubePose(0).position);
    expect(p).toBeDefined();
    if (!p) return;
    expect(p.u).toBeGreaterThan(0);
    expect(p.u).toBeLessThan(128);
    expect(isCubeRed(pixel(obs.rgb, 128, p.u, p.v))).toBe(true);
    // A few centimetres beside the cube the table shows instead.
    const c = sim.cubePose(0).position;
    const beside = sim.project([(c[0] as number) + 0.06, c[1] as number, 0]);
    if (beside) expect(isCubeRed(pixel(obs.rgb, 128, beside.u, beside.v))).toBe(false);
  });

  it('hides the cube behind the arm when the hand moves between it and the camera', () => {
    sim.reset(0);
    const cube = sim.cubePose(0).position;
    const before = sim.renderFrame();
    const p = sim.project(cube);
    if (!p) throw new Error('cube not in view');
    expect(isCubeRed(pixel(before, 128, p.u, p.v))).toBe(true);
    // Put the hand body (7 cm above the tool centre) 25 cm from the cube on the line toward the camera.
    const eye = sim.camera.eye;
    const dir = [0, 1, 2].map((i) => (eye[i] as number) - (cube[i] as number));
    const n = Math.hypot(...dir);
    const goal = [0, 1, 2].map((i) => (cube[i] as number) + (0.25 * (dir[i] as number)) / n - (i === 2 ? HAND_ABOVE_TCP : 0));
    let obs = sim.step(new Float64Array(7));
    for (let k = 0; k < 12; k++) {
      const tcp = obs.state;
      obs = sim.step([0, 1, 2].map((i) => (goal[i] as number) - (tcp[i] as number)).concat([0, 0, 0, 0]));
    }
    expect(Math.hypot(...[0, 1, 2].map((i) => (obs.state[i] as number) - (goal[i] as number)))).toBeLessThan(0.02);
    expect(isCubeRed(pixel(obs.rgb, 128, p.u, p.v))).toBe(false);
    // Whatever is drawn there is nearer to the camera than the cube.
    const invDepth = sim.lastInverseDepth()[Math.floor(p.v) * 128 + Math.floor(p.u)] as number;
    expect(1 / invDepth).toBeLessThan(p.depth - 0.1);
  });

  it('renders byte-identical frames for the same seed in two simulator instances, and different ones for another seed', () => {
    const a = sim.reset(7);
    const b = other.reset(7);
    expect(hash(a.rgb)).toBe(hash(b.rgb));
    const actions = [
      [0.05, 0, -0.05, 0, 0, 0, 0],
      [0, 0.05, -0.05, 0, 0, 0.2, 0.75],
      [0, 0, 0.05, 0, 0, 0, -0.75],
    ];
    for (const act of actions) expect(hash(sim.step(act).rgb)).toBe(hash(other.step(act).rgb));
    expect(hash(sim.reset(8).rgb)).not.toBe(hash(other.reset(7).rgb));
  });

  it('renders 64x64 and 256x256 frames when asked', async () => {
    for (const size of [64, 256]) {
      const s = await TabletopSim.create({ task: 'reach', camera: { width: size, height: size } });
      const obs = s.reset(0);
      expect(obs.rgb.length).toBe(size * size * 3);
      expect(obs.width).toBe(size);
      s.close();
    }
  });
});
