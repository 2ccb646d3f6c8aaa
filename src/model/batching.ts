/**
 * Candidate batches for the rollout graph. Providers that need fixed shapes get a batch padded up
 * to the smallest configured size that holds it (a few shapes, reused memory plans), a batch
 * larger than the largest size split in chunks of it. The CPU provider runs the exact candidate
 * count (dynamic batch: padding would compute candidates nobody asked for), in equal
 * chunks of at most {@link CPU_MAX_CHUNK}.
 */

/** Most candidates per CPU run: a run's activations then stay in cache (measured: README, "Planning speed"). */
export const CPU_MAX_CHUNK = 256;

/** One run of the rollout: candidates [offset, offset + count) padded to `size`. */
export interface BatchChunk {
  readonly offset: number;
  readonly count: number;
  readonly size: number;
}

/**
 * Splits `batch` candidates into chunks, padded unless `exact`.
 * @param sizes allowed batch sizes (any order, positive integers)
 * @param exact run each chunk at its own count (dynamic batch, at most {@link CPU_MAX_CHUNK}) instead of padding it
 */
export function planBatches(batch: number, sizes: readonly number[], exact = false): BatchChunk[] {
  if (!Number.isSafeInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const sorted = [...new Set(sizes)].sort((a, b) => a - b);
  const largest = sorted.at(-1);
  if (largest === undefined || !sorted.every((s) => Number.isSafeInteger(s) && s > 0)) {
    throw new RangeError(`batch sizes must be positive integers, got [${sizes.join(', ')}]`);
  }
  const chunks: BatchChunk[] = [];
  if (exact) {
    const n = Math.ceil(batch / Math.min(largest, CPU_MAX_CHUNK));
    for (let k = 0, offset = 0; k < n; k++) {
      const count = Math.floor(batch / n) + (k < batch % n ? 1 : 0);
      chunks.push({ offset, count, size: count });
      offset += count;
    }
    return chunks;
  }
  for (let offset = 0; offset < batch; offset += largest) {
    const count = Math.min(largest, batch - offset);
    const size = sorted.find((s) => s >= count) ?? largest;
    chunks.push({ offset, count, size });
  }
  return chunks;
}

/**
 * Copies rows [offset, offset + count) of a [batch, rowLength] buffer into a [size, rowLength]
 * buffer, filling the padding rows with copies of the first row (valid inputs, results ignored).
 */
export function padRows(src: Float32Array, rowLength: number, chunk: BatchChunk): Float32Array {
  const out = new Float32Array(chunk.size * rowLength);
  out.set(src.subarray(chunk.offset * rowLength, (chunk.offset + chunk.count) * rowLength));
  const first = src.subarray(chunk.offset * rowLength, chunk.offset * rowLength + rowLength);
  for (let r = chunk.count; r < chunk.size; r++) out.set(first, r * rowLength);
  return out;
}
