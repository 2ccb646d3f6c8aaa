/**
 * Data-collection policies: each picks the next 7-D action from the latest observation. The
 * scripted expert reads the simulator's privileged state (cube pose, target); the others use the
 * end-effector state only. Every policy draws from an injected seeded {@link Rng}, so an episode
 * is a pure function of its seed.
 */
import { GRIPPER_INDEX } from '../../sim/action.js';
import { ScriptedExpert, type ExpertOptions } from '../../sim/expert.js';
import type { Observation, TabletopSim } from '../../sim/tabletop.js';
import type { Rng } from '../core/rng.js';

/** A policy for one episode. */
export interface Policy {
  /** Next action [7] (already inside {@link ACTION_LIMITS}). */
  act(obs: Observation): Float64Array;
}

/** Per-step limits of collected actions: the planner's default bounds (m, rad, closedness). */
export const ACTION_LIMITS = { translation: 0.075, rotation: 0.25, gripper: 0.75 } as const;

/** Box the exploratory policies roam in (tool centre, m, robot base frame). */
export const ROAM_BOX = { min: [0.3, -0.28, 0.03], max: [0.68, 0.28, 0.38] } as const;

/** Tuning of the exploratory and noisy policies. */
export const POLICY_TUNING = {
  /** Probability per step of starting a pause (zero action). */
  pauseProbability: 0.08,
  /** Longest pause (steps). */
  maxPause: 3,
  /** Probability per step that a roaming policy toggles the gripper. */
  gripperToggleProbability: 0.06,
  /** Distance at which a waypoint counts as reached (m). */
  waypointTolerance: 0.015,
  /** Range of the per-episode speed of the waypoint policy (m per step). */
  waypointSpeed: [0.025, 0.075],
  /** Std of the Gaussian noise added to waypoint and expert translations (m), drawn per episode in [0, max]. */
  maxTranslationNoise: 0.012,
  /** Range of the per-episode autocorrelation of smooth random actions. */
  smoothness: [0.5, 0.92],
  /** Std of smooth random translations (m). */
  smoothStd: 0.045,
  /** Gain pulling smooth random motion back into {@link ROAM_BOX} (per m outside). */
  boxPull: 0.6,
  /** Largest per-episode translation noise of grasp practice (m). */
  maxPracticeNoise: 0.025,
  /** Probability per step of grasp practice closing the fingers too early while approaching or descending. */
  fumbleProbability: 0.12,
  /** Probability that a grasp-practice episode turns the wrist to the cube (else it keeps its yaw, like a planner with pinned rotations). */
  alignYawProbability: 0.3,
} as const;

const clip = (v: number, limit: number): number => Math.max(-limit, Math.min(limit, v));
const between = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** Clamps every component of an action to {@link ACTION_LIMITS} (in place) and returns it. */
export function limitAction(a: Float64Array): Float64Array {
  for (let i = 0; i < 3; i++) a[i] = clip(a[i] as number, ACTION_LIMITS.translation);
  for (let i = 3; i < 6; i++) a[i] = clip(a[i] as number, ACTION_LIMITS.rotation);
  a[6] = clip(a[6] as number, ACTION_LIMITS.gripper);
  return a;
}

/** Random pauses: wraps a policy so that it sometimes holds still for 1..maxPause steps. */
export class Pauses implements Policy {
  private left = 0;
  constructor(
    private readonly inner: Policy,
    private readonly rng: Rng,
    private readonly probability = POLICY_TUNING.pauseProbability,
  ) {}

  act(obs: Observation): Float64Array {
    if (this.left === 0 && this.rng.uniform() < this.probability) this.left = 1 + this.rng.int(POLICY_TUNING.maxPause);
    if (this.left > 0) {
      this.left--;
      return new Float64Array(7);
    }
    return this.inner.act(obs);
  }
}

/** Gripper delta of a random toggle (open ↔ closed), or 0. */
function randomGripper(rng: Rng, closedness: number): number {
  if (rng.uniform() >= POLICY_TUNING.gripperToggleProbability) return 0;
  return closedness > 0.5 ? -ACTION_LIMITS.gripper : ACTION_LIMITS.gripper;
}

function randomPoint(rng: Rng): [number, number, number] {
  return [0, 1, 2].map((i) => between(rng, ROAM_BOX.min[i] as number, ROAM_BOX.max[i] as number)) as [number, number, number];
}

/** Goes straight to random waypoints in {@link ROAM_BOX} at a per-episode speed, with noise. */
export class WaypointPolicy implements Policy {
  private waypoint: [number, number, number];
  private readonly speed: number;
  private readonly noise: number;

  constructor(private readonly rng: Rng) {
    const [lo, hi] = POLICY_TUNING.waypointSpeed;
    this.speed = between(rng, lo, hi);
    this.noise = between(rng, 0, POLICY_TUNING.maxTranslationNoise);
    this.waypoint = randomPoint(rng);
  }

