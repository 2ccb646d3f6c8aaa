/**
 * Planner status codes: a number for messages (PlannerStatus.msg) and a name for logs. Every
 * planning step and every node cycle reports exactly one.
 */
export const PlannerStatus = {
  /** A plan was made and the action is within bounds. */
  OK: 0,
  /** No goal is set; the arm holds. */
  WAITING_FOR_GOAL: 1,
  /** The camera frame is too old; the arm holds. */
  STALE_IMAGE: 2,
  /** The end-effector state is too old; the arm holds. */
  STALE_STATE: 3,
  /** The world model failed (missing, mismatched or crashed); the arm holds. */
  MODEL_ERROR: 4,
  /** Every candidate scored NaN/Inf; the arm holds. */
  NON_FINITE_ENERGY: 5,
  /** The state or latents were malformed (NaN, wrong length); the arm holds. */
  INVALID_INPUT: 6,
  /** The action was changed by the safety pipeline (clamped, workspace, rate). */
  ACTION_CLAMPED: 7,
  /** Holding on request (stopped). */
  HOLDING: 8,
  /** The last subgoal's budget is spent or its energy threshold met. */
  GOAL_REACHED: 9,
  /** A plan is running (slower than the control period); the arm holds until it is done. */
  PLANNING: 10,
  /** Waiting for a camera frame and a state stamped after the last command finished (plus the settle time); the arm holds. */
  WAITING_FOR_OBSERVATION: 11,
} as const;

/** One of the {@link PlannerStatus} names. */
export type PlannerStatusName = keyof typeof PlannerStatus;

/** The name of a status code, e.g. 2 → "STALE_IMAGE". */
export function statusName(code: number): PlannerStatusName | 'UNKNOWN' {
  const entry = Object.entries(PlannerStatus).find(([, value]) => value === code);
  return entry ? (entry[0] as PlannerStatusName) : 'UNKNOWN';
}
