/**
 * The PickPlace action's life cycle behind the planner node, free of ROS: one goal runs at a time.
 * A checked goal is encoded and installed in the goal book the SetGoal services share; feedback
 * follows every plan; the goal ends REACHED once its subgoals are done and the last motion has
 * finished, TIMED_OUT after its timeout, MODEL_ERROR when the model fails for good, CANCELLED on
 * request (the arm holds at once, as at shutdown), PREEMPTED when a newer goal or a goal service
 * replaces it. src/ros/pick-place-server.ts wires it to an rclnodejs ActionServer.
 */
import { PlannerStatus } from '../core/status.js';
import type { Logger } from '../log.js';
import {
  PickPlaceOutcome,
  type CheckedGoal,
  type EncodedGoal,
  type PickPlaceFeedback,
  type PickPlaceOutcomeName,
  type PickPlaceResult,
} from './pick-place-goal.js';
import type { StatusReport } from './ports.js';

/** Consecutive plans reporting MODEL_ERROR (with a worker that is not being restarted) that end a goal. */
export const MODEL_ERROR_PLANS = 3;

/** Where one goal's feedback goes (the action server's goal handle). */
export interface GoalSession {
  feedback(feedback: PickPlaceFeedback): void;
}

/** What the action needs from the planner node. */
export interface ActionHost {
  readonly log: Logger;
  /** Seconds on the node's clock. */
  clock(): number;
  /** Encodes a goal's images (the model's worker). */
  encode(goal: CheckedGoal): Promise<EncodedGoal>;
  /** Installs encoded goals in the goal book (a plan in flight for older goals is dropped). */
  install(goal: EncodedGoal): void;
  /** Forgets the goals and holds the arm at once (a zero twist, or the current pose / joints), stopping the gripper. */
  holdNow(message: string): void;
  /** Forgets the goals without commanding anything (the running command finishes). */
  clearGoals(message: string): void;
  /** The status the node would publish now. */
  report(): StatusReport;
  /** Latent distance of the frame last planned from to its active subgoal (NaN before). */
  latentDistance(): number;
  /** Whether the goal book's subgoals are all done. */
  goalsDone(): boolean;
  /** When the last executed command finishes (s, node clock). */
  busyUntil(): number;
  /** Why the model cannot plan for good (a worker that gave up, settings that do not fit), or undefined. */
  modelFault(): string | undefined;
  /** Whether the model's worker is being restarted (its MODEL_ERROR plans are then transient). */
  modelRestarting(): boolean;
}

interface ActiveGoal {
  readonly id: number;
  readonly session: GoalSession;
  readonly startS: number;
  readonly timeoutS: number;
  installed: boolean;
  modelErrorPlans: number;
  finish(result: PickPlaceResult): void;
}

/** The action's goal life cycle (see the file comment). */
export class PickPlaceAction {
  private active: ActiveGoal | undefined;
  private nextId = 1;

  constructor(private readonly host: ActionHost) {}

  /** Whether a goal is running. */
  get running(): boolean {
    return this.active !== undefined;
  }

  /**
   * Runs an accepted goal: preempts a running one, encodes and installs this one, and resolves
   * with the result once it ends (never rejects).
   */
  run(goal: CheckedGoal, session: GoalSession): Promise<PickPlaceResult> {
    this.preempt('preempted by a new goal', true);
    let resolve: (result: PickPlaceResult) => void = () => undefined;
    const promise = new Promise<PickPlaceResult>((r) => (resolve = r));
    const active: ActiveGoal = {
      id: this.nextId++,
      session,
      startS: this.host.clock(),
      timeoutS: goal.timeoutS,
      installed: false,
      modelErrorPlans: 0,
      finish: resolve,
    };
    this.active = active;
    this.host.log.info({ goal: active.id, sources: goal.sources, budgets: goal.maxSteps ?? 'defaults', timeoutS: goal.timeoutS }, 'action goal accepted');
    this.host.encode(goal).then(
      (encoded) => {
        if (this.active !== active) return; // cancelled or preempted while encoding
        this.host.install(encoded);
        active.installed = true;
        this.host.log.info({ goal: active.id, subgoals: encoded.subgoals.length, proposeStages: encoded.proposeFrom !== undefined }, 'action goal set');
      },
      (error: Error) => {
        // The images were checked at goal time: what fails now is the model.
        if (this.active === active) this.end('MODEL_ERROR', `goal images could not be encoded: ${error.message}`, 'clear');
      },
    );
    return promise;
  }

