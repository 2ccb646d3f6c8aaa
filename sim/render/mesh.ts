/**
 * Triangle meshes of MuJoCo's primitive geoms in their local frames (MuJoCo conventions: capsule
 * and cylinder along local z with size = [radius, half-length]; box size = half extents; plane
 * size = half extents in x and y, facing +z). Triangles wind counter-clockwise seen from outside.
 */

/** Vertices [V*3] and triangle corner indices [T*3] in the geom's local frame. */
export interface Mesh {
  vertices: Float64Array;
  triangles: Uint32Array;
}

/** Tessellation detail: segments around an axis and rings per hemisphere. */
export interface Detail {
  segments: number;
  rings: number;
}

/** Default tessellation detail, enough at 128–256 px. */
export const DEFAULT_DETAIL: Detail = { segments: 12, rings: 3 };

class MeshBuilder {
  private readonly v: number[] = [];
  private readonly t: number[] = [];

  vertex(x: number, y: number, z: number): number {
    this.v.push(x, y, z);
    return this.v.length / 3 - 1;
  }

  /** Adds a triangle, flipped if needed so it faces away from `centre` (convex shapes only). */
  triangle(a: number, b: number, c: number, centre: readonly [number, number, number]): void {
    const v = this.v;
    const p = (i: number, k: number): number => v[3 * i + k] as number;
    const ux = p(b, 0) - p(a, 0);
    const uy = p(b, 1) - p(a, 1);
    const uz = p(b, 2) - p(a, 2);
    const wx = p(c, 0) - p(a, 0);
    const wy = p(c, 1) - p(a, 1);
    const wz = p(c, 2) - p(a, 2);
    const nx = uy * wz - uz * wy;
    const ny = uz * wx - ux * wz;
    const nz = ux * wy - uy * wx;
    const mx = (p(a, 0) + p(b, 0) + p(c, 0)) / 3 - centre[0];
    const my = (p(a, 1) + p(b, 1) + p(c, 1)) / 3 - centre[1];
    const mz = (p(a, 2) + p(b, 2) + p(c, 2)) / 3 - centre[2];
    if (nx * nx + ny * ny + nz * nz < 1e-24) return;
    if (nx * mx + ny * my + nz * mz < 0) this.t.push(a, c, b);
    else this.t.push(a, b, c);
  }

  quad(a: number, b: number, c: number, d: number, centre: readonly [number, number, number]): void {
    this.triangle(a, b, c, centre);
    this.triangle(a, c, d, centre);
  }

  build(): Mesh {
    return { vertices: Float64Array.from(this.v), triangles: Uint32Array.from(this.t) };
  }
}

const ORIGIN = [0, 0, 0] as const;

/** Axis-aligned box with half extents (hx, hy, hz). */
export function boxMesh(hx: number, hy: number, hz: number): Mesh {
  const m = new MeshBuilder();
  const idx: number[] = [];
  for (let i = 0; i < 8; i++) idx.push(m.vertex(i & 1 ? hx : -hx, i & 2 ? hy : -hy, i & 4 ? hz : -hz));
  const c = (i: number): number => idx[i] as number;
  const faces = [
    [0, 1, 3, 2],
    [4, 5, 7, 6],
    [0, 1, 5, 4],
    [2, 3, 7, 6],
    [0, 2, 6, 4],
    [1, 3, 7, 5],
  ] as const;
  for (const [a, b, cc, d] of faces) m.quad(c(a), c(b), c(cc), c(d), ORIGIN);
  return m.build();
}

/** A one-sided rectangle in the local xy plane facing +z. */
export function planeMesh(hx: number, hy: number): Mesh {
  const m = new MeshBuilder();
  const a = m.vertex(-hx, -hy, 0);
  const b = m.vertex(hx, -hy, 0);
  const c = m.vertex(hx, hy, 0);
  const d = m.vertex(-hx, hy, 0);
  const below = [0, 0, -1] as const;
  m.quad(a, b, c, d, below);
  return m.build();
}

/**
 * A surface of revolution about local z given by a profile of (radius, z) rings from bottom to
 * top; rings of radius 0 become single pole vertices.
 */
function revolve(profile: ReadonlyArray<readonly [number, number]>, segments: number): Mesh {
  const m = new MeshBuilder();
  const rings: number[][] = [];
  for (const [r, z] of profile) {
    if (r === 0) {
      rings.push([m.vertex(0, 0, z)]);
      continue;
    }
    const ring: number[] = [];
    for (let s = 0; s < segments; s++) {
      const a = (2 * Math.PI * s) / segments;
      ring.push(m.vertex(r * Math.cos(a), r * Math.sin(a), z));
    }
    rings.push(ring);
  }
  for (let k = 0; k + 1 < rings.length; k++) {
    const lo = rings[k] as number[];
    const hi = rings[k + 1] as number[];
    const zc = (((profile[k] as readonly number[])[1] as number) + ((profile[k + 1] as readonly number[])[1] as number)) / 2;
    const centre = [0, 0, zc] as const;
    for (let s = 0; s < segments; s++) {
      const s1 = (s + 1) % segments;
      if (lo.length === 1) m.triangle(lo[0] as number, hi[s] as number, hi[s1] as number, centre);
      else if (hi.length === 1) m.triangle(lo[s] as number, lo[s1] as number, hi[0] as number, centre);
      else m.quad(lo[s] as number, lo[s1] as number, hi[s1] as number, hi[s] as number, centre);
    }
  }
  return m.build();
}

/** Closed cylinder of radius r from z = −h to z = h. */
export function cylinderMesh(r: number, h: number, detail: Detail = DEFAULT_DETAIL): Mesh {
  return revolve(
    [
      [0, -h],
      [r, -h],
      [r, h],
      [0, h],
    ],
    detail.segments,
  );
}

/** Capsule: a cylinder of radius r from z = −h to z = h capped by hemispheres. */
export function capsuleMesh(r: number, h: number, detail: Detail = DEFAULT_DETAIL): Mesh {
  const profile: Array<[number, number]> = [[0, -h - r]];
  for (let k = 1; k <= detail.rings; k++) {
    const a = (Math.PI / 2) * (k / detail.rings);
    profile.push([r * Math.sin(a), -h - r * Math.cos(a)]);
  }
  for (let k = detail.rings; k >= 1; k--) {
    const a = (Math.PI / 2) * (k / detail.rings);
    profile.push([r * Math.sin(a), h + r * Math.cos(a)]);
  }
  profile.push([0, h + r]);
  return revolve(profile, detail.segments);
}

/** Ellipsoid with semi-axes (rx, ry, rz); a sphere when they are equal. */
export function ellipsoidMesh(rx: number, ry: number, rz: number, detail: Detail = DEFAULT_DETAIL): Mesh {
  const profile: Array<[number, number]> = [];
  const n = 2 * detail.rings;
  for (let k = 0; k <= n; k++) {
    const a = Math.PI * (k / n);
    profile.push([Math.abs(Math.sin(a)) < 1e-12 ? 0 : Math.sin(a), -Math.cos(a)]);
  }
  const unit = revolve(profile, detail.segments);
  for (let i = 0; i < unit.vertices.length; i += 3) {
    unit.vertices[i] = (unit.vertices[i] as number) * rx;
    unit.vertices[i + 1] = (unit.vertices[i + 1] as number) * ry;
    unit.vertices[i + 2] = (unit.vertices[i + 2] as number) * rz;
  }
  return unit;
}
