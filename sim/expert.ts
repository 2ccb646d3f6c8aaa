/**
 * Scripted experts: closed-loop state machines that read the simulator's privileged state (cube
 * pose, target) and emit actions inside the planner's default bounds (|Δxyz| ≤ 7.5 cm, gripper
 * Δ of ±0.75 or 0). They provide demonstrations, success baselines and goal images; for
 * pick-and-place the expert records the paper's three subgoal frames: grasped, object near the
 * target, object placed (and two pre-grasp waypoints). The pick-and-place script itself is a pure
 * function of the scene ({@link pickPlaceStep}), shared with the ROS goal capture.
 */
import { matrixToEuler, wrapAngle } from '../src/robot/euler.js';
import type { Observation, TabletopSim } from './tabletop.js';
import type { TaskName } from './tasks.js';

/** Expert tuning (m, rad); every field has a default. */
export interface ExpertOptions {
  /** Largest translation per step (m, default 0.075 — the planner's bound). */
  maxTranslation?: number;
  /** Largest yaw change per step (rad, default 0.25). */
  maxYaw?: number;
  /** Gripper delta used to open or close (default 0.75 — the planner's bound). */
  gripperStep?: number;
  /** Height of the tool centre above the cube centre before descending (m, default 0.1). */
  hoverHeight?: number;
  /** Height of the cube centre above its resting height while carrying (m, default 0.1). */
  carryHeight?: number;
  /** Position tolerance for ending a motion phase (m, default 0.012). */
  tolerance?: number;
  /**
   * Turn the wrist to the cube's yaw before descending (default true). False keeps the hand's yaw
   * fixed — what a planner with pinned rotations can reproduce; the closing fingers square the cube.
   */
  alignYaw?: boolean;
}

const DEFAULTS: Required<ExpertOptions> = {
  maxTranslation: 0.075,
  maxYaw: 0.25,
  gripperStep: 0.75,
  hoverHeight: 0.1,
  carryHeight: 0.1,
  tolerance: 0.012,
  alignYaw: true,
};

/** Steps spent waiting for the fingers to close or open. */
const GRIPPER_WAIT_STEPS = 1;
/** Yaw tolerance before descending onto the cube (rad). */
const YAW_TOLERANCE = 0.05;
/** Distance cube → tool centre beyond which a carried cube counts as dropped (m). */
const DROP_DISTANCE = 0.04;
/** How far the tool centre goes below the cube centre when grasping (m). */
const GRASP_DEPTH = 0.0;
/** Release height of the cube bottom above the table (m). */
const RELEASE_CLEARANCE = 0.004;

/** Phases of the scripted pick-and-place (reach uses only `approach`). */
export type ExpertPhase = 'approach' | 'descend' | 'close' | 'lift' | 'transport' | 'lower' | 'release' | 'retreat' | 'done';

/** The three pick-and-place subgoal frames (RGB8) and states, filled in as they happen. */
export interface SubgoalFrames {
  /** Above the cube, fingers open, ready to descend (a pre-grasp waypoint). */
  hover?: Observation;
  /** Fingers open around the cube, before closing. */
  atCube?: Observation;
  grasped?: Observation;
  nearTarget?: Observation;
  /** The cube set down on the target, fingers still closed (a pre-release waypoint). */
  lowered?: Observation;
  placed?: Observation;
}

/** A subgoal frame the pick-and-place script reaches (a key of {@link SubgoalFrames}). */
export type SubgoalEvent = keyof SubgoalFrames;

/** What one pick-and-place decision reads: positions (m, base frame) and the commanded gripper. */
export interface PickPlaceScene {
  /** Tool-centre position [3]. */
  readonly tcp: ArrayLike<number>;
  /** Cube-centre position [3]. */
  readonly cube: ArrayLike<number>;
  /** Cube-centre height when resting on the table (m). */
  readonly restZ: number;
  /** Place target [3]. */
  readonly target: ArrayLike<number>;
  /** Commanded gripper closedness (0 open … 1 closed). */
  readonly gripper: number;
  /** Hand yaw minus the nearest equivalent cube yaw (rad; 0 when the wrist is not turned). */
  readonly yawError: number;
  /** Whether the task already counts as done (ends the retreat early). */
  readonly success: boolean;
}

/** Where the pick-and-place script is. */
export interface PickPlaceState {
  readonly phase: ExpertPhase;
  /** Steps waited so far for the fingers (close and release phases). */
  readonly wait: number;
}

/** The start of an episode. */
export const PICK_PLACE_START: PickPlaceState = { phase: 'approach', wait: 0 };

