/**
 * The built-in tabletop environment: a MuJoCo Panda driven by 7-D end-effector delta actions
 * through damped-least-squares IK, observed by a fixed RGB camera rendered in TypeScript.
 *
 * `reset(seed)` → observation, `step(action)` → observation, where an observation carries the RGB8
 * frame, the 7-D state [x, y, z (m), roll, pitch, yaw (extrinsic xyz Euler, rad), gripper
 * closedness 0 open … 1 closed] in the robot base frame, the task's progress and a status.
 * Same seed ⇒ same layout, same physics and byte-identical frames.
 */
import { TABLETOP_WORKSPACE } from '../src/robot/workspace.js';
import { eulerToMatrix, matrixToEuler, mul3, rotationFromVector, rotationVector, transpose3, type Mat3 } from '../src/robot/euler.js';
import { dlsStep, type IkOptions } from '../src/robot/ik.js';
import { FINGER_TRAVEL, forwardKinematics, PANDA_DOF, PANDA_READY_Q } from '../src/robot/panda-kinematics.js';
import { ACTION_DIM, checkAction, resolveBounds, SIM_STATUS, type ActionBounds, type SimStatus } from './action.js';
import { compileModel, MJ_OBJ, mujoco, type MainModule, type MjData, type MjModel } from './mujoco.js';
import { pickAppearance, type Appearance } from './appearance.js';
import { createCamera, projectPoint, type Camera, type CameraSpec, type Projection } from './render/camera.js';
import { DEFAULT_KEY_LIGHT, SceneRenderer, type GeomPoses } from './render/scene-renderer.js';
import { buildSceneXml, SCENE_DEFAULTS, SCENE_NAMES, TABLE_TOP, TABLE_TOP_Z, type CubeCount, type SceneOptions } from './scene.js';
import { activeDistractors, buildSceneView, type SceneIds, type SceneView } from './scene-view.js';
import { checkSeed, DEFAULT_MAX_STEPS, evaluateTask, parseTaskName, sampleLayout, type Layout, type TaskInfo, type TaskName } from './tasks.js';

/** Default exocentric camera: in front of the robot and to its right, looking down at the workspace. */
export const DEFAULT_CAMERA: CameraSpec = {
  eye: [1.05, -0.5, 0.62],
  target: [0.45, 0, 0.16],
  fovDeg: 48,
  width: 128,
  height: 128,
};

/**
 * A camera mounted on the hand, in the tool frame (m): beside the fingers and behind the tool
 * centre, looking at the point between the fingertips — at the home orientation (tool down) 10 cm
 * above and 6 cm to the −y side of the tool centre, looking down at the fingers. A grasp changes
 * 12–13 % of its 64 px pixels against 1–2 % of the front camera's (MODEL_CARD.md, "Seeing the grasp").
 * Image up is the tool's −z (world up at the home orientation), so the view never degenerates.
 */
export const WRIST_CAMERA = { eyeInTool: [0, 0.06, -0.1], targetInTool: [0, 0, 0.01], upInTool: [0, 0, -1], fovDeg: 75 } as const;

/** Axis-aligned box the tool-centre target is kept in (m, base frame). */
export interface Workspace {
  min: [number, number, number];
  max: [number, number, number];
}

/** Default workspace: fingertips stay above the table top ({@link TABLETOP_WORKSPACE}, shared with the node's safety defaults). */
export const DEFAULT_WORKSPACE: Workspace = { min: [...TABLETOP_WORKSPACE.min], max: [...TABLETOP_WORKSPACE.max] };

export type { Appearance } from './appearance.js';

/**
 * Options of {@link TabletopSim.create}; every field has a default. The appearance fields
 * (sim/appearance.ts: light, colours, table pattern, distractors) are absent = as trained.
 */