  /**
   * A cancel request: when `session`'s goal is the running one (any running goal without a
   * session), the arm holds at once and the goal ends CANCELLED. Returns whether it was running.
   */
  cancel(session?: GoalSession): boolean {
    if (!this.active || (session && this.active.session !== session)) return false;
    this.end('CANCELLED', 'cancelled by the client; holding', 'hold');
    return true;
  }

  /**
   * Ends the running goal PREEMPTED (a newer goal, a goal service call, clear_goal, shutdown).
   * `clear`: forget its goals too (when nothing replaced them yet).
   */
  preempt(message: string, clear = false): void {
    if (this.active) this.end('PREEMPTED', message, clear ? 'clear' : 'keep');
  }

  /** After every plan: feedback, and MODEL_ERROR once plans keep failing in the model. */
  afterPlan(): void {
    const a = this.active;
    if (!a?.installed) return;
    const r = this.host.report();
    a.session.feedback({
      subgoalIndex: r.subgoalIndex,
      subgoalCount: r.subgoalCount,
      energy: r.energy,
      latentDistance: this.host.latentDistance(),
      statusCode: r.code,
      statusName: r.codeName,
      statusMessage: r.message,
      planTimeMs: r.planTimeMs,
      steps: r.step,
      elapsedS: this.host.clock() - a.startS,
    });
    a.modelErrorPlans = r.code === PlannerStatus.MODEL_ERROR && !this.host.modelRestarting() ? a.modelErrorPlans + 1 : 0;
    if (a.modelErrorPlans >= MODEL_ERROR_PLANS) this.end('MODEL_ERROR', `${MODEL_ERROR_PLANS} plans in a row failed: ${r.message}`, 'hold');
  }

  /** After every control cycle: the timeout, the model's health, and the goal reached once the last motion has finished. */
  afterTick(): void {
    const a = this.active;
    if (!a) return;
    const now = this.host.clock();
    const fault = this.host.modelFault();
    if (fault) this.end('MODEL_ERROR', fault, 'hold');
    else if (a.timeoutS > 0 && now - a.startS >= a.timeoutS) this.end('TIMED_OUT', `not reached within ${a.timeoutS} s; holding`, 'hold');
    else if (a.installed && this.host.goalsDone() && now >= this.host.busyUntil()) this.end('REACHED', this.host.report().message, 'keep');
  }

  /** Ends the running goal: `hold` the arm at once, `clear` its goals, or `keep` them. */
  private end(name: PickPlaceOutcomeName, message: string, goals: 'hold' | 'clear' | 'keep'): void {
    const a = this.active as ActiveGoal;
    this.active = undefined;
    if (goals === 'hold') this.host.holdNow(`goal ${name.toLowerCase().replace('_', ' ')}; holding`);
    else if (goals === 'clear') this.host.clearGoals(message);
    const r = this.host.report();
    const result: PickPlaceResult = {
      outcome: PickPlaceOutcome[name],
      outcomeName: name,
      message,
      steps: a.installed ? r.step : 0,
      elapsedS: this.host.clock() - a.startS,
      finalEnergy: a.installed ? r.energy : NaN,
    };
    this.host.log[name === 'REACHED' ? 'info' : 'warn'](
      { goal: a.id, outcome: name, message, steps: result.steps, elapsedS: result.elapsedS },
      'action goal ended',
    );
    a.finish(result);
  }
}
