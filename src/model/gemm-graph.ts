/**
 * The machine's matrix-multiply ceiling as onnxruntime-node reaches it: a one-node ONNX graph
 * C = A·B (A [M, K], B [K, N], float32, symbolic dimensions) written here as protobuf bytes, and a
 * micro-benchmark that runs it at a few sizes with the rollout's thread count. `bench` prints the
 * best GFLOP/s next to the rollout's, so its numbers say how close planning is to the machine.
 * The int8 kind is C = MatMulInteger(A, B) (A uint8, B int8, C int32): the integer kernels an int8
 * model's DynamicQuantizeMatMul runs (VNNI where the CPU has it), its GOP/s counted as 2·M·K·N too.
 */
import * as ort from 'onnxruntime-node';

/** Protobuf wire types used by ONNX's messages. */
const VARINT = 0;
const BYTES = 2;
/** onnx.TensorProto.DataType values. */
const ONNX_FLOAT = 1;
const ONNX_UINT8 = 2;
const ONNX_INT8 = 3;
const ONNX_INT32 = 6;

/** Which GEMM: float32 MatMul, or MatMulInteger on uint8 x int8 with int32 accumulation. */
export type GemmKind = 'float32' | 'int8';
/** ONNX IR version and opset the graph declares (MatMul is unchanged since opset 13). */
const IR_VERSION = 8;
const OPSET = 13;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function field(num: number, wire: number, payload: number[]): number[] {
  return [...varint((num << 3) | wire), ...(wire === BYTES ? varint(payload.length) : []), ...payload];
}

const str = (num: number, s: string) => field(num, BYTES, [...new TextEncoder().encode(s)]);
const msg = (num: number, ...parts: number[][]) => field(num, BYTES, parts.flat());
const int = (num: number, v: number) => field(num, VARINT, varint(v));

/** ValueInfoProto of a matrix of element type `type` with symbolic dimensions. */
function matrix(num: number, name: string, rows: string, cols: string, type = ONNX_FLOAT): number[] {
  const dim = (p: string) => msg(1, str(2, p)); // TensorShapeProto.Dimension.dim_param
  const tensorType = msg(1, int(1, type), msg(2, dim(rows), dim(cols)));
  return msg(num, str(1, name), msg(2, tensorType));
}

/** The ONNX model bytes of C = MatMul(A, B) (float32), or MatMulInteger(A, B) (`kind` int8), A [M, K], B [K, N]. */
export function matmulGraph(kind: GemmKind = 'float32'): Uint8Array {
  const int8 = kind === 'int8';
  const [ta, tb, tc] = int8 ? [ONNX_UINT8, ONNX_INT8, ONNX_INT32] : [ONNX_FLOAT, ONNX_FLOAT, ONNX_FLOAT];
  const node = msg(1, str(1, 'A'), str(1, 'B'), str(2, 'C'), str(3, 'matmul'), str(4, int8 ? 'MatMulInteger' : 'MatMul'));
  const graph = msg(7, node, str(2, 'gemm'), matrix(11, 'A', 'M', 'K', ta), matrix(11, 'B', 'K', 'N', tb), matrix(12, 'C', 'M', 'N', tc));
  return Uint8Array.from([...int(1, IR_VERSION), ...str(2, 'jepa-mpc'), ...graph, ...msg(8, str(1, ''), int(2, OPSET))]);
}

/** One measured GEMM size. */
export interface GemmResult {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly ms: number;
  readonly gflops: number;
}

/** A GEMM shape [M, K, N]. */
export type GemmShape = readonly [number, number, number];

/**
 * Shapes the CPU ceiling is the best of: squares, and the tall-and-narrow products a batched
 * rollout makes (candidates x tokens rows against a layer's width).
 */
export const GEMM_SHAPES: readonly GemmShape[] = [
  [512, 512, 512],
  [1024, 1024, 1024],
  [2048, 2048, 2048],
  [4096, 256, 1024],
  [4096, 1024, 256],
];
/** On a GPU provider the peak needs larger products. */
export const GPU_GEMM_SHAPES: readonly GemmShape[] = [
  [4096, 4096, 4096],
  [8192, 8192, 8192],
  [32768, 1024, 4096],
];
/** Each shape runs this long untimed first, so thread pools and clocks settle before the timed runs. */
const WARMUP_MS = 300;

/**
 * Times C = A·B on a provider per shape: untimed runs for {@link WARMUP_MS}, then the median of
 * `repeats`. The ceiling is the best of them.
 * @param threads intra-op threads (0 = onnxruntime's choice), as the rollout session has
 * @param provider the provider the rollout runs on (default cpu)
 * @param kind float32 MatMul (default) or int8 MatMulInteger
 */
export async function gemmCeiling(
  threads: number,
  repeats = 7,
  shapes: readonly GemmShape[] = GEMM_SHAPES,
  provider = 'cpu',
  kind: GemmKind = 'float32',
): Promise<GemmResult[]> {
  const session = await ort.InferenceSession.create(matmulGraph(kind), {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  });
  try {
    const results: GemmResult[] = [];
    for (const [m, k, n] of shapes) {
      const a =
        kind === 'int8'
          ? new ort.Tensor(
              'uint8',
              Uint8Array.from({ length: m * k }, (_, i) => (i * 7919) % 256),
              [m, k],
            )
          : new ort.Tensor(
              'float32',
              Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
              [m, k],
            );
      const b =
        kind === 'int8'
          ? new ort.Tensor(
              'int8',
              Int8Array.from({ length: k * n }, (_, i) => ((i * 104729) % 255) - 127),
              [k, n],
            )
          : new ort.Tensor(
              'float32',
              Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5),
              [k, n],
            );
      const until = performance.now() + WARMUP_MS;
      do await session.run({ A: a, B: b });
      while (performance.now() < until);
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        await session.run({ A: a, B: b });
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      const ms = times[Math.floor(times.length / 2)] as number;
      results.push({ m, k, n, ms, gflops: (2 * m * k * n) / (ms * 1e6) });
    }
    return results;
  } finally {
    await session.release();
  }
}
