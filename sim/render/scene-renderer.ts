/**
 * Renders a set of posed primitive meshes through a {@link Camera} with flat Lambert shading
 * (a key light fixed in the world plus a weak headlight) and back-face culling.
 * Knows nothing of MuJoCo: the simulator hands it meshes, colours and per-frame poses.
 */
import { type Camera } from './camera.js';
import { capsuleMesh, boxMesh, cylinderMesh, ellipsoidMesh, planeMesh, type Mesh } from './mesh.js';
import { Rasterizer, type Rgb } from './rasterizer.js';

/** One drawable: a mesh in its local frame and its base colour. */
export interface RenderGeom {
  mesh: Mesh;
  /** Base colour, 0–1 per channel. */
  colour: readonly [number, number, number];
  /** Whether it casts a shadow when shadows are on (default false). */
  castsShadow?: boolean;
}

/** Per-frame geom poses, aligned with the geoms: positions [G*3] and row-major rotations [G*9]. */
export interface GeomPoses {
  xpos: ArrayLike<number>;
  xmat: ArrayLike<number>;
}

/** Lighting and background; every field has a default. */
export interface ShadingOptions {
  /** Background colour 0–255 (default a light grey-blue). */
  background?: Rgb;
  /** Direction toward the key light in the world (default from above, front-left). */
  keyLight?: readonly [number, number, number];
  /** Ambient, key and headlight intensities (default 0.35, 0.55, 0.25). */
  ambient?: number;
  key?: number;
  head?: number;
  /**
   * Hard shadows straight down onto a horizontal plane (off when absent): the one depth cue a
   * single oblique camera gets for free — where the hand is over the table and how high above its
   * shadow. Drawn just above the plane, so anything between it and the camera hides it.
   */
  shadow?: ShadowOptions;
}

/** A shadow plane and colour. */
export interface ShadowOptions {
  /** Height of the receiving plane (m). */
  planeZ: number;
  /** Shadow colour 0–255. */
  colour: Rgb;
  /**
   * Where the light comes from, as the shadow's horizontal shift (world x, y) per metre of height
   * above the plane (default [0, 0]: light straight overhead).
   */
  slant?: readonly [number, number];
}

/** The pose of world-frame meshes (overlays): at the origin, unrotated. */
const WORLD_POSE = { xpos: [0, 0, 0], xmat: [1, 0, 0, 0, 1, 0, 0, 0, 1] } as const;

/** Height of drawn shadows above their plane (m): clears the plane in the z-buffer, never an object on it. */
const SHADOW_LIFT = 0.0005;

const DEFAULT_BACKGROUND: Rgb = [190, 200, 214];
/** Default direction toward the key light (world): from above, front-left. */
export const DEFAULT_KEY_LIGHT = [0.35, 0.45, 1] as const;

/** MuJoCo geom type codes understood by {@link meshForGeomType}. */
const GEOM = { plane: 0, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6 } as const;

/** Plane half-extent used when a MuJoCo plane has size 0 (infinite). */
const INFINITE_PLANE_HALF = 10;

/**
 * The mesh of a MuJoCo primitive from its type code and size triple, or `undefined` for types
 * not drawn (height fields, meshes).
 */
export function meshForGeomType(type: number, size: ArrayLike<number>): Mesh | undefined {
  const s0 = size[0] as number;
  const s1 = size[1] as number;
  const s2 = size[2] as number;
  switch (type) {
    case GEOM.plane:
      return planeMesh(s0 > 0 ? s0 : INFINITE_PLANE_HALF, s1 > 0 ? s1 : INFINITE_PLANE_HALF);
    case GEOM.sphere:
      return ellipsoidMesh(s0, s0, s0);
    case GEOM.capsule:
      return capsuleMesh(s0, s1);
    case GEOM.ellipsoid:
      return ellipsoidMesh(s0, s1, s2);
    case GEOM.cylinder:
      return cylinderMesh(s0, s1);
    case GEOM.box:
      return boxMesh(s0, s1, s2);
    default:
      return undefined;
  }
}

/** Draws posed geoms into an RGB8 frame. */
export class SceneRenderer {
  private readonly raster: Rasterizer;
  private readonly scratch: Float64Array;
  private readonly tri = new Float64Array(9);
  /** Scratch rotation camera ← geom. */
  private readonly pose = new Float64Array(9);
  private readonly keyCam: Float64Array;
  private readonly keyWorld: readonly [number, number, number];
  private cam: Camera;
  private readonly background: Rgb;
  private readonly ambient: number;
  private readonly key: number;
  private readonly head: number;
  private readonly shadow: ShadowOptions | undefined;

