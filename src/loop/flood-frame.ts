/**
 * A camera flood's frame: a square scene image scaled (nearest neighbour) into the centre of a
 * larger rgb8 frame with black bars on the sides, so that the node's centre crop sees exactly the
 * scene again — a 1080p or 4K camera looking at the same tabletop.
 */
import type { RawImage } from '../model/image.js';

/** The scene scaled into a width×height rgb8 frame (see the file comment). */
export function scaleIntoFrame(scene: RawImage, width: number, height: number): Uint8Array {
  if (scene.encoding !== 'rgb8') throw new Error(`flood frames are made from rgb8 scenes, got ${scene.encoding}`);
  const side = Math.min(width, height);
  const x0 = Math.floor((width - side) / 2);
  const y0 = Math.floor((height - side) / 2);
  const out = new Uint8Array(width * height * 3);
  const row = new Uint8Array(side * 3);
  let sourceRow = -1;
  for (let y = 0; y < side; y++) {
    const sy = Math.floor((y * scene.height) / side);
    if (sy !== sourceRow) {
      sourceRow = sy;
      for (let x = 0; x < side; x++) {
        const s = sy * scene.step + 3 * Math.floor((x * scene.width) / side);
        row[3 * x] = scene.data[s] as number;
        row[3 * x + 1] = scene.data[s + 1] as number;
        row[3 * x + 2] = scene.data[s + 2] as number;
      }
    }
    out.set(row, ((y0 + y) * width + x0) * 3);
  }
  return out;
}
