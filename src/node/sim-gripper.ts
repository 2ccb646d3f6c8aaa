/**
 * franka_gripper's Move, Grasp and Homing goals executed by the built-in simulator's fingers, as
 * the real Franka Hand does them, one control period per simulator step:
 * - the finger command moves toward its end at the goal's speed (m/s of opening);
 * - Move and Homing end when the fingers settle: success when they stopped within
 *   {@link MOVE_TOLERANCE_M} of the width (a finger blocked short of it fails);
 * - Grasp closes until the fingers stop — on an object, or fully closed — and then squeezes with the
 *   goal's force (the finger actuators are position servos: the command is set force/stiffness
 *   inside the contact, within the actuators' reach and force limit); it succeeds only when the
 *   opening where they stopped lies within (width − epsilon.inner, width + epsilon.outer), as
 *   libfranka judges a grasp;
 * - invalid arguments fail at once with the reason; a newer goal, a finger-position command or a
 *   reset ends the running one (failed); cancel stops the fingers where they are.
 * Feedback is the measured opening after every step. Pure logic over the simulator's readings:
 * {@link SimNodeCore} calls {@link SimFrankaGripper.command} before and
 * {@link SimFrankaGripper.observe} after each step.
 */
import { FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import type { GripperCommand } from '../robot/commands.js';

/** Largest opening between the fingers (m). */
export const MAX_WIDTH_M = 2 * FINGER_TRAVEL;
/** Stiffness of each simulated finger's position servo (N/m): sim/scene.ts's finger actuators (a test keeps them in step). */
export const SIM_FINGER_KP = 400;
/** Force limit of each simulated finger's servo (N): sim/scene.ts's finger actuators. */
export const SIM_FINGER_FORCE_N = 20;
/** Homing's speed (m/s): franka_gripper's default speed. */
export const HOMING_SPEED = 0.1;
/** A Move ends successfully within this of its width (m). */
export const MOVE_TOLERANCE_M = 0.002;
/** Fingers held open by more than this beyond their command are blocked (m of opening). */
const CONTACT_GAP_M = 0.002;
/** Fingers that moved less than this over a step have stopped (m of opening). */
const STALL_M = 0.0005;
/** Steps a goal may take beyond its travel at its speed before it fails as not settling. */
const SETTLE_STEPS = 8;

/** A franka_gripper goal (franka_msgs Move, Grasp, Homing): the planner's gripper commands plus Homing. */
export type SimGripperGoal = GripperCommand | { readonly kind: 'homing' };

/** The Result of each of the three actions. */
export interface SimGripperResult {
  readonly success: boolean;
  readonly error: string;
  /** Ended by a cancel request (the server then reports it canceled). */
  readonly cancelled?: boolean;
}

/** Where a goal's feedback and result go. */
export interface SimGripperSession {
  /** The measured opening (m) after a step. */
  feedback(currentWidth: number): void;
  done(result: SimGripperResult): void;
}

interface Running {
  readonly goal: SimGripperGoal;
  readonly session: SimGripperSession;
  /** Where the command ends (m of opening) and how fast it gets there (m/s). */
  readonly end: number;
  readonly speed: number;
  readonly maxSteps: number;
  commandWidth: number;
  lastWidth: number;
  steps: number;
}

const closednessOf = (width: number) => 1 - Math.min(MAX_WIDTH_M, Math.max(0, width)) / MAX_WIDTH_M;
const widthOf = (closedness: number) => MAX_WIDTH_M * (1 - closedness);
const mm = (m: number) => `${m.toFixed(4)} m`;

/** Why a goal's arguments cannot be executed, as libfranka would refuse them. */
export function goalProblem(goal: SimGripperGoal): string | undefined {
  if (goal.kind === 'homing') return undefined;
  if (!(goal.width >= 0 && goal.width <= MAX_WIDTH_M)) return `width must be in [0, ${MAX_WIDTH_M}] m, got ${goal.width}`;
  if (!(goal.speed > 0 && Number.isFinite(goal.speed))) return `speed must be > 0 m/s, got ${goal.speed}`;
  if (goal.kind === 'grasp') {
    if (!(goal.force > 0 && Number.isFinite(goal.force))) return `force must be > 0 N, got ${goal.force}`;
    if (!(goal.epsilonInner >= 0 && goal.epsilonOuter >= 0)) return `epsilon must be >= 0 m, got inner ${goal.epsilonInner}, outer ${goal.epsilonOuter}`;
  }
  return undefined;
}

/** The simulated Franka Hand's goals (see the file comment). */
export class SimFrankaGripper {
  private running: Running | undefined;
  /** A closedness to command once at the next step with no goal running (a squeeze, or a stop). */
  private pending: number | undefined;

  constructor(private readonly periodS: number) {}

  /** Whether a goal is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts a goal from the current commanded closedness and measured opening (m); a running goal
   * ends failed. Invalid arguments end it at once.
   */
  start(goal: SimGripperGoal, session: SimGripperSession, commandedClosedness: number, measuredWidth: number): void {
    this.abandon('preempted by a newer gripper goal');
    const problem = goalProblem(goal);
    if (problem) {
      session.done({ success: false, error: problem });
      return;
    }
    const end = goal.kind === 'move' ? goal.width : goal.kind === 'homing' ? MAX_WIDTH_M : 0;
    const speed = goal.kind === 'homing' ? HOMING_SPEED : goal.speed;
    const commandWidth = widthOf(commandedClosedness);
    this.pending = undefined;
    this.running = {
      goal,
      session,
      end,
      speed,
      maxSteps: Math.ceil(Math.abs(end - commandWidth) / (speed * this.periodS)) + SETTLE_STEPS,
      commandWidth,
      lastWidth: measuredWidth,
      steps: 0,
    };
  }

  /** Cancels `session`'s goal when it is the running one: the fingers stop where they are. Returns whether it was running. */
  cancel(session: SimGripperSession): boolean {
    const r = this.running;
    if (!r || r.session !== session) return false;
    this.pending = closednessOf(r.lastWidth);
    this.finish({ success: false, error: 'cancelled', cancelled: true });
    return true;
  }

  /** Ends the running goal failed (a finger-position command took over, a reset). */
  abandon(reason: string): void {
    if (this.running) this.finish({ success: false, error: reason });
  }

  /** Before a step: the closedness to command, or undefined to leave the fingers' command as it is. */
  command(): number | undefined {
    const r = this.running;
    if (!r) {
      const once = this.pending;
      this.pending = undefined;
      return once;
    }
    const stepM = r.speed * this.periodS;
    r.commandWidth = r.commandWidth > r.end ? Math.max(r.end, r.commandWidth - stepM) : Math.min(r.end, r.commandWidth + stepM);
    return closednessOf(r.commandWidth);
  }

  /** After a step: the measured opening (m); feedback, and the goal's end once the fingers stopped. */
  observe(width: number): void {
    const r = this.running;
    if (!r) return;
    r.steps++;
    const moved = Math.abs(width - r.lastWidth);
    r.lastWidth = width;
    r.session.feedback(width);
    const stopped = moved < STALL_M;
    const g = r.goal;
    if (g.kind === 'grasp' && stopped && width > r.commandWidth + CONTACT_GAP_M) {
      // Blocked by an object: squeeze with the goal's force (per finger: force / stiffness inside the contact).
      const inside = (2 * Math.min(g.force, SIM_FINGER_FORCE_N)) / SIM_FINGER_KP;
      this.pending = closednessOf(width - inside);
      this.finish(this.graspVerdict(g, width));
    } else if (stopped && r.commandWidth === r.end) {
      if (g.kind === 'grasp') this.finish(this.graspVerdict(g, width));
      else if (Math.abs(width - r.end) <= MOVE_TOLERANCE_M) this.finish({ success: true, error: '' });
      else this.finish({ success: false, error: `fingers stopped at ${mm(width)}, short of the requested ${mm(r.end)}` });
    } else if (r.steps >= r.maxSteps) {
      this.finish({ success: false, error: `fingers did not settle within ${r.maxSteps} steps (at ${mm(width)})` });
    }
  }

  /** libfranka's grasp check: the opening where the fingers stopped within (width − inner, width + outer). */
  private graspVerdict(g: Extract<SimGripperGoal, { kind: 'grasp' }>, width: number): SimGripperResult {
    const lo = g.width - g.epsilonInner;
    const hi = g.width + g.epsilonOuter;
    if (width > lo && width < hi) return { success: true, error: '' };
    return { success: false, error: `fingers stopped at ${mm(width)}, outside (${mm(lo)}, ${mm(hi)}): nothing grasped at the requested width` };
  }

  private finish(result: SimGripperResult): void {
    const r = this.running as Running;
    this.running = undefined;
    r.session.done(result);
  }
}