export interface TabletopOptions extends Omit<Appearance, 'camera' | 'shadows'> {
  /** Task (default 'pick-place'). */
  task?: TaskName;
  /** Scene (cubes, friction, physics time step 2 ms). */
  scene?: SceneOptions;
  /** Control period (s, default 0.25 = 4 Hz like the paper's 4 fps data). */
  controlPeriod?: number;
  /** IK update rate inside a control period (Hz, default 50). */
  ikRateHz?: number;
  /** Fraction of the period over which the Cartesian target is interpolated (default 0.6); the rest settles. */
  interpolationFraction?: number;
  /** Camera placement, fov and image size (defaults {@link DEFAULT_CAMERA}). */
  camera?: Partial<CameraSpec>;
  /** Render a frame on every reset/step (default true); when false, `rgb` is empty. */
  render?: boolean;
  /** Also render the hand-mounted camera ({@link WRIST_CAMERA}) on every reset/step into `Observation.wristRgb` (default false). */
  wrist?: boolean;
  /**
   * Draw hard shadows of the arm and cubes onto the table, the light slanting toward the camera (default false: the
   * shipped model was trained without them). A depth cue for the single oblique camera, which
   * otherwise hardly sees motion along its viewing ray (see src/loop/ray-probe.ts).
   */
  shadows?: boolean;
  /** Per-step action bounds (defaults {@link DEFAULT_ACTION_BOUNDS}). */
  actionBounds?: ActionBounds;
  /** Tool-centre workspace (default {@link DEFAULT_WORKSPACE}). */
  workspace?: Workspace;
  /** Episode length in control steps (default per task, {@link DEFAULT_MAX_STEPS}). */
  maxSteps?: number;
  /**
   * What state[6] reports (default 'commanded'): the commanded closedness — the quantity the
   * action's Δgripper integrates, so the next state is exactly clip(state + Δ, 0, 1) — or the
   * measured finger closedness (which stops at the cube's width when grasping).
   */
  gripperState?: 'commanded' | 'measured';
  /** IK tuning (damping, posture pull, …). */
  ik?: IkOptions;
}

/** What the environment returns from reset and step. */
export interface Observation {
  /** RGB8 frame, row-major from the top-left [height*width*3] (empty when rendering is off). */
  rgb: Uint8Array;
  /** The wrist camera's frame, the same size (only with the `wrist` option; empty when rendering is off). */
  wristRgb?: Uint8Array;
  width: number;
  height: number;
  /** [x, y, z, roll, pitch, yaw, gripper] in the robot base frame. */
  state: Float64Array;
  /** Task progress. */
  task: TaskInfo;
  /** Outcome of the last action. */
  status: SimStatus;
  /** Control steps taken since reset. */
  step: number;
  /** Whether the task succeeded or the step limit was reached. */
  done: boolean;
  /** Measured finger closedness (1 − mean finger opening / 0.04) [0, 1]. */
  fingerClosedness: number;
}

/** A pose: position [3] and row-major rotation [9] or quaternion (w, x, y, z) [4]. */
export interface CubePose {
  position: Float64Array;
  quaternion: Float64Array;
}

/** MuJoCo's world body id. */
const WORLD_BODY = 0;
/** Shadow colour as a fraction of the table's base colour. */
const SHADOW_SHADE = 0.4;
/**
 * Shadow shift per metre of height (world x, y): light from behind the robot's left, so shadows
 * fall toward the camera. Of the directions tried (scratch probe, 6 layouts, 3 cm moves 6 cm above
 * the cube, 64 px) it changes the frame most along the camera ray: 2.90 grey levels per pixel,
 * vs 1.98 with light straight overhead and 1.25 without shadows.
 */
const SHADOW_SLANT: [number, number] = [0.77, -0.64];

/**
 * Where cubes that are not part of the current appearance wait (x, y on the table, m): behind the
 * robot, out of the arm's reach; they are not drawn.
 */
const PARKED_CUBES: ReadonlyArray<readonly [number, number]> = [
  [TABLE_TOP.x[0] + 0.05, 0.62],
  [TABLE_TOP.x[0] + 0.05, -0.62],
];

/** The place of the j-th cube left out of the layout. */
function parkedCube(j: number): { x: number; y: number; yaw: number } {
  const [x, y] = PARKED_CUBES[j] as readonly [number, number];
  return { x, y, yaw: 0 };
}