  act(obs: Observation): Float64Array {
    const s = obs.state;
    let d = [0, 1, 2].map((i) => this.waypoint[i]! - (s[i] as number));
    if (Math.hypot(...d) < POLICY_TUNING.waypointTolerance) {
      this.waypoint = randomPoint(this.rng);
      d = [0, 1, 2].map((i) => this.waypoint[i]! - (s[i] as number));
    }
    const scale = Math.min(1, this.speed / Math.max(Math.abs(d[0]!), Math.abs(d[1]!), Math.abs(d[2]!), 1e-9));
    const a = new Float64Array(7);
    for (let i = 0; i < 3; i++) a[i] = d[i]! * scale + this.noise * this.rng.normal();
    a[6] = randomGripper(this.rng, s[6] as number);
    return limitAction(a);
  }
}

/** Temporally correlated random translations (AR(1) per axis), pulled back into {@link ROAM_BOX}. */
export class SmoothRandomPolicy implements Policy {
  private readonly prev = new Float64Array(3);
  private readonly rho: number;

  constructor(private readonly rng: Rng) {
    const [lo, hi] = POLICY_TUNING.smoothness;
    this.rho = between(rng, lo, hi);
  }

  act(obs: Observation): Float64Array {
    const s = obs.state;
    const a = new Float64Array(7);
    const innovation = Math.sqrt(1 - this.rho * this.rho) * POLICY_TUNING.smoothStd;
    for (let i = 0; i < 3; i++) {
      const x = s[i] as number;
      const below = (ROAM_BOX.min[i] as number) - x;
      const above = x - (ROAM_BOX.max[i] as number);
      const pull = below > 0 ? below : above > 0 ? -above : 0;
      const v = this.rho * (this.prev[i] as number) + innovation * this.rng.normal() + POLICY_TUNING.boxPull * pull;
      this.prev[i] = clip(v, ACTION_LIMITS.translation);
      a[i] = this.prev[i] as number;
    }
    a[6] = randomGripper(this.rng, s[6] as number);
    return limitAction(a);
  }
}

/** Randomised expert settings for one episode. */
function expertOptions(rng: Rng): ExpertOptions {
  return {
    maxTranslation: between(rng, 0.04, ACTION_LIMITS.translation),
    hoverHeight: between(rng, 0.07, 0.13),
    carryHeight: between(rng, 0.06, 0.14),
  };
}

/**
 * The scripted pick-and-place expert with per-episode randomised settings and translation noise;
 * once it is done it hands over to `after` (by default a waypoint policy).
 */
export class NoisyExpertPolicy implements Policy {
  private readonly expert: ScriptedExpert;
  private readonly noise: number;
  private readonly after: Policy;

  constructor(
    sim: TabletopSim,
    private readonly rng: Rng,
    after?: Policy,
  ) {
    this.expert = new ScriptedExpert(sim, 'pick-place', expertOptions(rng));
    this.noise = between(rng, 0, POLICY_TUNING.maxTranslationNoise);
    this.after = after ?? new WaypointPolicy(rng);
  }

  act(obs: Observation): Float64Array {
    if (this.expert.currentPhase === 'done') return this.after.act(obs);
    const a = Float64Array.from(this.expert.act(obs));
    for (let i = 0; i < 3; i++) a[i] = (a[i] as number) + this.noise * this.rng.normal();
    return limitAction(a);
  }
}

/**
 * Grasping with mistakes: the scripted expert (wrist turned or not), stronger translation noise,
 * and fingers closed too early now and then while approaching or descending — the expert then
 * opens them and tries again. Shows the model what a planner does near the cube: misaligned
 * descents, pushes, fumbled and repeated grasps.
 */
export class GraspPracticePolicy implements Policy {
  private readonly expert: ScriptedExpert;
  private readonly noise: number;
  private readonly after: Policy;

  constructor(
    sim: TabletopSim,
    private readonly rng: Rng,
  ) {
    const alignYaw = rng.uniform() < POLICY_TUNING.alignYawProbability;
    this.expert = new ScriptedExpert(sim, 'pick-place', { ...expertOptions(rng), alignYaw });
    this.noise = between(rng, 0, POLICY_TUNING.maxPracticeNoise);
    this.after = new WaypointPolicy(rng);
  }

  act(obs: Observation): Float64Array {
    const phase = this.expert.currentPhase;
    if (phase === 'done') return this.after.act(obs);
    const a = Float64Array.from(this.expert.act(obs));
    for (let i = 0; i < 3; i++) a[i] = (a[i] as number) + this.noise * this.rng.normal();
    if ((phase === 'approach' || phase === 'descend') && this.rng.uniform() < POLICY_TUNING.fumbleProbability) a[GRIPPER_INDEX] = ACTION_LIMITS.gripper;
    return limitAction(a);
  }
}

/** The noisy expert for `switchStep` steps, then smooth random actions (free motion, drops). */
export class ExpertThenRandomPolicy implements Policy {
  private steps = 0;
  private readonly expert: NoisyExpertPolicy;
  private readonly random: SmoothRandomPolicy;

  constructor(
    sim: TabletopSim,
    rng: Rng,
    private readonly switchStep: number,
  ) {
    this.random = new SmoothRandomPolicy(rng);
    this.expert = new NoisyExpertPolicy(sim, rng, this.random);
  }

  act(obs: Observation): Float64Array {
    return this.steps++ < this.switchStep ? this.expert.act(obs) : this.random.act(obs);
  }
}
