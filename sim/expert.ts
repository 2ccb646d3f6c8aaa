/**
 * Scripted experts: closed-loop state machines that read the simulator's privileged state (cube
 * pose, target) and emit actions inside the planner's default bounds (|Δxyz| ≤ 7.5 cm, gripper
 * Δ of ±0.75 or 0). They provide demonstrations, success baselines and goal images; for
 * pick-and-place the expert records the paper's three subgoal frames: grasped, object near the
 * target, object placed.
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
export type ExpertPhase =
  | 'approach'
  | 'descend'
  | 'close'
  | 'lift'
  | 'transport'
  | 'lower'
  | 'release'
  | 'retreat'
  | 'done';

/** The three pick-and-place subgoal frames (RGB8) and states, filled in as they happen. */
export interface SubgoalFrames {
  /** Above the cube, fingers open, ready to descend (a pre-grasp waypoint). */
  hover?: Observation;
  /** Fingers open around the cube, before closing. */
  atCube?: Observation;
  grasped?: Observation;
  nearTarget?: Observation;
  placed?: Observation;
}

/** A scripted expert for one episode of one task; create a new one (or call reset) per episode. */
export class ScriptedExpert {
  private phase: ExpertPhase = 'approach';
  private wait = 0;
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
    return this.phase;
  }

  /** Subgoal frames recorded so far (pick-and-place only; grasp records `grasped`). */
  subgoalFrames(): SubgoalFrames {
    return { ...this.frames };
  }

  /** Starts over for a new episode. */
  reset(): void {
    this.phase = 'approach';
    this.wait = 0;
    delete this.frames.hover;
    delete this.frames.atCube;
    delete this.frames.grasped;
    delete this.frames.nearTarget;
    delete this.frames.placed;
  }

  /**
   * The next action [7] given the latest observation (which is also kept as a subgoal frame when
   * it completes a subgoal).
   */
  act(obs: Observation): Float64Array {
    if (this.task === 'reach') return this.reach();
    return this.pickPlace(obs);
  }

  private reach(): Float64Array {
    const tcp = this.sim.tcpPose().position;
    const target = this.sim.targetPosition();
    return this.moveToward(tcp, target, 0, 0);
  }

  private pickPlace(obs: Observation): Float64Array {
    const o = this.o;
    const tcp = this.sim.tcpPose().position;
    const cube = this.sim.cubePose(0);
    const c = cube.position;
    const restZ = this.sim.cubeRestHeight;
    const target = this.sim.targetPosition();
    const grip = this.sim.gripperCommand;
    const open = grip > 0 ? -o.gripperStep : 0;
    const yawError = o.alignYaw ? this.yawError(cube.quaternion) : 0;
    const near = (goal: ArrayLike<number>): boolean => dist(tcp, goal) < o.tolerance;
    const carrying = this.phase === 'lift' || this.phase === 'transport' || this.phase === 'lower';
    if (carrying && dist(tcp, c) > DROP_DISTANCE) this.phase = 'approach';

    for (;;) {
      switch (this.phase) {
        case 'approach': {
          const goal = [c[0] as number, c[1] as number, (c[2] as number) + o.hoverHeight];
          if (near(goal) && Math.abs(yawError) < YAW_TOLERANCE && grip === 0) {
            this.frames.hover = obs;
            this.phase = 'descend';
            continue;
          }
          return this.moveToward(tcp, goal, yawError, open);
        }
        case 'descend': {
          const goal = [c[0] as number, c[1] as number, (c[2] as number) - GRASP_DEPTH];
          if (near(goal)) {
            this.frames.atCube = obs;
            this.phase = 'close';
            this.wait = 0;
            continue;
          }
          if (dist2d(tcp, c) > 2 * o.tolerance) {
            this.phase = 'approach';
            continue;
          }
          return this.moveToward(tcp, goal, 0, 0);
        }
        case 'close': {
          if (grip < 1) return action(0, 0, 0, 0, o.gripperStep);
          if (this.wait++ < GRIPPER_WAIT_STEPS) return action(0, 0, 0, 0, 0);
          // The paper's first subgoal: the hand closed on the object, still on the table.
          this.frames.grasped = obs;
          this.phase = 'lift';
          continue;
        }
        case 'lift': {
          const goal = [tcp[0] as number, tcp[1] as number, restZ + o.carryHeight];
          if (Math.abs((tcp[2] as number) - (goal[2] as number)) < o.tolerance) {
            if (this.task === 'grasp') {
              this.phase = 'done';
              continue;
            }
            this.phase = 'transport';
            continue;
          }
          return this.moveToward(tcp, goal, 0, 0);
        }
        case 'transport': {
          const goal = [target[0] as number, target[1] as number, restZ + o.carryHeight];
          if (near(goal)) {
            this.frames.nearTarget = obs;
            this.phase = 'lower';
            continue;
          }
          return this.moveToward(tcp, goal, 0, 0);
        }
        case 'lower': {
          const goal = [target[0] as number, target[1] as number, restZ + RELEASE_CLEARANCE];
          if (near(goal)) {
            this.phase = 'release';
            this.wait = 0;
            continue;
          }
          return this.moveToward(tcp, goal, 0, 0);
        }
        case 'release': {
          if (grip > 0) return action(0, 0, 0, 0, -o.gripperStep);
          if (this.wait++ < GRIPPER_WAIT_STEPS) return action(0, 0, 0, 0, 0);
          this.phase = 'retreat';
          continue;
        }
        case 'retreat': {
          const goal = [tcp[0] as number, tcp[1] as number, restZ + o.hoverHeight];
          if (obs.task.success || (tcp[2] as number) > (goal[2] as number) - o.tolerance) {
            this.frames.placed = obs;
            this.phase = 'done';
            continue;
          }
          return this.moveToward(tcp, goal, 0, 0);
        }
        case 'done':
          return action(0, 0, 0, 0, 0);
      }
    }
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

  private moveToward(tcp: ArrayLike<number>, goal: ArrayLike<number>, yaw: number, gripper: number): Float64Array {
    const m = this.o.maxTranslation;
    const clip = (v: number, limit: number): number => Math.max(-limit, Math.min(limit, v));
    // Scale the whole translation so the direction is kept when clipping.
    const dx = (goal[0] as number) - (tcp[0] as number);
    const dy = (goal[1] as number) - (tcp[1] as number);
    const dz = (goal[2] as number) - (tcp[2] as number);
    const s = Math.min(1, m / Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz), 1e-12));
    // clip() again so rounding in the scaling can never exceed the bound.
    return action(clip(dx * s, m), clip(dy * s, m), clip(dz * s, m), clip(yaw, this.o.maxYaw), gripper);
  }
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
export function runExpertEpisode(sim: TabletopSim, seed: number, options: { keepObservations?: boolean; extraSteps?: number; expert?: ExpertOptions } = {}): ExpertEpisode {
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