/** Target pose drift beyond which a new action starts from the measured pose (anti-windup). */
const RESYNC_POSITION = 0.02;
const RESYNC_ROTATION = 0.1;
/** Joint-command drift from the measured joints beyond which the IK restarts from them (rad). */
const RESYNC_JOINTS = 0.25;
/** Physics time simulated after a reset so the cubes settle (s). */
const SETTLE_TIME = 0.1;

/** A Panda tabletop simulation. Create with {@link TabletopSim.create}; free with {@link close}. */
/** The MjData arrays a snapshot copies: everything mj_step reads that a step changes. */
const SNAPSHOT_FIELDS = ['qpos', 'qvel', 'act', 'ctrl', 'qacc_warmstart', 'mocap_pos', 'mocap_quat'] as const;

/** A copy of a simulator's state ({@link TabletopSim.snapshot}); opaque to callers. */
export interface SimSnapshot {
  readonly physics: Readonly<Record<(typeof SNAPSHOT_FIELDS)[number], Float64Array>>;
  readonly time: number;
  readonly qDes: Float64Array;
  readonly targetPos: Float64Array;
  readonly targetRot: Float64Array;
  readonly gripperCmd: number;
  readonly steps: number;
  /** Whether the cube had been lifted in the episode (pick-and-place's memory). */
  readonly lifted: boolean;
  readonly layout: Layout;
  readonly rgb: Uint8Array;
  readonly wristRgb: Uint8Array;
}

export class TabletopSim {
  /** The task being scored. */
  readonly task: TaskName;
  /** Physics substeps per control step. */
  readonly substeps: number;
  /** Episode length in control steps. */
  readonly maxSteps: number;

  private readonly bounds: Required<ActionBounds>;
  private readonly workspace: Workspace;
  /** The camera and renderer of the current appearance ({@link setAppearance}). */
  private view: SceneView;
  /** The current appearance (the creation options' unless {@link setAppearance} changed it). */
  private appearanceNow: Appearance;
  /** The last appearance {@link renderWith} was given and its view. */
  private twin: { given: Appearance; view: SceneView } | undefined;
  /** The appearance fields of the creation options: what unset fields of {@link setAppearance} go back to. */
  private readonly baseAppearance: Appearance;
  private readonly baseCamera: CameraSpec;
  private readonly shadows: boolean;
  private readonly ids: SceneIds;
  private readonly renderEnabled: boolean;
  private readonly wrist: boolean;
  /** The wrist camera's renderer, moved with the hand each frame (rebuilt after {@link setAppearance}). */
  private wristRenderer: SceneRenderer | undefined;
  private readonly ikEvery: number;
  private readonly interpolationFraction: number;
  private readonly gripperState: 'commanded' | 'measured';
  private readonly ikOptions: IkOptions;
  private readonly cubeCount: CubeCount;
  private readonly restZ: number;
  private readonly armQpos: number[];
  private readonly fingerQpos: number[];
  private readonly cubeQpos: number[];
  private readonly targetMocap: number;

  private qDes: Float64Array = Float64Array.from(PANDA_READY_Q);
  private targetPos: Float64Array = new Float64Array(3);
  private targetRot: Mat3 = new Float64Array(9);
  private gripperCmd = 0;
  private steps = 0;
  /** The cube was lifted at an observation of this episode (see {@link evaluateTask}). */
  private lifted = false;
  private currentLayout: Layout | undefined;
  private lastRgb: Uint8Array = new Uint8Array(0);
  private lastWrist: Uint8Array = new Uint8Array(0);
  private closed = false;

