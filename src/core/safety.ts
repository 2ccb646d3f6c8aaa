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
  const reasons: string[] = [];
  const hold = (reason: string): SafetyResult => ({ action: new Float32Array(7), verdict: 'rejected', reasons: [reason] });
  if (planned.length !== 7) return hold(`action has ${planned.length} components, expected 7`);
  const badAction = Array.from(planned).findIndex((v) => !Number.isFinite(v));
  if (badAction >= 0) return hold(`action[${badAction}] is ${planned[badAction]}`);
  const badState = Array.from(state).findIndex((v) => !Number.isFinite(v));
  if (state.length !== 7 || badState >= 0)
    return hold(state.length !== 7 ? `state has ${state.length} components, expected 7` : `state[${badState}] is ${state[badState]}`);

  const a = Array.from(planned); // float64 while checking, float32 out
  // 1. Per-component step limit.
  let clipped = false;
  for (let i = 0; i < 7; i++) {
    const m = limits.maxStep[i] as number;
    const v = Math.min(m, Math.max(-m, a[i] as number));
    if (Math.abs(v - (a[i] as number)) > EPS) clipped = true;
    a[i] = v;
  }
  if (clipped) reasons.push('step limit');
  // 2. Workspace box for the commanded tool position.
  let boxed = false;
  for (const i of XYZ) {
    const s = state[i] as number;
    const target = s + (a[i] as number);
    const inside = Math.min(limits.workspaceMax[i], Math.max(limits.workspaceMin[i], target));
    // Outside the box already: only moves back towards it are allowed.
    const allowed = s < limits.workspaceMin[i] ? Math.max(0, a[i] as number) : s > limits.workspaceMax[i] ? Math.min(0, a[i] as number) : inside - s;
    if (Math.abs(allowed - (a[i] as number)) > EPS) boxed = true;
    a[i] = allowed;
  }
  if (boxed) reasons.push('workspace');
  // 3. Speed limits over the control period (direction kept, magnitude scaled).
  const scaleGroup = (idx: readonly number[], maxNorm: number, name: string) => {
    const norm = Math.hypot(...idx.map((i) => a[i] as number));
    if (norm > maxNorm + EPS) {
      for (const i of idx) a[i] = ((a[i] as number) * maxNorm) / norm;
      reasons.push(name);
    }
  };
  scaleGroup(XYZ, limits.maxSpeed * limits.controlPeriodS, 'speed limit');
  scaleGroup(RPY, limits.maxAngularSpeed * limits.controlPeriodS, 'angular speed limit');
  // 4. Gripper closedness stays in [0, 1].
  const g = state[GRIPPER] as number;
  const gTarget = Math.min(1, Math.max(0, g + (a[GRIPPER] as number)));
  if (Math.abs(gTarget - g - (a[GRIPPER] as number)) > EPS) {
    a[GRIPPER] = gTarget - g;
    reasons.push('gripper range');
  }
  return { action: Float32Array.from(a), verdict: reasons.length ? 'clamped' : 'ok', reasons };
}

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