  /**
   * @param camera the camera (its size fixes the frame size).
   * @param geoms drawables in the order of the poses passed to {@link render}; `undefined`
   *   entries are skipped.
   * @param overlays drawables fixed in the world, their meshes in world coordinates (a pattern
   *   on the table); drawn first, never casting shadows.
   */
  constructor(
    camera: Camera,
    private readonly geoms: ReadonlyArray<RenderGeom | undefined>,
    shading: ShadingOptions = {},
    private readonly overlays: readonly RenderGeom[] = [],
  ) {
    this.raster = new Rasterizer(camera);
    const maxVertices = Math.max(1, ...[...geoms, ...overlays].map((g) => (g ? g.mesh.vertices.length : 0)));
    this.scratch = new Float64Array(maxVertices);
    this.background = shading.background ?? DEFAULT_BACKGROUND;
    this.ambient = shading.ambient ?? 0.35;
    this.key = shading.key ?? 0.55;
    this.head = shading.head ?? 0.25;
    this.shadow = shading.shadow;
    const l = shading.keyLight ?? DEFAULT_KEY_LIGHT;
    const n = Math.hypot(l[0], l[1], l[2]);
    this.keyWorld = [l[0] / n, l[1] / n, l[2] / n];
    this.keyCam = new Float64Array(3);
    this.cam = camera;
    this.aimKeyLight();
  }

  /** The camera frames are drawn from. */
  get camera(): Camera {
    return this.cam;
  }

  /**
   * Moves the camera (a camera mounted on the arm): same image size, focal length and near plane.
   * @throws RangeError for a camera of another size or intrinsics.
   */
  setCamera(camera: Camera): void {
    const c = this.cam;
    if (camera.spec.width !== c.spec.width || camera.spec.height !== c.spec.height || camera.focal !== c.focal || camera.near !== c.near)
      throw new RangeError(`setCamera needs the same size and intrinsics (${c.spec.width}x${c.spec.height}, focal ${c.focal}, near ${c.near})`);
    this.cam = camera;
    this.aimKeyLight();
  }

  /** The key light's direction in the camera's frame (the light is fixed in the world). */
  private aimKeyLight(): void {
    const r = this.cam.rotation;
    const [w0, w1, w2] = this.keyWorld;
    for (let i = 0; i < 3; i++) this.keyCam[i] = (r[3 * i] as number) * w0 + (r[3 * i + 1] as number) * w1 + (r[3 * i + 2] as number) * w2;
  }

  /** Number of triangles in the scene (for benchmarks). */
  get triangleCount(): number {
    return this.geoms.reduce((sum, g) => sum + (g ? g.mesh.triangles.length / 3 : 0), 0);
  }

  /** Inverse depth (1/m) of the last frame per pixel, 0 where only background [H*W]. */
  get inverseDepth(): Float64Array {
    return this.raster.invDepth;
  }

  /**
   * Renders one frame.
   * @returns the renderer's own RGB8 buffer [H*W*3] (copy it to keep it past the next call).
   */
  render(poses: GeomPoses): Uint8Array {
    const raster = this.raster;
    raster.clear(this.background);
    for (const overlay of this.overlays) this.drawMesh(overlay, this.toCamera(overlay, WORLD_POSE.xpos, WORLD_POSE.xmat, 0));
    for (let g = 0; g < this.geoms.length; g++) {
      const geom = this.geoms[g];
      if (geom === undefined) continue;
      this.drawMesh(geom, this.toCamera(geom, poses.xpos, poses.xmat, g));
      if (this.shadow && geom.castsShadow) this.drawShadow(geom, poses, g, this.shadow);
    }
    return raster.rgb;
  }

