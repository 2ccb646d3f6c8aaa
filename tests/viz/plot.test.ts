import { describe, expect, it } from 'vitest';
import { decodePng } from '../../src/model/image.js';
import { Canvas, COLORS } from '../../src/viz/canvas.js';
import { colormap, formatTick, heatmap, linePlot } from '../../src/viz/plot.js';

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

describe('plots', () => {
  it('draws a decreasing series from the top left to the bottom right of the plot area', () => {
    const c = linePlot([{ label: 'e', values: [1, 0.5, 0], color: COLORS.red }], { title: 'T', xLabel: 'x', yLabel: 'y', width: 300, height: 200 });
    const img = decodePng(c.toPng());
    expect([img.width, img.height]).toEqual([300, 200]);
    const redColumns = (y0: number, y1: number) => {
      const xs: number[] = [];
      for (let y = y0; y < y1; y++) for (let x = 0; x < 300; x++) if (pixel(img, x, y).join() === COLORS.red.join()) xs.push(x);
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    };
    // Red pixels in the upper part of the plot lie left of those in the lower part.
    expect(redColumns(40, 90)).toBeLessThan(redColumns(110, 165));
  });

  it('colours the minimum of a heatmap dark and the maximum bright', () => {
    const xs = [-1, 0, 1];
    const c = heatmap(
      [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7, 8],
      ],
      { title: 'H', xLabel: 'x', yLabel: 'y', xs, ys: xs, cell: 10 },
    );
    const img = decodePng(c.toPng());
    const brightness = (p: number[]) => p[0]! + p[1]! + p[2]!;
    // Row 0 is drawn at the bottom: value 0 bottom-left, value 8 top-right.
    const bottomLeft = pixel(img, 58 + 5, 42 + 25);
    const topRight = pixel(img, 58 + 25, 42 + 5);
    expect(brightness(bottomLeft)).toBeLessThan(brightness(topRight));
    expect(colormap(0)).toEqual([68, 1, 84]);
    expect(colormap(1)).toEqual([253, 231, 37]);
    expect(colormap(NaN)).toEqual([68, 1, 84]);
  });

  it.each([
    [0, '0'],
    [0.12345, '0.123'],
    [12.5, '12.5'],
    [12345, '1.2e+4'],
    [-0.0001, '-1.0e-4'],
  ])('formats tick %d as %s', (v, text) => {
    expect(formatTick(v)).toBe(text);
  });

  it('blits images at an integer scale and rejects bad canvas sizes', () => {
    const c = new Canvas(4, 4);
    c.blit({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) }, 1, 1, 2);
    expect(pixel(c, 2, 2)).toEqual([1, 2, 3]);
    expect(pixel(c, 3, 3)).toEqual([255, 255, 255]);
    expect(() => new Canvas(0, 5)).toThrow(/positive integers/);
  });
});