  private constructor(
    private readonly mj: MainModule,
    private readonly model: MjModel,
    private readonly data: MjData,
    options: TabletopOptions,
  ) {
    this.task = parseTaskName(options.task ?? 'pick-place');
    const timestep = options.scene?.timestep ?? SCENE_DEFAULTS.timestep;
    const period = options.controlPeriod ?? 0.25;
    if (!(Number.isFinite(period) && period >= timestep && period <= 2)) {
      throw new RangeError(`controlPeriod must be in [${timestep}, 2] s, got ${String(period)}`);
    }
    const ikRate = options.ikRateHz ?? 50;
    if (!(Number.isFinite(ikRate) && ikRate > 0)) throw new RangeError(`ikRateHz must be > 0, got ${String(ikRate)}`);
    this.interpolationFraction = options.interpolationFraction ?? 0.6;
    if (!(this.interpolationFraction > 0 && this.interpolationFraction <= 1)) {
      throw new RangeError(`interpolationFraction must be in (0, 1], got ${String(this.interpolationFraction)}`);
    }
    this.substeps = Math.max(1, Math.round(period / timestep));
    this.ikEvery = Math.max(1, Math.round(1 / (ikRate * timestep)));
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS[this.task];
    if (!(Number.isSafeInteger(this.maxSteps) && this.maxSteps > 0)) throw new RangeError(`maxSteps must be a positive integer, got ${String(this.maxSteps)}`);
    this.bounds = resolveBounds(options.actionBounds);
    this.workspace = options.workspace ?? DEFAULT_WORKSPACE;
    this.renderEnabled = options.render ?? true;
    this.wrist = options.wrist ?? false;
    this.gripperState = options.gripperState ?? 'commanded';
    this.ikOptions = options.ik ?? {};
    this.cubeCount = options.scene?.cubeCount ?? SCENE_DEFAULTS.cubeCount;
    this.restZ = TABLE_TOP_Z + (options.scene?.cubeSize ?? SCENE_DEFAULTS.cubeSize) / 2;

    const id = (type: number, name: string): number => {
      const i = mj.mj_name2id(model, type, name);
      if (i < 0) throw new Error(`scene has no ${name}`);
      return i;
    };
    const qposAdr = model.jnt_qposadr as Int32Array;
    this.armQpos = SCENE_NAMES.armJoints.map((n) => qposAdr[id(MJ_OBJ.joint, n)] as number);
    this.fingerQpos = SCENE_NAMES.fingerJoints.map((n) => qposAdr[id(MJ_OBJ.joint, n)] as number);
    this.cubeQpos = SCENE_NAMES.cubeJoints.slice(0, this.cubeCount).map((n) => qposAdr[id(MJ_OBJ.joint, n)] as number);
    this.targetMocap = (model.body_mocapid as Int32Array)[id(MJ_OBJ.body, SCENE_NAMES.target)] as number;

    this.shadows = options.shadows ?? false;
    this.ids = {
      world: WORLD_BODY,
      target: id(MJ_OBJ.body, SCENE_NAMES.target),
      cubes: SCENE_NAMES.cubes.slice(0, this.cubeCount).map((n) => id(MJ_OBJ.body, n)),
      table: id(MJ_OBJ.geom, 'table'),
    };
    this.baseCamera = { ...DEFAULT_CAMERA, ...options.camera };
    const appearance = pickAppearance(options);
    this.baseAppearance = appearance;
    this.appearanceNow = appearance;
    this.view = this.buildView(this.baseCamera, appearance);
  }

  /** The camera (pose, intrinsics). */
  get camera(): Camera {
    return this.view.camera;
  }

  /**
   * Changes what the camera sees from the next frame on — its pose, the light, the colours, the
   * table's pattern, the distractors (sim/appearance.ts; `collect --randomise` draws them per
   * episode). Unset fields go back to the options the simulator was created with; the image size
   * never changes. A new number of distractors takes its places on the table at the next reset.
   * @throws RangeError for a bad camera, light, colour or distractor count (the old appearance stays).
   */
  setAppearance(a: Appearance): void {
    const { appearance, view } = this.viewFor(a);
    this.view = view;
    this.appearanceNow = appearance;
    this.wristRenderer = undefined;
  }

  /** The current appearance (camera pose excepted). */
  get appearance(): Appearance {
    return this.appearanceNow;
  }

  /** An appearance over the creation options' (its unset fields theirs) and its view; the image size never changes. */
  private viewFor(a: Appearance): { appearance: Appearance; view: SceneView } {
    const appearance: Appearance = { ...this.baseAppearance, ...a };
    const camera = { ...this.baseCamera, ...a.camera, width: this.baseCamera.width, height: this.baseCamera.height };
    return { appearance, view: this.buildView(camera, appearance) };
  }

