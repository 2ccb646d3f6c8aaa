/**
 * The appearance's pure part (sim/appearance.ts): absent fields draw the trained world, an
 * elevation sets both the key light and the shadows' slant, intensity scales every light, the
 * checker covers half the table, and every field is range-checked with its name in the error.
 */
import { describe, expect, it } from 'vitest';
import { checkAppearance, checkerMesh, shadingFor, TRAINED_ELEVATION_DEG, type LightBase } from '../../sim/appearance.js';

const BASE: LightBase = { keyLight: [0.35, 0.45, 1], shadowSlant: [0.77, -0.64], planeZ: 0, tableColour: [0.72, 0.62, 0.48], shadowShade: 0.4, shadows: true };
const elevationOf = (v: readonly number[]) => (Math.atan2(v[2]!, Math.hypot(v[0]!, v[1]!)) * 180) / Math.PI;

describe('shadingFor', () => {
  it('draws the trained light when nothing is set: the renderer defaults, the trained slant and shadow colour', () => {
    const s = shadingFor({}, BASE);
    expect(s.keyLight).toEqual([0.35, 0.45, 1]);
    expect(s.shadow?.slant).toEqual([0.77, -0.64]);
    expect(s.shadow?.colour).toEqual([73, 63, 49]);
    expect(s.ambient).toBeUndefined();
    expect(elevationOf(BASE.keyLight)).toBeCloseTo(TRAINED_ELEVATION_DEG.key, 1);
    expect((Math.atan2(1, Math.hypot(...BASE.shadowSlant)) * 180) / Math.PI).toBeCloseTo(TRAINED_ELEVATION_DEG.shadow, 0);
  });

  it.each([15, 30, 60, 89])('an elevation of %i° sets the key light and the shadow slant to it, keeping their azimuths', (deg) => {
    const s = shadingFor({ lightElevationDeg: deg }, BASE);
    expect(elevationOf(s.keyLight!)).toBeCloseTo(deg, 9);
    const [sx, sy] = s.shadow!.slant!;
    expect((Math.atan2(1, Math.hypot(sx, sy)) * 180) / Math.PI).toBeCloseTo(deg, 9);
    expect(Math.atan2(sy, sx)).toBeCloseTo(Math.atan2(-0.64, 0.77), 9);
  });

  it('straight overhead casts shadows straight down; an azimuth turns both light and shadows', () => {
    expect(shadingFor({ lightElevationDeg: 90 }, BASE).shadow?.slant?.map(Math.abs)).toEqual([0, 0]);
    const turned = shadingFor({ lightAzimuthDeg: 90 }, BASE);
    expect(turned.keyLight![0]).toBeCloseTo(-0.45, 12);
    expect(turned.keyLight![1]).toBeCloseTo(0.35, 12);
    expect(turned.shadow!.slant![0]).toBeCloseTo(0.64, 12);
  });

  it('intensity scales every light and the shadow; shadows off drops them; the table colour tints the shadow', () => {
    const s = shadingFor({ lightIntensity: 0.5, tableColour: [0.5, 0.5, 0.5] }, BASE);
    expect([s.ambient, s.key, s.head]).toEqual([0.175, 0.275, 0.125]);
    expect(s.shadow?.colour).toEqual([26, 26, 26]);
    expect(shadingFor({ shadows: false }, BASE).shadow).toBeUndefined();
  });
});

describe('checkerMesh', () => {
  it('covers every other square of the rectangle, facing up, just above it', () => {
    const m = checkerMesh(0.1, [0, 0.4], [0, 0.3], 0);
    expect(m.triangles.length / 6).toBe(6); // 4 x 3 squares, half of them
    for (let k = 2; k < m.vertices.length; k += 3) expect(m.vertices[k]).toBeGreaterThan(0);
    // counter-clockwise from above: the first triangle's normal points up
    const v = (i: number) => [m.vertices[3 * m.triangles[i]!]!, m.vertices[3 * m.triangles[i]! + 1]!];
    const [a, b, c] = [v(0), v(1), v(2)];
    expect((b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!)).toBeGreaterThan(0);
  });
});

describe('checkAppearance', () => {
  it.each([
    [{ lightElevationDeg: 10 }, /lightElevationDeg must be in \[15, 90\], got 10/],
    [{ lightIntensity: Number.NaN }, /lightIntensity/],
    [{ lightAzimuthDeg: 400 }, /lightAzimuthDeg/],
    [{ tableColour: [0, 0] as unknown as [number, number, number] }, /tableColour must be three values/],
    [{ tableChecker: { colour: [0, 0, 0] as const, tileM: 2 } }, /tableChecker.tileM/],
    [
      {
        distractors: [
          [0, 0, 0],
          [0, 0, 0],
          [0, 0, 0],
        ] as const,
      },
      /number of distractors must be in \[0, 2\]/,
    ],
    [{ distractors: [[0, 0, 7]] as const }, /distractors\[0\]/],
  ])('refuses %j', (a, message) => {
    expect(() => checkAppearance(a as never)).toThrow(message);
  });

  it('accepts the trained world and the edges of the ranges', () => {
    expect(() => checkAppearance({})).not.toThrow();
    expect(() =>
      checkAppearance({ lightElevationDeg: 15, lightIntensity: 2, distractors: [], tableChecker: { colour: [1, 1, 1], tileM: 0.02 } }),
    ).not.toThrow();
  });
});