  /** A geom's vertices in camera space (in the scratch buffer), posed by entry `g` of the poses. */
  private toCamera(geom: RenderGeom, xpos: ArrayLike<number>, xmat: ArrayLike<number>, g: number): Float64Array {
    const rc = this.camera.rotation;
    const eye = this.camera.eye;
    const m = this.pose;
    const px = (xpos[3 * g] as number) - (eye[0] as number);
    const py = (xpos[3 * g + 1] as number) - (eye[1] as number);
    const pz = (xpos[3 * g + 2] as number) - (eye[2] as number);
    // M = Rc · Rg, t = Rc · (p − eye)
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        m[3 * i + j] =
          (rc[3 * i] as number) * (xmat[9 * g + j] as number) +
          (rc[3 * i + 1] as number) * (xmat[9 * g + 3 + j] as number) +
          (rc[3 * i + 2] as number) * (xmat[9 * g + 6 + j] as number);
      }
    }
    const tx = (rc[0] as number) * px + (rc[1] as number) * py + (rc[2] as number) * pz;
    const ty = (rc[3] as number) * px + (rc[4] as number) * py + (rc[5] as number) * pz;
    const tz = (rc[6] as number) * px + (rc[7] as number) * py + (rc[8] as number) * pz;
    const src = geom.mesh.vertices;
    const dst = this.scratch;
    for (let k = 0; k < src.length; k += 3) {
      const x = src[k] as number;
      const y = src[k + 1] as number;
      const z = src[k + 2] as number;
      dst[k] = (m[0] as number) * x + (m[1] as number) * y + (m[2] as number) * z + tx;
      dst[k + 1] = (m[3] as number) * x + (m[4] as number) * y + (m[5] as number) * z + ty;
      dst[k + 2] = (m[6] as number) * x + (m[7] as number) * y + (m[8] as number) * z + tz;
    }
    return dst;
  }

  /** Projects a geom's vertices straight down onto the shadow plane and fills its triangles. */
  private drawShadow(geom: RenderGeom, poses: GeomPoses, g: number, shadow: ShadowOptions): void {
    const rc = this.camera.rotation;
    const eye = this.camera.eye;
    const src = geom.mesh.vertices;
    const dst = this.scratch;
    const z = shadow.planeZ + SHADOW_LIFT - (eye[2] as number);
    const [sx, sy] = shadow.slant ?? [0, 0];
    for (let k = 0; k < src.length; k += 3) {
      const lx = src[k] as number;
      const ly = src[k + 1] as number;
      const lz = src[k + 2] as number;
      // World position of the vertex, shifted along the light by its height, then camera space at the plane.
      const h =
        (poses.xpos[3 * g + 2] as number) +
        (poses.xmat[9 * g + 6] as number) * lx +
        (poses.xmat[9 * g + 7] as number) * ly +
        (poses.xmat[9 * g + 8] as number) * lz -
        shadow.planeZ;
      const x =
        (poses.xpos[3 * g] as number) +
        (poses.xmat[9 * g] as number) * lx +
        (poses.xmat[9 * g + 1] as number) * ly +
        (poses.xmat[9 * g + 2] as number) * lz +
        sx * h -
        (eye[0] as number);
      const y =
        (poses.xpos[3 * g + 1] as number) +
        (poses.xmat[9 * g + 3] as number) * lx +
        (poses.xmat[9 * g + 4] as number) * ly +
        (poses.xmat[9 * g + 5] as number) * lz +
        sy * h -
        (eye[1] as number);
      dst[k] = (rc[0] as number) * x + (rc[1] as number) * y + (rc[2] as number) * z;
      dst[k + 1] = (rc[3] as number) * x + (rc[4] as number) * y + (rc[5] as number) * z;
      dst[k + 2] = (rc[6] as number) * x + (rc[7] as number) * y + (rc[8] as number) * z;
    }
    const tris = geom.mesh.triangles;
    const tri = this.tri;
    for (let t = 0; t < tris.length; t += 3) {
      for (let i = 0; i < 3; i++) {
        const v = 3 * (tris[t + i] as number);
        tri[3 * i] = dst[v] as number;
        tri[3 * i + 1] = dst[v + 1] as number;
        tri[3 * i + 2] = dst[v + 2] as number;
      }
      this.raster.drawTriangle(tri, 0, shadow.colour);
    }
  }

  private drawMesh(geom: RenderGeom, v: Float64Array): void {
    const tris = geom.mesh.triangles;
    const tri = this.tri;
    const key = this.keyCam;
    const [cr, cg, cb] = geom.colour;
    for (let t = 0; t < tris.length; t += 3) {
      const a = 3 * (tris[t] as number);
      const b = 3 * (tris[t + 1] as number);
      const c = 3 * (tris[t + 2] as number);
      const x0 = v[a] as number;
      const y0 = v[a + 1] as number;
      const z0 = v[a + 2] as number;
      const ux = (v[b] as number) - x0;
      const uy = (v[b + 1] as number) - y0;
      const uz = (v[b + 2] as number) - z0;
      const wx = (v[c] as number) - x0;
      const wy = (v[c + 1] as number) - y0;
      const wz = (v[c + 2] as number) - z0;
      let nx = uy * wz - uz * wy;
      let ny = uz * wx - ux * wz;
      let nz = ux * wy - uy * wx;
      // Back-face culling: the camera sits at the origin of camera space.
      const facing = -(nx * x0 + ny * y0 + nz * z0);
      if (facing <= 0) continue;
      const nn = Math.hypot(nx, ny, nz);
      nx /= nn;
      ny /= nn;
      nz /= nn;
      const keyTerm = Math.max(0, nx * (key[0] as number) + ny * (key[1] as number) + nz * (key[2] as number));
      const headTerm = facing / (nn * Math.hypot(x0, y0, z0));
      const intensity = Math.min(1, this.ambient + this.key * keyTerm + this.head * headTerm);
      tri[0] = x0;
      tri[1] = y0;
      tri[2] = z0;
      tri[3] = v[b] as number;
      tri[4] = v[b + 1] as number;
      tri[5] = v[b + 2] as number;
      tri[6] = v[c] as number;
      tri[7] = v[c + 1] as number;
      tri[8] = v[c + 2] as number;
      this.raster.drawTriangle(tri, 0, [Math.round(255 * cr * intensity), Math.round(255 * cg * intensity), Math.round(255 * cb * intensity)]);
    }
  }
}