  /** The camera and renderer for an appearance. */
  private buildView(camera: CameraSpec, a: Appearance): SceneView {
    const shadows = a.shadows ?? this.shadows;
    return buildSceneView(this.model, this.ids, camera, a, { keyLight: DEFAULT_KEY_LIGHT, shadowSlant: SHADOW_SLANT, shadowShade: SHADOW_SHADE, shadows });
  }

  /**
   * Loads MuJoCo (once per process), compiles the scene and returns a simulation; call
   * {@link reset} before stepping.
   * @throws RangeError for invalid options (unknown task, bad camera, bounds, …).
   */
  static async create(options: TabletopOptions = {}): Promise<TabletopSim> {
    parseTaskName(options.task ?? 'pick-place');
    const xml = buildSceneXml(options.scene);
    const mj = await mujoco();
    const model = compileModel(mj, xml);
    const data = new mj.MjData(model);
    try {
      return new TabletopSim(mj, model, data, options);
    } catch (error) {
      data.delete();
      model.delete();
      throw error;
    }
  }

  /** The current episode's layout (cubes, target). @throws Error before the first reset. */
  get layout(): Layout {
    if (this.currentLayout === undefined) throw new Error('call reset(seed) first');
    return this.currentLayout;
  }

  /** Control steps taken since the last reset. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Starts an episode: arm at the ready posture, gripper open, cubes and target placed from the
   * seed's layout.
   * @throws RangeError for a seed that is not a non-negative safe integer.
   */
  reset(seed: number): Observation {
    this.assertOpen();
    checkSeed(seed);
    const layout = sampleLayout(this.task, seed, (1 + activeDistractors(this.appearanceNow, this.cubeCount)) as CubeCount);
    const { mj, model, data } = this;
    mj.mj_resetDataKeyframe(model, data, 0);
    const qpos = data.qpos as Float64Array;
    this.cubeQpos.forEach((a, k) => {
      const cube = layout.cubes[k] ?? parkedCube(k - layout.cubes.length);
      qpos.set([cube.x, cube.y, this.restZ, Math.cos(cube.yaw / 2), 0, 0, Math.sin(cube.yaw / 2)], a);
    });
    const mocap = data.mocap_pos as Float64Array;
    mocap.set(this.task === 'pick-place' ? layout.target : [layout.target[0], layout.target[1], -0.2], 3 * this.targetMocap);
    this.qDes = Float64Array.from(PANDA_READY_Q);
    const fk = forwardKinematics(this.qDes);
    this.targetPos = fk.position;
    this.targetRot = fk.rotation;
    this.gripperCmd = 0;
    this.writeControls();
    const settleSteps = Math.round(SETTLE_TIME / model.opt.timestep);
    for (let i = 0; i < settleSteps; i++) mj.mj_step(model, data);
    this.steps = 0;
    this.lifted = false;
    this.currentLayout = layout;
    return this.observe({ code: SIM_STATUS.RESET, message: `reset with seed ${seed}` });
  }

