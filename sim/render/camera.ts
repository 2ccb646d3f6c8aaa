/**
 * A pinhole camera looking from `eye` toward `target` with world +z up: world → camera transform
 * (camera x right, y up, looking along −z) and the perspective projection onto pixel coordinates.
 */

/** Camera placement and intrinsics. */
export interface CameraSpec {
  /** Camera position in the robot base frame (m) [3]. */
  eye: readonly [number, number, number];
  /** Point looked at (m) [3]. */
  target: readonly [number, number, number];
  /** Vertical field of view (degrees, in (1, 170)). */
  fovDeg: number;
  /** Image width (pixels). */
  width: number;
  /** Image height (pixels). */
  height: number;
  /** Near clipping distance (m, default 0.02). */
  near?: number;
  /** World direction that appears upward in the image (default +z); must not be parallel to the view direction. */
  up?: readonly [number, number, number];
}

/** The default up direction of a camera: world +z. */
const WORLD_UP = [0, 0, 1] as const;

/** Smallest and largest supported image side (pixels). */
export const IMAGE_SIZE_RANGE = { min: 16, max: 1024 } as const;

/** A camera ready for projection. */
export interface Camera {
  readonly spec: Readonly<CameraSpec>;
  /** World → camera rotation, row-major 3x3 (rows: right, up, back). */
  readonly rotation: Float64Array;
  /** Camera position [3]. */
  readonly eye: Float64Array;
  /** Focal length in pixels. */
  readonly focal: number;
  /** Near clipping distance (m). */
  readonly near: number;
}

/**
 * Builds a camera from its spec.
 * @throws RangeError for non-finite values, a degenerate view direction, a bad fov or size.
 */
export function createCamera(spec: CameraSpec): Camera {
  const values = [...spec.eye, ...spec.target, spec.fovDeg];
  if (!values.every(Number.isFinite)) throw new RangeError(`camera eye, target and fov must be finite, got ${JSON.stringify(spec)}`);
  if (!(spec.fovDeg > 1 && spec.fovDeg < 170)) throw new RangeError(`camera fovDeg must be in (1, 170), got ${spec.fovDeg}`);
  for (const [name, v] of [
    ['width', spec.width],
    ['height', spec.height],
  ] as const) {
    if (!Number.isInteger(v) || v < IMAGE_SIZE_RANGE.min || v > IMAGE_SIZE_RANGE.max) {
      throw new RangeError(`camera ${name} must be an integer in [${IMAGE_SIZE_RANGE.min}, ${IMAGE_SIZE_RANGE.max}], got ${v}`);
    }
  }
  const near = spec.near ?? 0.02;
  if (!(near > 0)) throw new RangeError(`camera near must be > 0, got ${near}`);
  const fx = spec.target[0] - spec.eye[0];
  const fy = spec.target[1] - spec.eye[1];
  const fz = spec.target[2] - spec.eye[2];
  const fn = Math.hypot(fx, fy, fz);
  if (fn < 1e-9) throw new RangeError('camera eye and target coincide');
  const fwd = [fx / fn, fy / fn, fz / fn] as const;
  // right = forward × up
  const [ax, ay, az] = spec.up ?? WORLD_UP;
  if (![ax, ay, az].every(Number.isFinite)) throw new RangeError(`camera up must be finite, got ${JSON.stringify(spec.up)}`);
  let rx = fwd[1] * az - fwd[2] * ay;
  let ry = fwd[2] * ax - fwd[0] * az;
  let rz = fwd[0] * ay - fwd[1] * ax;
  const rn = Math.hypot(rx, ry, rz);
  if (rn < 1e-6 * Math.max(1e-12, Math.hypot(ax, ay, az)))
    throw new RangeError(`camera must not look along its up direction ${JSON.stringify(spec.up ?? WORLD_UP)} (straight up or down for the default +z)`);
  rx /= rn;
  ry /= rn;
  rz /= rn;
  // up = right × forward
  const ux = ry * fwd[2] - rz * fwd[1];
  const uy = rz * fwd[0] - rx * fwd[2];
  const uz = rx * fwd[1] - ry * fwd[0];
  const rotation = Float64Array.of(rx, ry, rz, ux, uy, uz, -fwd[0], -fwd[1], -fwd[2]);
  const focal = spec.height / 2 / Math.tan((spec.fovDeg * Math.PI) / 360);
  return { spec: { ...spec }, rotation, eye: Float64Array.from(spec.eye), focal, near };
}

/** Camera-space coordinates [3] of a world point. */
export function worldToCamera(camera: Camera, p: ArrayLike<number>): [number, number, number] {
  const r = camera.rotation;
  const dx = (p[0] as number) - (camera.eye[0] as number);
  const dy = (p[1] as number) - (camera.eye[1] as number);
  const dz = (p[2] as number) - (camera.eye[2] as number);
  return [
    (r[0] as number) * dx + (r[1] as number) * dy + (r[2] as number) * dz,
    (r[3] as number) * dx + (r[4] as number) * dy + (r[5] as number) * dz,
    (r[6] as number) * dx + (r[7] as number) * dy + (r[8] as number) * dz,
  ];
}

/** A projected point: pixel coordinates (x right, y down, pixel centres at +0.5) and depth (m). */
export interface Projection {
  u: number;
  v: number;
  depth: number;
}

/** Projects a world point; `undefined` when it lies behind the near plane. */
export function projectPoint(camera: Camera, p: ArrayLike<number>): Projection | undefined {
  const [x, y, z] = worldToCamera(camera, p);
  const depth = -z;
  if (depth < camera.near) return undefined;
  return {
    u: camera.spec.width / 2 + (camera.focal * x) / depth,
    v: camera.spec.height / 2 - (camera.focal * y) / depth,
    depth,
  };
}
