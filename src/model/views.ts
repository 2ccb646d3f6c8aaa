/**
 * Camera views of a world model: the names a manifest's `encoder.input.views` lists and the
 * composite image the encoder takes — the views side by side, left to right in that order, each
 * centre-cropped and resized to the model's per-view size (docs/world-model-contract.md).
 */
import { type RgbImage, checkRgb } from './image.js';
import { centerCropRect, resizeRegion } from './preprocess.js';

/** Views a model can take: the scene camera and the camera on the hand (sim/tabletop.ts WRIST_CAMERA). */
export const VIEW_NAMES = ['front', 'wrist'] as const;
/** One of {@link VIEW_NAMES}. */
export type ViewName = (typeof VIEW_NAMES)[number];
/** The views of a model that does not list any: the one scene camera. */
export const DEFAULT_VIEWS: readonly ViewName[] = ['front'];

/**
 * Tiles one image per view into the composite a multi-view encoder takes: `viewWidth`×`height`
 * per view, side by side. Each view is centre-cropped to that aspect and resized (antialiased)
 * only when its size differs; a single view of the right size comes back as it is.
 * @throws RangeError when the number of images is not the number of views; ImageError for a malformed image.
 */
export function tileViews(images: readonly RgbImage[], viewCount: number, viewWidth: number, height: number): RgbImage {
  if (images.length !== viewCount) throw new RangeError(`the model takes ${viewCount} view(s), got ${images.length} image(s)`);
  for (const img of images) checkRgb(img);
  if (viewCount === 1 && images[0] && images[0].width === viewWidth && images[0].height === height) return images[0];
  const width = viewWidth * viewCount;
  const data = new Uint8Array(width * height * 3);
  images.forEach((img, v) => {
    const same = img.width === viewWidth && img.height === height;
    const pixels = same ? img.data : fitted(img, viewWidth, height);
    for (let y = 0; y < height; y++) data.set(pixels.subarray(y * viewWidth * 3, (y + 1) * viewWidth * 3), (y * width + v * viewWidth) * 3);
  });
  return { width, height, data };
}

/** An image centre-cropped to w:h and resized to w×h, as RGB8. */
function fitted(img: RgbImage, w: number, h: number): Uint8Array {
  const f = resizeRegion(img, centerCropRect(img.width, img.height, w, h), w, h);
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(f[i] as number)));
  return out;
}

/**
 * Splits a composite back into its views (a multi-view goal image as saved by `capture-goals`).
 * @throws RangeError when the width is not a multiple of the number of views.
 */
export function splitViews(img: RgbImage, viewCount: number): RgbImage[] {
  checkRgb(img);
  if (img.width % viewCount !== 0) throw new RangeError(`a ${img.width} px wide image does not split into ${viewCount} views`);
  const w = img.width / viewCount;
  return Array.from({ length: viewCount }, (_, v) => {
    const data = new Uint8Array(w * img.height * 3);
    for (let y = 0; y < img.height; y++) data.set(img.data.subarray((y * img.width + v * w) * 3, (y * img.width + (v + 1) * w) * 3), y * w * 3);
    return { width: w, height: img.height, data };
  });
}