  /**
   * Applies one 7-D end-effector delta for one control period. Invalid actions (wrong length,
   * NaN, ±Infinity) are rejected with status INVALID_ACTION and leave the physics untouched;
   * out-of-bound components are clamped (ACTION_CLAMPED); targets outside the workspace are
   * clamped to it (WORKSPACE_LIMIT).
   * @throws Error when called before {@link reset} or after {@link close}.
   */
  step(action: ArrayLike<number>): Observation {
    this.assertOpen();
    if (this.currentLayout === undefined) throw new Error('call reset(seed) before step()');
    const checked = checkAction(action, this.bounds);
    if (!checked.ok) return this.observe(checked.status, false);
    const a = checked.action;
    let status = checked.status;

    const { mj, model, data } = this;
    const q = this.jointPositions();
    const fk = forwardKinematics(q);
    // Start from the previous target unless the arm has fallen behind it (blocked, pushed).
    const posDrift = Math.hypot(...[0, 1, 2].map((i) => (this.targetPos[i] as number) - (fk.position[i] as number)));
    const rotDrift = Math.hypot(...rotationVector(mul3(this.targetRot, transpose3(fk.rotation))));
    const startPos = posDrift > RESYNC_POSITION ? fk.position : this.targetPos;
    const startRot = rotDrift > RESYNC_ROTATION ? fk.rotation : this.targetRot;
    let limited = false;
    const endPos = new Float64Array(3);
    for (let i = 0; i < 3; i++) {
      const wanted = (startPos[i] as number) + (a[i] as number);
      const lo = this.workspace.min[i] as number;
      const hi = this.workspace.max[i] as number;
      endPos[i] = Math.min(hi, Math.max(lo, wanted));
      if (endPos[i] !== wanted) limited = true;
    }
    if (limited) {
      const text = `tool target clamped to the workspace at (${Array.from(endPos, (v) => v.toFixed(3)).join(', ')})`;
      status = {
        code: status.code === SIM_STATUS.OK ? SIM_STATUS.WORKSPACE_LIMIT : status.code,
        message: status.code === SIM_STATUS.OK ? text : `${status.message}; ${text}`,
      };
    }
    const endRot = mul3(eulerToMatrix(a[3] as number, a[4] as number, a[5] as number), startRot);
    this.gripperCmd = Math.min(1, Math.max(0, this.gripperCmd + (a[6] as number)));

    let jointDrift = 0;
    for (let i = 0; i < PANDA_DOF; i++) jointDrift = Math.max(jointDrift, Math.abs((this.qDes[i] as number) - (q[i] as number)));
    if (jointDrift > RESYNC_JOINTS) this.qDes = q;

    const turn = rotationVector(mul3(endRot, transpose3(startRot)));
    const ticks = Math.ceil(this.substeps / this.ikEvery);
    const pos = new Float64Array(3);
    const partial = new Float64Array(9);
    const rot = new Float64Array(9);
    for (let s = 0; s < this.substeps; s++) {
      if (s % this.ikEvery === 0) {
        const frac = Math.min(1, (s / this.ikEvery + 1) / (ticks * this.interpolationFraction));
        for (let i = 0; i < 3; i++) pos[i] = (startPos[i] as number) + frac * ((endPos[i] as number) - (startPos[i] as number));
        rotationFromVector([turn[0] * frac, turn[1] * frac, turn[2] * frac], partial);
        mul3(partial, startRot, rot);
        this.qDes = dlsStep(this.qDes, pos, rot, this.ikOptions);
        this.writeControls();
      }
      mj.mj_step(model, data);
    }
    this.targetPos = endPos;
    this.targetRot = endRot;
    this.steps++;
    return this.observe(status);
  }

  /**
   * Everything {@link step} depends on, copied: physics state (positions, velocities, actuator
   * state, controls, solver warm start, time, mocap bodies) and the controller's targets. With
   * {@link restore} it branches an episode: try an action, look, go back, take another.
   * @throws Error when called before {@link reset} or after {@link close}.
   */
  snapshot(): SimSnapshot {
    this.assertOpen();
    if (this.currentLayout === undefined) throw new Error('call reset(seed) before snapshot()');
    const d = this.data;
    return {
      physics: Object.fromEntries(SNAPSHOT_FIELDS.map((k) => [k, Float64Array.from(d[k] as Float64Array)])) as SimSnapshot['physics'],
      time: d.time,
      qDes: this.qDes.slice(),
      targetPos: this.targetPos.slice(),
      targetRot: this.targetRot.slice(),
      gripperCmd: this.gripperCmd,
      steps: this.steps,
      lifted: this.lifted,
      layout: this.currentLayout,
      rgb: this.lastRgb.slice(),
      wristRgb: this.lastWrist.slice(),
    };
  }

