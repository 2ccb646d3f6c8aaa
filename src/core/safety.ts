/**
 * The safety pipeline run after the planner every cycle, as small pure functions in order:
 * reject non-finite actions, clamp each component to its per-step limit, keep the commanded
 * tool position inside the workspace box, limit translational and rotational speed, keep the
 * gripper command in [0, 1]. Each stage reports what it changed, so the node can publish
 * ACTION_CLAMPED with a reason. `rampDown` decelerates a streamed velocity to a hold instead of
 * jumping to zero.
 */
import { ACTION_LAYOUT } from './action-space.js';

/** Limits the pipeline enforces. Vectors are in the 7-D action layout [xyz, rpy, gripper]. */
export interface SafetyLimits {
  /** Largest |Δ| per component per step [7] (m, rad, closedness). */
  readonly maxStep: readonly number[];
  /** Box the tool centre must stay in (m, base frame). */
  readonly workspaceMin: readonly [number, number, number];
  readonly workspaceMax: readonly [number, number, number];
  /** Largest translational speed (m/s) and rotational speed (rad/s) over one control period. */
  readonly maxSpeed: number;
  readonly maxAngularSpeed: number;
  /** Seconds one action is executed over. */
  readonly controlPeriodS: number;
}

/** What the pipeline did to an action. */
export interface SafetyResult {
  /** The action to execute [7] (zeros when rejected). */
  readonly action: Float32Array;
  /** 'ok' unchanged, 'clamped' changed by a limit, 'rejected' replaced by a hold. */
  readonly verdict: 'ok' | 'clamped' | 'rejected';
  /** One reason per stage that changed something. */
  readonly reasons: string[];
}

const { xyz: XYZ, rpy: RPY, gripper: GRIPPER } = ACTION_LAYOUT;
/** Tolerance for "changed": float32 actions differ from float64 limits by rounding alone. */
const EPS = 1e-6;

/** Settings of {@link safetyLimitsFor} beyond the planner's own bounds. */
export interface SafetySettings {
  readonly workspaceMin: readonly [number, number, number];
  readonly workspaceMax: readonly [number, number, number];
  /** Largest tool speed (m/s); 0 = what the planner's own per-step bound allows (never cuts a planned step). */
  readonly maxSpeed: number;
  /** Largest rotation speed (rad/s); 0 = likewise. */
  readonly maxAngularSpeed: number;
}

/**
 * The limits for a planner's action space: the per-step clamp is the space's own bound, and an
 * unset (0) speed limit is the speed of the largest step the planner can take, so the defaults
 * never cut the model's own action bound (a diagonal 7.5 cm step at 4 Hz is 0.52 m/s).
 */
export function safetyLimitsFor(
  space: { readonly lower: readonly number[]; readonly upper: readonly number[] },
  controlPeriodS: number,
  s: SafetySettings,
): SafetyLimits {
  const bound = space.upper.map((hi, i) => Math.max(Math.abs(hi), Math.abs(space.lower[i] as number)));
  const own = (idx: readonly number[]) => Math.hypot(...idx.map((i) => bound[i] ?? 0)) / controlPeriodS;
  // Float32 actions sit a rounding above float64 bounds; the pipeline's EPS absorbs that.
  return {
    maxStep: bound,
    workspaceMin: s.workspaceMin,
    workspaceMax: s.workspaceMax,
    maxSpeed: s.maxSpeed > 0 ? s.maxSpeed : Math.max(own(XYZ), Number.MIN_VALUE),
    maxAngularSpeed: s.maxAngularSpeed > 0 ? s.maxAngularSpeed : Math.max(own(RPY), Number.MIN_VALUE),
    controlPeriodS,
  };
}

/**
 * Runs the whole pipeline on a planned action given the current state [7].
 * A non-finite state rejects the action too (nothing can be checked against it).
 */
export function applySafety(planned: ArrayLike<number>, state: ArrayLike<number>, limits: SafetyLimits): SafetyResult {
  const invalid = inputProblem(planned, state);
  if (invalid) return { action: new Float32Array(ACTION_LAYOUT.dim), verdict: 'rejected', reasons: [invalid] };
  const a = Array.from(planned); // float64 while checking, float32 out
  const reasons = SAFETY_STAGES.flatMap((stage) => (stage.apply(a, state, limits) ? [stage.reason] : []));
  return { action: Float32Array.from(a), verdict: reasons.length ? 'clamped' : 'ok', reasons };
}

