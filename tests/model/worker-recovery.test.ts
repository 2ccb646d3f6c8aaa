/**
 * A crashed or hung inference worker (issue 20): the model restarts it with the same model,
 * uploads the goals again, and scores exactly as before; a hung run ends at the deadline; a
 * worker that keeps dying is given up on with a clear error. Goals are uploaded once per goal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { Latents } from '../../src/core/types.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';
import { modelDir } from '../../src/paths.js';
import { createLogger } from '../../src/log.js';

const TINY = modelDir('test-tiny');
const log = createLogger('worker-recovery-test');
const STATE = Float32Array.from([0.5, 0, 0.3, 0, 0, 0, 0]);

function image(seed: number, size: number) {
  const rng = createRng(seed);
  return { width: size, height: size, data: Uint8Array.from({ length: size * size * 3 }, () => rng.int(256)) };
}

function candidates(batch: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: batch * 7 }, (_, i) => (i % 7 < 3 ? (rng.uniform() - 0.5) * 0.15 : 0));
}

async function energies(model: OnnxWorldModel, latents: Latents, goal: Latents): Promise<Float32Array> {
  const energy = await model.bind({ latents, goal, state: STATE, horizon: 1 });
  return energy(candidates(32, 9), 32);
}

describe('OnnxWorldModel worker recovery', () => {
  let model: OnnxWorldModel | undefined;
  afterEach(async () => {
    await model?.close();
    model = undefined;
  });

  it('restarts a crashed worker, uploads the goal again and scores exactly as before', async () => {
    model = await OnnxWorldModel.load(TINY, { logger: log });
    const size = model.manifest.encoder.input.width;
    const latents = await model.encode(image(1, size));
    const goal = await model.encodeGoal(image(2, size));
    const before = await energies(model, latents, goal);
    expect(model.health).toMatchObject({ state: 'ok', restarts: 0 });

    model.injectFault('crash');
    await expect(model.encode(image(1, size))).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    expect(model.health.state).toBe('restarting');
    await model.ready();
    expect(model.health).toMatchObject({ state: 'ok', restarts: 1 });
    expect(model.health.lastFault).toMatch(/exited with code 70/);
    expect(model.health.lastRecoveryMs).toBeGreaterThan(0);

    // The same goal object is planned toward without encoding it again: its latents were re-uploaded.
    expect(Array.from(await energies(model, latents, goal))).toEqual(Array.from(before));
    // Re-encoding gives the same latents (the encoder is deterministic), so re-upload equals re-encode.
    const again = await model.encode(image(2, size));
    expect(Array.from(again.data)).toEqual(Array.from(goal.data));
  });

  it('ends a hung run at the deadline and goes on with a fresh worker', async () => {
    model = await OnnxWorldModel.load(TINY, { runTimeoutMs: 300, logger: log });
    const size = model.manifest.encoder.input.width;
    const latents = await model.encode(image(3, size));
    const goal = await model.encodeGoal(image(4, size));
    const before = await energies(model, latents, goal);
    model.injectFault('hang');
    const t0 = performance.now();
    await expect(model.encode(image(3, size))).rejects.toMatchObject({ code: 'WORKER_TIMEOUT' });
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5000);
    await model.ready();
    expect(model.health).toMatchObject({ state: 'ok', restarts: 1 });
    expect(Array.from(await energies(model, latents, goal))).toEqual(Array.from(before));
  });

  it('gives up after the restart limit when every fresh worker dies too', async () => {
    model = await OnnxWorldModel.load(TINY, { maxRestarts: 2, logger: log });
    const size = model.manifest.encoder.input.width;
    for (let i = 0; i < 3; i++) {
      await model.ready();
      model.injectFault('crash');
      await expect(model.encode(image(5, size))).rejects.toMatchObject({ code: 'WORKER_FAILED' });
    }
    await expect(model.ready()).rejects.toThrow(/failed 3 times in a row; giving up/);
    expect(model.health.state).toBe('failed');
    await expect(model.encode(image(5, size))).rejects.toMatchObject({ code: 'WORKER_FAILED' });
  });

  it('counts a restart as in a row only while no request succeeds between faults', async () => {
    model = await OnnxWorldModel.load(TINY, { maxRestarts: 1, logger: log });
    const size = model.manifest.encoder.input.width;
    for (let i = 0; i < 3; i++) {
      model.injectFault('crash');
      await expect(model.encode(image(6, size))).rejects.toMatchObject({ code: 'WORKER_FAILED' });
      await model.ready();
      await model.encode(image(6, size)); // a success resets the count
    }
    expect(model.health).toMatchObject({ state: 'ok', restarts: 3 });
  });
});