  /** Returns to a {@link snapshot} of this simulator (the next step is the one that followed it). */
  restore(s: SimSnapshot): void {
    this.assertOpen();
    const d = this.data;
    for (const k of SNAPSHOT_FIELDS) {
      const f = d[k] as Float64Array;
      const v = s.physics[k];
      if (v.length !== f.length) throw new RangeError(`snapshot does not fit this simulator (${k}: ${v.length} values, expected ${f.length})`);
      f.set(v);
    }
    d.time = s.time;
    this.qDes = s.qDes.slice();
    this.targetPos = s.targetPos.slice();
    this.targetRot = s.targetRot.slice();
    this.gripperCmd = s.gripperCmd;
    this.steps = s.steps;
    this.lifted = s.lifted;
    this.currentLayout = s.layout;
    this.lastRgb = s.rgb.slice();
    this.lastWrist = s.wristRgb.slice();
    this.mj.mj_forward(this.model, d);
    // forward kinematics for readers of derived quantities; the solver's warm start as it was
    (d.qacc_warmstart as Float64Array).set(s.physics.qacc_warmstart);
  }

  /**
   * Advances the physics by `n` substeps holding the current controls (no IK, no rendering, no
   * step count): for benchmarks and settling.
   */
  stepPhysics(n: number): void {
    this.assertOpen();
    for (let i = 0; i < n; i++) this.mj.mj_step(this.model, this.data);
  }

  /** Renders the current scene (a fresh RGB8 copy [H*W*3]), regardless of the `render` option. */
  renderFrame(): Uint8Array {
    this.assertOpen();
    return this.view.renderer.render(this.geomPoses()).slice();
  }

  /**
   * Renders the current scene as another appearance would draw it (a fresh RGB8 copy [H*W*3]):
   * the same state seen under another light, camera, colours (the "twin" frames of `collect
   * --twin`). The simulator's own appearance and frames are unaffected. Its distractors must be
   * the ones on the table (the same number; colours may differ).
   * @throws RangeError for a bad appearance or another number of distractors.
   */
  renderWith(a: Appearance): Uint8Array {
    this.assertOpen();
    if (this.twin?.given !== a) {
      const { appearance, view } = this.viewFor(a);
      const n = activeDistractors(appearance, this.cubeCount);
      const now = activeDistractors(this.appearanceNow, this.cubeCount);
      if (n !== now) throw new RangeError(`renderWith needs the ${now} distractors on the table, got an appearance with ${n}`);
      this.twin = { given: a, view };
    }
    return this.twin.view.renderer.render(this.geomPoses()).slice();
  }

  /** Every geom's world pose now (kinematics brought up to date), as the renderers take them. */
  private geomPoses(): GeomPoses {
    this.mj.mj_kinematics(this.model, this.data);
    return { xpos: this.data.geom_xpos as Float64Array, xmat: this.data.geom_xmat as Float64Array };
  }

