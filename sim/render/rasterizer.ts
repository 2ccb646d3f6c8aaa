/**
 * A small software rasterizer: camera-space triangles → near-plane clipping → perspective
 * projection → z-buffered, flat-coloured pixels in an RGB8 frame. Deterministic (plain double
 * arithmetic, fixed traversal order), so the same input gives byte-identical frames.
 */
import type { Camera } from './camera.js';

/** A colour as three 0–255 channel values. */
export type Rgb = readonly [number, number, number];

/** Frame and depth buffers plus the triangle routine. */
export class Rasterizer {
  /** RGB8 pixels, row-major from the top-left [H*W*3]. */
  readonly rgb: Uint8Array;
  /** Inverse depth (1/m) per pixel; 0 = nothing drawn [H*W]. */
  readonly invDepth: Float64Array;
  readonly width: number;
  readonly height: number;
  private readonly focal: number;
  private readonly near: number;
  // Scratch for clipped polygons (up to 4 vertices of x, y, z).
  private readonly poly = new Float64Array(12);
  private readonly screen = new Float64Array(12);

  constructor(camera: Camera) {
    this.width = camera.spec.width;
    this.height = camera.spec.height;
    this.focal = camera.focal;
    this.near = camera.near;
    this.rgb = new Uint8Array(this.width * this.height * 3);
    this.invDepth = new Float64Array(this.width * this.height);
  }

  /** Fills the frame with a background colour and clears the depth buffer. */
  clear(background: Rgb): void {
    const [r, g, b] = background;
    for (let i = 0; i < this.rgb.length; i += 3) {
      this.rgb[i] = r;
      this.rgb[i + 1] = g;
      this.rgb[i + 2] = b;
    }
    this.invDepth.fill(0);
  }

  /**
   * Draws one triangle given in camera space (9 numbers from `v` at `offset`: x0 y0 z0 x1 …),
   * clipped against the near plane z = −near.
   */
  drawTriangle(v: ArrayLike<number>, offset: number, colour: Rgb): void {
    const zc = -this.near;
    const poly = this.poly;
    let count = 0;
    // Sutherland–Hodgman against z <= zc (inside = in front of the near plane).
    for (let i = 0; i < 3; i++) {
      const a = offset + 3 * i;
      const b = offset + 3 * ((i + 1) % 3);
      const az = v[a + 2] as number;
      const bz = v[b + 2] as number;
      const aIn = az <= zc;
      const bIn = bz <= zc;
      if (aIn) {
        poly[3 * count] = v[a] as number;
        poly[3 * count + 1] = v[a + 1] as number;
        poly[3 * count + 2] = az;
        count++;
      }
      if (aIn !== bIn) {
        const t = (zc - az) / (bz - az);
        poly[3 * count] = (v[a] as number) + t * ((v[b] as number) - (v[a] as number));
        poly[3 * count + 1] = (v[a + 1] as number) + t * ((v[b + 1] as number) - (v[a + 1] as number));
        poly[3 * count + 2] = zc;
        count++;
      }
    }
    if (count < 3) return;
    const s = this.screen;
    const cx = this.width / 2;
    const cy = this.height / 2;
    for (let i = 0; i < count; i++) {
      const w = 1 / -(poly[3 * i + 2] as number);
      s[3 * i] = cx + this.focal * (poly[3 * i] as number) * w;
      s[3 * i + 1] = cy - this.focal * (poly[3 * i + 1] as number) * w;
      s[3 * i + 2] = w;
    }
    this.fill(0, 1, 2, colour);
    if (count === 4) this.fill(0, 2, 3, colour);
  }

  /** Scan-converts screen triangle (i, j, k) of the scratch buffer with a depth test. */
  private fill(i: number, j: number, k: number, colour: Rgb): void {
    const s = this.screen;
    let x0 = s[3 * i] as number;
    let y0 = s[3 * i + 1] as number;
    let w0 = s[3 * i + 2] as number;
    let x1 = s[3 * j] as number;
    let y1 = s[3 * j + 1] as number;
    let w1 = s[3 * j + 2] as number;
    const x2 = s[3 * k] as number;
    const y2 = s[3 * k + 1] as number;
    const w2 = s[3 * k + 2] as number;
    let area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
    if (area === 0 || !Number.isFinite(area)) return;
    if (area < 0) {
      [x0, x1] = [x1, x0];
      [y0, y1] = [y1, y0];
      [w0, w1] = [w1, w0];
      area = -area;
    }
    const minX = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
    const maxX = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1, x2)));
    const minY = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
    const maxY = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1, y2)));
    if (minX > maxX || minY > maxY) return;
    // Edge functions e_k(x, y) = A_k x + B_k y + C_k, positive inside.
    const a0 = y1 - y2;
    const b0 = x2 - x1;
    const a1 = y2 - y0;
    const b1 = x0 - x2;
    const a2 = y0 - y1;
    const b2 = x1 - x0;
    const inv = 1 / area;
    const [r, g, b] = colour;
    const width = this.width;
    const depth = this.invDepth;
    const rgb = this.rgb;
    for (let py = minY; py <= maxY; py++) {
      const yc = py + 0.5;
      // Each edge is linear in x along the row: e_k(x) = a_k·x + c_k; intersect the half-lines
      // where all three are ≥ 0 to get the covered span of pixel centres.
      const c0 = -a0 * x1 + b0 * (yc - y1);
      const c1 = -a1 * x2 + b1 * (yc - y2);
      const c2 = -a2 * x0 + b2 * (yc - y0);
      let lo = minX + 0.5;
      let hi = maxX + 0.5;
      if (a0 > 0) lo = Math.max(lo, -c0 / a0);
      else if (a0 < 0) hi = Math.min(hi, -c0 / a0);
      else if (c0 < 0) continue;
      if (a1 > 0) lo = Math.max(lo, -c1 / a1);
      else if (a1 < 0) hi = Math.min(hi, -c1 / a1);
      else if (c1 < 0) continue;
      if (a2 > 0) lo = Math.max(lo, -c2 / a2);
      else if (a2 < 0) hi = Math.min(hi, -c2 / a2);
      else if (c2 < 0) continue;
      const pxStart = Math.max(minX, Math.ceil(lo - 0.5));
      const pxEnd = Math.min(maxX, Math.floor(hi - 0.5));
      if (pxStart > pxEnd) continue;
      const xs = pxStart + 0.5;
      // Inverse depth is affine in screen space: w(x) = wRow + dw·(x − xs).
      const e0 = a0 * xs + c0;
      const e1 = a1 * xs + c1;
      const e2 = a2 * xs + c2;
      let w = (e0 * w0 + e1 * w1 + e2 * w2) * inv;
      const dw = (a0 * w0 + a1 * w1 + a2 * w2) * inv;
      let idx = py * width + pxStart;
      for (let px = pxStart; px <= pxEnd; px++, idx++, w += dw) {
        if (w > (depth[idx] as number)) {
          depth[idx] = w;
          const o = 3 * idx;
          rgb[o] = r;
          rgb[o + 1] = g;
          rgb[o + 2] = b;
        }
      }
    }
  }
}