/** One decision of the script: the next state, the action [7] and the subgoals reached on this scene. */
export interface PickPlaceDecision {
  readonly state: PickPlaceState;
  readonly action: Float64Array;
  /** Subgoal frames completed by the scene just read, in order (usually none, at most a few). */
  readonly reached: SubgoalEvent[];
}

/**
 * The scripted grasp / pick-and-place as a pure function: from the state and the scene, the next
 * state and action, and which subgoals the scene completes. The simulator's {@link ScriptedExpert}
 * and the ROS goal capture (src/ros/goal-capture.ts) both drive it; each action assumes the one
 * before it was carried out.
 */
export function pickPlaceStep(state: PickPlaceState, scene: PickPlaceScene, task: 'grasp' | 'pick-place', options: ExpertOptions = {}): PickPlaceDecision {
  const o: Required<ExpertOptions> = { ...DEFAULTS, ...options };
  const { tcp, cube: c, restZ, target, gripper: grip, yawError } = scene;
  let phase = state.phase;
  let wait = state.wait;
  const reached: SubgoalEvent[] = [];
  const decide = (a: Float64Array): PickPlaceDecision => ({ state: { phase, wait }, action: a, reached });
  const moveTo = (goal: ArrayLike<number>, yaw: number, gripper: number) => decide(moveToward(tcp, goal, yaw, gripper, o));
  const open = grip > 0 ? -o.gripperStep : 0;
  const near = (goal: ArrayLike<number>): boolean => dist(tcp, goal) < o.tolerance;
  const carrying = phase === 'lift' || phase === 'transport' || phase === 'lower';
  if (carrying && dist(tcp, c) > DROP_DISTANCE) phase = 'approach';

  for (;;) {
    switch (phase) {
      case 'approach': {
        const goal = [c[0] as number, c[1] as number, (c[2] as number) + o.hoverHeight];
        if (near(goal) && Math.abs(yawError) < YAW_TOLERANCE && grip === 0) {
          reached.push('hover');
          phase = 'descend';
          continue;
        }
        return moveTo(goal, yawError, open);
      }
      case 'descend': {
        const goal = [c[0] as number, c[1] as number, (c[2] as number) - GRASP_DEPTH];
        if (near(goal)) {
          reached.push('atCube');
          phase = 'close';
          wait = 0;
          continue;
        }
        if (dist2d(tcp, c) > 2 * o.tolerance) {
          phase = 'approach';
          continue;
        }
        return moveTo(goal, 0, 0);
      }
      case 'close': {
        if (grip < 1) return decide(action(0, 0, 0, 0, o.gripperStep));
        if (wait++ < GRIPPER_WAIT_STEPS) return decide(action(0, 0, 0, 0, 0));
        // The paper's first subgoal: the hand closed on the object, still on the table.
        reached.push('grasped');
        phase = 'lift';
        continue;
      }
      case 'lift': {
        const goal = [tcp[0] as number, tcp[1] as number, restZ + o.carryHeight];
        if (Math.abs((tcp[2] as number) - (goal[2] as number)) < o.tolerance) {
          phase = task === 'grasp' ? 'done' : 'transport';
          continue;
        }
        return moveTo(goal, 0, 0);
      }
      case 'transport': {
        const goal = [target[0] as number, target[1] as number, restZ + o.carryHeight];
        if (near(goal)) {
          reached.push('nearTarget');
          phase = 'lower';
          continue;
        }
        return moveTo(goal, 0, 0);
      }
      case 'lower': {
        const goal = [target[0] as number, target[1] as number, restZ + RELEASE_CLEARANCE];
        if (near(goal)) {
          reached.push('lowered');
          phase = 'release';
          wait = 0;
          continue;
        }
        return moveTo(goal, 0, 0);
      }
      case 'release': {
        if (grip > 0) return decide(action(0, 0, 0, 0, -o.gripperStep));
        if (wait++ < GRIPPER_WAIT_STEPS) return decide(action(0, 0, 0, 0, 0));
        phase = 'retreat';
        continue;
      }
      case 'retreat': {
        const goal = [tcp[0] as number, tcp[1] as number, restZ + o.hoverHeight];
        if (scene.success || (tcp[2] as number) > (goal[2] as number) - o.tolerance) {
          reached.push('placed');
          phase = 'done';
          continue;
        }
        return moveTo(goal, 0, 0);
      }
      case 'done':
        return decide(action(0, 0, 0, 0, 0));
    }
  }
}

/** A scripted expert for one episode of one task; create a new one (or call reset) per episode. */
export class ScriptedExpert {
  private state: PickPlaceState = PICK_PLACE_START;
  private readonly o: Required<ExpertOptions>;
  private readonly frames: SubgoalFrames = {};