  /**
   * Renders the view of a camera mounted on the hand ({@link WRIST_CAMERA}), the main camera's
   * size, light and colours: a fresh RGB8 copy [H*W*3]. The main camera's frames are unaffected.
   */
  renderWrist(): Uint8Array {
    this.assertOpen();
    const poses = this.geomPoses();
    const { position: p, rotation: r } = this.tcpPose();
    // tool-frame direction → world direction, and tool-frame point → world point
    const rotate = (v: readonly number[]) => [0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + (r[3 * i + j] as number) * (v[j] as number), 0));
    const inWorld = (v: readonly number[]) => rotate(v).map((d, i) => d + (p[i] as number)) as [number, number, number];
    const { width, height } = this.view.camera.spec;
    const up = rotate(WRIST_CAMERA.upInTool) as [number, number, number];
    const camera = createCamera({
      eye: inWorld(WRIST_CAMERA.eyeInTool),
      target: inWorld(WRIST_CAMERA.targetInTool),
      up,
      fovDeg: WRIST_CAMERA.fovDeg,
      width,
      height,
    });
    if (this.wristRenderer) this.wristRenderer.setCamera(camera);
    else this.wristRenderer = new SceneRenderer(camera, this.view.geoms, this.view.shading, this.view.overlays);
    return this.wristRenderer.render(poses).slice();
  }

  /** Inverse depth (1/m) per pixel of the last rendered frame, 0 for background [H*W]. */
  lastInverseDepth(): Float64Array {
    return this.view.renderer.inverseDepth.slice();
  }

  /** Number of triangles drawn per frame (before culling). */
  get triangleCount(): number {
    return this.view.renderer.triangleCount;
  }

  /** The 7-D state [x, y, z, roll, pitch, yaw, gripper] now. */
  state(): Float64Array {
    const fk = forwardKinematics(this.jointPositions());
    const [roll, pitch, yaw] = matrixToEuler(fk.rotation);
    const gripper = this.gripperState === 'commanded' ? this.gripperCmd : this.fingerClosedness();
    return Float64Array.of(fk.position[0] as number, fk.position[1] as number, fk.position[2] as number, roll, pitch, yaw, gripper);
  }

  /** Tool centre pose now: position [3] and row-major rotation [9]. */
  tcpPose(): { position: Float64Array; rotation: Mat3 } {
    const fk = forwardKinematics(this.jointPositions());
    return { position: fk.position, rotation: fk.rotation };
  }

  /** Measured arm joint angles [7] (rad). */
  jointPositions(): Float64Array {
    const qpos = this.data.qpos as Float64Array;
    return Float64Array.from(this.armQpos, (a) => qpos[a] as number);
  }

  /** Commanded gripper closedness [0, 1]. */
  get gripperCommand(): number {
    return this.gripperCmd;
  }

  /** Measured finger closedness [0, 1]. */
  fingerClosedness(): number {
    const qpos = this.data.qpos as Float64Array;
    const mean = this.fingerQpos.reduce((s, a) => s + (qpos[a] as number), 0) / this.fingerQpos.length;
    return Math.min(1, Math.max(0, 1 - mean / FINGER_TRAVEL));
  }

  /** Pose of cube k (0 = the task's cube): centre [3] and quaternion (w, x, y, z) [4]. */
  cubePose(k = 0): CubePose {
    const a = this.cubeQpos[k];
    if (a === undefined) throw new RangeError(`cube index must be in [0, ${this.cubeCount - 1}], got ${k}`);
    const qpos = this.data.qpos as Float64Array;
    return { position: qpos.slice(a, a + 3), quaternion: qpos.slice(a + 3, a + 7) };
  }

  /** Poses of all cubes. */
  cubePoses(): CubePose[] {
    return this.cubeQpos.map((_, k) => this.cubePose(k));
  }

  /** The task's target point [3] (m). */
  targetPosition(): Float64Array {
    return Float64Array.from(this.layout.target);
  }

  /** Cube centre height when resting on the table (m). */
  get cubeRestHeight(): number {
    return this.restZ;
  }

  /** Projects a world point into the camera image. */
  project(point: ArrayLike<number>): Projection | undefined {
    return projectPoint(this.camera, point);
  }

  /** Task progress now (pick-and-place counts the lift seen at earlier observations of the episode). */
  taskInfo(): TaskInfo {
    return evaluateTask(
      this.task,
      {
        tcp: this.tcpPose().position,
        cube: this.cubePose(0).position,
        target: this.layout.target,
        restZ: this.restZ,
        gripperCommand: this.gripperCmd,
      },
      this.lifted,
    );
  }

  /** Frees the MuJoCo model and data. Further calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.data.delete();
    this.model.delete();
  }

  private writeControls(): void {
    const ctrl = this.data.ctrl as Float64Array;
    ctrl.set(this.qDes, 0);
    const finger = FINGER_TRAVEL * (1 - this.gripperCmd);
    ctrl[PANDA_DOF] = finger;
    ctrl[PANDA_DOF + 1] = finger;
  }

  private observe(status: SimStatus, advanced = true): Observation {
    if (this.renderEnabled && (advanced || this.lastRgb.length === 0)) this.lastRgb = this.renderFrame();
    if (this.renderEnabled && this.wrist && (advanced || this.lastWrist.length === 0)) this.lastWrist = this.renderWrist();
    const task = this.taskInfo();
    this.lifted = task.lifted;
    return {
      rgb: this.lastRgb.slice(),
      ...(this.wrist ? { wristRgb: this.lastWrist.slice() } : {}),
      width: this.camera.spec.width,
      height: this.camera.spec.height,
      state: this.state(),
      task,
      status,
      step: this.steps,
      done: task.success || this.steps >= this.maxSteps,
      fingerClosedness: this.fingerClosedness(),
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('simulation was closed');
  }
}

export { ACTION_DIM };
