import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gemmCeiling, matmulGraph } from '../../src/model/gemm-graph.js';

describe('the GEMM graph bench measures the MatMul ceiling with', () => {
  it('is a valid ONNX model computing A·B at any size', async () => {
    const session = await ort.InferenceSession.create(matmulGraph());
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const b = new ort.Tensor('float32', Float32Array.from([1, 0, 0, 1, 1, 1]), [3, 2]);
    const c = (await session.run({ A: a, B: b })).C as ort.Tensor;
    expect(c.dims).toEqual([2, 2]);
    expect(Array.from(c.data as Float32Array)).toEqual([4, 5, 10, 11]);
    await session.release();
  });

  it('has an int8 kind: MatMulInteger of uint8 x int8 with int32 accumulation', async () => {
    const session = await ort.InferenceSession.create(matmulGraph('int8'));
    const a = new ort.Tensor('uint8', Uint8Array.from([1, 2, 3, 200, 5, 6]), [2, 3]);
    const b = new ort.Tensor('int8', Int8Array.from([1, 0, 0, -1, 127, 1]), [3, 2]);
    const c = (await session.run({ A: a, B: b })).C as ort.Tensor;
    expect(c.type).toBe('int32');
    expect(Array.from(c.data as Int32Array)).toEqual([1 + 3 * 127, -2 + 3, 200 + 6 * 127, -5 + 6]);
    await session.release();
    const [r] = await gemmCeiling(1, 3, [[128, 64, 32]], 'cpu', 'int8');
    expect(r?.gflops).toBeGreaterThan(0.5);
  });

  it('reports GFLOP/s as 2·M·K·N over the median time', async () => {
    const [r] = await gemmCeiling(1, 3, [[128, 64, 32]]);
    expect(r).toMatchObject({ m: 128, k: 64, n: 32 });
    expect(r?.gflops).toBeCloseTo((2 * 128 * 64 * 32) / ((r?.ms ?? 1) * 1e6), 6);
    expect(r?.gflops).toBeGreaterThan(0.5);
  });
});