  constructor(
    private readonly sim: TabletopSim,
    readonly task: TaskName = sim.task,
    options: ExpertOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** The current phase. */
  get currentPhase(): ExpertPhase {
    return this.state.phase;
  }

  /** Subgoal frames recorded so far (pick-and-place only; grasp records `grasped`). */
  subgoalFrames(): SubgoalFrames {
    return { ...this.frames };
  }

  /** Starts over for a new episode. */
  reset(): void {
    this.state = PICK_PLACE_START;
    delete this.frames.hover;
    delete this.frames.atCube;
    delete this.frames.grasped;
    delete this.frames.nearTarget;
    delete this.frames.lowered;
    delete this.frames.placed;
  }

  /**
   * The next action [7] given the latest observation (which is also kept as a subgoal frame when
   * it completes a subgoal).
   */
  act(obs: Observation): Float64Array {
    if (this.task === 'reach') return moveToward(this.sim.tcpPose().position, this.sim.targetPosition(), 0, 0, this.o);
    const cube = this.sim.cubePose(0);
    const scene: PickPlaceScene = {
      tcp: this.sim.tcpPose().position,
      cube: cube.position,
      restZ: this.sim.cubeRestHeight,
      target: this.sim.targetPosition(),
      gripper: this.sim.gripperCommand,
      yawError: this.o.alignYaw ? this.yawError(cube.quaternion) : 0,
      success: obs.task.success,
    };
    const d = pickPlaceStep(this.state, scene, this.task, this.o);
    this.state = d.state;
    for (const event of d.reached) this.frames[event] = obs;
    return d.action;
  }

  /** Yaw of the hand minus the nearest equivalent cube yaw (cube symmetric every 90°), wrapped. */
  private yawError(quaternion: ArrayLike<number>): number {
    const w = quaternion[0] as number;
    const z = quaternion[3] as number;
    const cubeYaw = 2 * Math.atan2(z, w);
    const handYaw = matrixToEuler(this.sim.tcpPose().rotation)[2];
    const quarter = Math.PI / 2;
    let d = wrapAngle(cubeYaw - handYaw);
    d -= quarter * Math.round(d / quarter);
    return d;
  }
}

/** A bounded step toward `goal`: the translation scaled (direction kept) to the per-step bound. */
function moveToward(tcp: ArrayLike<number>, goal: ArrayLike<number>, yaw: number, gripper: number, o: Required<ExpertOptions>): Float64Array {
  const m = o.maxTranslation;
  const clip = (v: number, limit: number): number => Math.max(-limit, Math.min(limit, v));
  // Scale the whole translation so the direction is kept when clipping.
  const dx = (goal[0] as number) - (tcp[0] as number);
  const dy = (goal[1] as number) - (tcp[1] as number);
  const dz = (goal[2] as number) - (tcp[2] as number);
  const s = Math.min(1, m / Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz), 1e-12));
  // clip() again so rounding in the scaling can never exceed the bound.
  return action(clip(dx * s, m), clip(dy * s, m), clip(dz * s, m), clip(yaw, o.maxYaw), gripper);
}

function action(dx: number, dy: number, dz: number, dyaw: number, dgripper: number): Float64Array {
  return Float64Array.of(dx, dy, dz, 0, 0, dyaw, dgripper);
}

function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number), (a[2] as number) - (b[2] as number));
}

function dist2d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number));
}

/** Result of {@link runExpertEpisode}. */
export interface ExpertEpisode {
  success: boolean;
  steps: number;
  /** Observations from reset to the last step (only when `keepObservations`). */
  observations: Observation[];
  subgoals: SubgoalFrames;
}

/**
 * Runs one scripted episode from `reset(seed)` until success (plus `extraSteps` of holding) or the
 * step limit.
 */
export function runExpertEpisode(
  sim: TabletopSim,
  seed: number,
  options: { keepObservations?: boolean; extraSteps?: number; expert?: ExpertOptions } = {},
): ExpertEpisode {
  const expert = new ScriptedExpert(sim, sim.task, options.expert);
  let obs = sim.reset(seed);
  const observations: Observation[] = options.keepObservations ? [obs] : [];
  let success = obs.task.success;
  let steps = 0;
  let extra = options.extraSteps ?? 0;
  while (steps < sim.maxSteps) {
    obs = sim.step(expert.act(obs));
    steps++;
    if (options.keepObservations) observations.push(obs);
    success ||= obs.task.success;
    if (success && extra-- <= 0) break;
  }
  // Let the expert see the final observation too, so a subgoal completed by it is recorded.
  expert.act(obs);
  return { success, steps, observations, subgoals: expert.subgoalFrames() };
}
