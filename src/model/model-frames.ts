/**
 * Camera images → the image a model encodes. A one-view model gets its image as it is (the
 * encoder's preprocessing crops and resizes it); a multi-view model gets its views side by side,
 * each fitted to the view size first ({@link tileViews}), so cameras of any size and aspect work.
 */
import type { RgbImage } from './image.js';
import { modelViews, type Manifest } from './manifest.js';
import { splitViews, tileViews } from './views.js';

/**
 * The model's image of one frame per view (in the manifest's view order).
 * @throws RangeError when the number of images is not the number of views; ImageError for a malformed image.
 */
export function modelFrame(m: Manifest, images: readonly RgbImage[]): RgbImage {
  const { views, width, height } = modelViews(m);
  if (views.length === 1 && images.length === 1) return images[0] as RgbImage;
  return tileViews(images, views.length, width, height);
}

/**
 * A goal image as the model encodes it. For a multi-view model the goal holds the views side by
 * side in the manifest's order (as `capture-goals` and the simulator's goal renderer save them):
 * split into equal widths, each fitted to the view size.
 * @throws RangeError when a multi-view goal's width does not split into the views.
 */
export function goalFrame(m: Manifest, image: RgbImage): RgbImage {
  const { views } = modelViews(m);
  if (views.length === 1) return image;
  return modelFrame(m, splitViews(image, views.length));
}
