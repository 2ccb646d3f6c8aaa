/**
 * The latent distance between two frames' latents: the mean absolute difference over tokens and
 * channels — the same measure the rollout graphs use as the energy between a predicted frame and
 * the goal (docs/world-model-contract.md), here between two encoded frames.
 */
import type { Latents } from './types.js';

/** Mean absolute difference of two latents. @throws RangeError when their sizes differ. */
export function latentDistance(a: Latents, b: Latents): number {
  if (a.data.length !== b.data.length) throw new RangeError(`latents differ in size: ${a.data.length} vs ${b.data.length}`);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs((a.data[i] as number) - (b.data[i] as number));
  return s / a.data.length;
}
