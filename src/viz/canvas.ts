/**
 * A small RGB8 canvas for pictures users look at (plots, side-by-side episode frames): filled
 * rectangles, lines, text in the bitmap font, image blits with nearest-neighbour scaling, and
 * PNG output.
 */
import { encode } from 'fast-png';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** Named colours used across the project's pictures. */
export const COLORS = {
  white: [255, 255, 255],
  black: [0, 0, 0],
  grey: [150, 150, 150],
  light: [225, 225, 225],
  blue: [31, 119, 180],
  orange: [255, 127, 14],
  green: [44, 160, 44],
  red: [214, 39, 40],
} as const satisfies Record<string, Rgb>;

/** An RGB8 image being drawn on. */
export class Canvas {
  /** Pixels [height, width, 3]. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = COLORS.white,
  ) {
    if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`canvas size must be positive integers, got ${width}x${height}`);
    }
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel (ignored outside the canvas). */
  set(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const i = (yi * this.width + xi) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  /** Fills an axis-aligned rectangle (clipped). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.set(xx, yy, c);
  }

  /** Draws a line of the given thickness (Bresenham-like stepping). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      if (thickness <= 1) this.set(x, y, c);
      else this.fillRect(x - r, y - r, thickness, thickness, c);
    }
  }

  /** Draws text with its top-left corner at (x, y). */
  text(x: number, y: number, text: string, c: Rgb = COLORS.black, scale = 1): void {
    [...text].forEach((ch, k) => {
      const rows = glyph(ch);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (((rows[row] as number) >> (GLYPH_WIDTH - 1 - col)) & 1) {
            this.fillRect(x + (k * GLYPH_ADVANCE + col) * scale, y + row * scale, scale, scale, c);
          }
        }
      }
    });
  }

  /** Copies an RGB8 image onto the canvas at (x, y), scaled by an integer factor. */
  blit(img: { width: number; height: number; data: Uint8Array }, x: number, y: number, scale = 1): void {
    for (let yy = 0; yy < img.height * scale; yy++) {
      for (let xx = 0; xx < img.width * scale; xx++) {
        const s = (Math.floor(yy / scale) * img.width + Math.floor(xx / scale)) * 3;
        this.set(x + xx, y + yy, [img.data[s] as number, img.data[s + 1] as number, img.data[s + 2] as number]);
      }
    }
  }

  /** The canvas as PNG bytes. */
  toPng(): Uint8Array {
    return encode({ width: this.width, height: this.height, data: this.data, channels: 3, depth: 8 });
  }
}
