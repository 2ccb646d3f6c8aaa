/**
 * The design card's ndarray and mathjs, measured where they would serve (issue: "kept only where
 * bench/bench-sim stay within 10 %"): side by side in one process against the project's own code
 * on the same inputs, with the results checked equal.
 *  - ndarray: the encoder input's layout step — HWC bytes → CHW float32, normalised — at the shipped
 *    model's 64 x 64 and at V-JEPA 2-AC's 256 x 256, through strided views (`transpose(2, 0, 1)`).
 *  - mathjs: the IK's damped-least-squares solve — A = J Jᵀ + λ² I (6 x 6), y = A⁻¹ e, Δq = Jᵀ y —
 *    for the Panda's 6 x 7 Jacobian at the ready posture.
 * Run: npx tsx scripts/card-packages-bench.ts [--json]
 */
import * as math from 'mathjs';
import ndarray from 'ndarray';
import { dampedGram, solveSpd } from '../src/robot/ik.js';
import { forwardKinematics, PANDA_READY_Q, tcpJacobian } from '../src/robot/panda-kinematics.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const SCALE = 255;
const DAMPING = 0.05;

/** Median µs per call of `fn` over `repeats` calls after `warmup` calls. */
function median(fn: () => unknown, repeats: number, warmup = repeats): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) * 1000);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)] as number;
}

/** The two variants timed alternately three times (JIT and clock drift fall on both); the best median of each. */
function pair(own: () => unknown, pkg: () => unknown, repeats: number): [number, number] {
  let a = Infinity;
  let b = Infinity;
  for (let round = 0; round < 3; round++) {
    a = Math.min(a, median(own, repeats));
    b = Math.min(b, median(pkg, repeats));
  }
  return [a, b];
}

/** The project's layout step (src/model/preprocess.ts, after the resize). */
function chwOwn(hwc: Float32Array, w: number, h: number): Float32Array {
  const plane = w * h;
  const chw = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const mean = MEAN[c] as number;
    const std = STD[c] as number;
    for (let i = 0; i < plane; i++) chw[c * plane + i] = ((hwc[i * 3 + c] as number) / SCALE - mean) / std;
  }
  return chw;
}

/** The same through ndarray's strided views. */
function chwNdarray(hwc: Float32Array, w: number, h: number): Float32Array {
  const src = ndarray(hwc, [h, w, 3]).transpose(2, 0, 1);
  const out = ndarray(new Float32Array(3 * w * h), [3, h, w]);
  for (let c = 0; c < 3; c++) {
    const mean = MEAN[c] as number;
    const std = STD[c] as number;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(c, y, x, (src.get(c, y, x) / SCALE - mean) / std);
  }
  return out.data as Float32Array;
}

/** The project's solve (src/robot/ik.ts: its damped Gram matrix and Cholesky solve), then Jᵀ y. */
function solveOwn(jac: Float64Array, e: Float64Array, n: number): Float64Array {
  const a = dampedGram(jac, n, DAMPING);
  const y = solveSpd(a, e, 6);
  const dq = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let i = 0; i < 6; i++) dq[k] = (dq[k] as number) + (jac[n * i + k] as number) * (y[i] as number);
  return dq;
}

/** The same with mathjs matrices. */
function solveMathjs(jac: Float64Array, e: Float64Array, n: number): number[] {
  const J = math.matrix(Array.from({ length: 6 }, (_, i) => Array.from(jac.subarray(n * i, n * i + n))));
  const A = math.add(math.multiply(J, math.transpose(J)), math.multiply(DAMPING * DAMPING, math.identity(6))) as math.Matrix;
  const y = math.lusolve(A, Array.from(e)) as math.Matrix;
  return (math.multiply(math.transpose(J), y) as math.Matrix).toArray().flat() as number[];
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const rows: { task: string; ownUs: number; packageUs: number; ratio: number; maxDiff: number }[] = [];
for (const side of [64, 256]) {
  const hwc = Float32Array.from({ length: side * side * 3 }, (_, i) => (i * 37) % 256);
  const d = maxDiff(chwOwn(hwc, side, side), chwNdarray(hwc, side, side));
  const [own, pkg] = pair(
    () => chwOwn(hwc, side, side),
    () => chwNdarray(hwc, side, side),
    side === 64 ? 2000 : 200,
  );
  rows.push({ task: `ndarray: HWC → CHW, normalised, ${side} x ${side}`, ownUs: own, packageUs: pkg, ratio: pkg / own, maxDiff: d });
}
{
  const n = 7;
  const jac = tcpJacobian(forwardKinematics(PANDA_READY_Q));
  const e = Float64Array.from([0.01, -0.02, 0.005, 0.01, 0, -0.01]);
  const d = maxDiff(solveOwn(jac, e, n), solveMathjs(jac, e, n));
  const [own, pkg] = pair(
    () => solveOwn(jac, e, n),
    () => solveMathjs(jac, e, n),
    2000,
  );
  rows.push({ task: 'mathjs: damped least squares Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ e, 6 x 7', ownUs: own, packageUs: pkg, ratio: pkg / own, maxDiff: d });
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
else {
  console.log('task | project µs | package µs | package / project | max |diff|');
  for (const r of rows) console.log(`${r.task} | ${r.ownUs.toFixed(2)} | ${r.packageUs.toFixed(2)} | ${r.ratio.toFixed(1)}x | ${r.maxDiff.toExponential(1)}`);
}
