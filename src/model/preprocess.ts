/**
 * Frame → model input: centre crop to the model's aspect ratio (the V-JEPA 2 maintainers advise
 * cropping 640x480 frames rather than squashing them), antialiased resize to the model size, then
 * per-channel normalisation into float32 CHW.
 */
import { type RgbImage, checkRgb } from './image.js';

/** How the encoder wants its input (the manifest's `encoder.input`). */
export interface PreprocessSpec {
  readonly height: number;
  readonly width: number;
  readonly resize: 'center-crop' | 'squash';
  /** Pixels are divided by this (255 → [0, 1]). */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** A region of an image. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The largest centred rectangle of the target aspect ratio inside a width×height image. */
export function centerCropRect(width: number, height: number, targetWidth: number, targetHeight: number): Rect {
  const targetAspect = targetWidth / targetHeight;
  if (width / height > targetAspect) {
    const w = Math.round(height * targetAspect);
    return { x: Math.floor((width - w) / 2), y: 0, width: w, height };
  }
  const h = Math.round(width / targetAspect);
  return { x: 0, y: Math.floor((height - h) / 2), width, height: h };
}

/**
 * Triangle-filter weights for resampling `inSize` source samples to `outSize` (antialiased when
 * shrinking: the filter widens by the scale, as PIL's bilinear does).
 * @returns per output sample the first source index and its normalised weights.
 */
function resampleWeights(inSize: number, outSize: number): { start: Int32Array; weights: Float32Array[] } {
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const start = new Int32Array(outSize);
  const weights: Float32Array[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    const w = new Float32Array(hi - lo);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const v = Math.max(0, 1 - Math.abs((i + 0.5 - center) / support));
      w[i - lo] = v;
      total += v;
    }
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / total;
    start[o] = lo;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Resizes a region of an RGB image to outWidth×outHeight, returning float RGB [outH, outW, 3]
 * in the source's 0–255 range.
 */
export function resizeRegion(img: RgbImage, rect: Rect, outWidth: number, outHeight: number): Float32Array {
  const cols = resampleWeights(rect.width, outWidth);
  const rows = resampleWeights(rect.height, outHeight);
  // Horizontal pass over the region's rows: [rect.height, outWidth, 3].
  const tmp = new Float32Array(rect.height * outWidth * 3);
  for (let y = 0; y < rect.height; y++) {
    const srcRow = ((rect.y + y) * img.width + rect.x) * 3;
    for (let o = 0; o < outWidth; o++) {
      const w = cols.weights[o] as Float32Array;
      const s0 = cols.start[o] as number;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < w.length; k++) {
        const p = srcRow + (s0 + k) * 3;
        const wk = w[k] as number;
        r += wk * (img.data[p] as number);
        g += wk * (img.data[p + 1] as number);
        b += wk * (img.data[p + 2] as number);
      }
      const t = (y * outWidth + o) * 3;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }
  // Vertical pass: [outHeight, outWidth, 3].
  const out = new Float32Array(outHeight * outWidth * 3);
  for (let o = 0; o < outHeight; o++) {
    const w = rows.weights[o] as Float32Array;
    const s0 = rows.start[o] as number;
    for (let x = 0; x < outWidth * 3; x++) {
      let v = 0;
      for (let k = 0; k < w.length; k++) v += (w[k] as number) * (tmp[(s0 + k) * outWidth * 3 + x] as number);
      out[o * outWidth * 3 + x] = v;
    }
  }
  return out;
}

/**
 * Turns an RGB image into the encoder's input: float32 [3, height, width] (CHW), cropped,
 * resized and normalised per the spec.
 * @throws ImageError when the image buffer does not match its size.
 */
export function preprocess(img: RgbImage, spec: PreprocessSpec): Float32Array {
  checkRgb(img);
  const rect =
    spec.resize === 'center-crop' ? centerCropRect(img.width, img.height, spec.width, spec.height) : { x: 0, y: 0, width: img.width, height: img.height };
  const hwc = resizeRegion(img, rect, spec.width, spec.height);
  const plane = spec.width * spec.height;
  const chw = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c] as number;
    const std = spec.std[c] as number;
    for (let i = 0; i < plane; i++) chw[c * plane + i] = ((hwc[i * 3 + c] as number) / spec.scale - mean) / std;
  }
  return chw;
}