/** Why an action or state cannot be checked at all (the arm holds), or undefined. */
function inputProblem(planned: ArrayLike<number>, state: ArrayLike<number>): string | undefined {
  const { dim } = ACTION_LAYOUT;
  if (planned.length !== dim) return `action has ${planned.length} components, expected ${dim}`;
  const badAction = Array.from(planned).findIndex((v) => !Number.isFinite(v));
  if (badAction >= 0) return `action[${badAction}] is ${planned[badAction]}`;
  if (state.length !== dim) return `state has ${state.length} components, expected ${dim}`;
  const badState = Array.from(state).findIndex((v) => !Number.isFinite(v));
  return badState >= 0 ? `state[${badState}] is ${state[badState]}` : undefined;
}

/** One stage of the pipeline: changes the action in place, returns whether it changed it. */
interface SafetyStage {
  /** The reason reported when the stage changed the action. */
  readonly reason: string;
  apply(a: number[], state: ArrayLike<number>, limits: SafetyLimits): boolean;
}

/** Scales the components `idx` of `a` down to a norm of at most `maxNorm` (direction kept). */
function capNorm(a: number[], idx: readonly number[], maxNorm: number): boolean {
  const norm = Math.hypot(...idx.map((i) => a[i] as number));
  if (norm <= maxNorm + EPS) return false;
  for (const i of idx) a[i] = ((a[i] as number) * maxNorm) / norm;
  return true;
}

/** The stages in order: each sees what the previous left. */
const SAFETY_STAGES: readonly SafetyStage[] = [
  {
    reason: 'step limit', // per-component bound
    apply(a, _state, limits) {
      let changed = false;
      for (let i = 0; i < a.length; i++) {
        const m = limits.maxStep[i] as number;
        const v = Math.min(m, Math.max(-m, a[i] as number));
        changed ||= Math.abs(v - (a[i] as number)) > EPS;
        a[i] = v;
      }
      return changed;
    },
  },
  {
    reason: 'workspace', // the commanded tool position stays in the box; outside it, only moves back towards it
    apply(a, state, limits) {
      let changed = false;
      for (const i of XYZ) {
        const s = state[i] as number;
        const inside = Math.min(limits.workspaceMax[i], Math.max(limits.workspaceMin[i], s + (a[i] as number)));
        const allowed = s < limits.workspaceMin[i] ? Math.max(0, a[i] as number) : s > limits.workspaceMax[i] ? Math.min(0, a[i] as number) : inside - s;
        changed ||= Math.abs(allowed - (a[i] as number)) > EPS;
        a[i] = allowed;
      }
      return changed;
    },
  },
  { reason: 'speed limit', apply: (a, _state, limits) => capNorm(a, XYZ, limits.maxSpeed * limits.controlPeriodS) },
  { reason: 'angular speed limit', apply: (a, _state, limits) => capNorm(a, RPY, limits.maxAngularSpeed * limits.controlPeriodS) },
  {
    reason: 'gripper range', // closedness stays in [0, 1]
    apply(a, state) {
      const g = state[GRIPPER] as number;
      const target = Math.min(1, Math.max(0, g + (a[GRIPPER] as number)));
      if (Math.abs(target - g - (a[GRIPPER] as number)) <= EPS) return false;
      a[GRIPPER] = target - g;
      return true;
    },
  },
];

/**
 * One step of decelerating a streamed velocity [n] to zero by at most `maxDecel·dt` per component
 * norm — the smooth halt used when inputs go stale (never a jump to zero).
 */
export function rampDown(velocity: readonly number[], maxDecel: number, dt: number): number[] {
  const norm = Math.hypot(...velocity);
  const drop = maxDecel * dt;
  if (norm <= drop || norm === 0) return velocity.map(() => 0);
  const k = (norm - drop) / norm;
  return velocity.map((v) => v * k);
}
