/**
 * The planner node's status: the last code, message, energy and plan time, logged when they
 * change (warnings for faults), and the PlannerStatus report the node publishes every cycle.
 */
import { PlannerStatus, statusName } from '../core/status.js';
import type { Logger } from '../log.js';
import type { StatusReport } from './ports.js';

/** What the report adds from the rest of the node. */
export interface StatusContext {
  readonly step: number;
  readonly subgoalIndex: number;
  readonly subgoalCount: number;
  readonly lastAction: readonly number[];
  readonly provider: string;
}

export class StatusBoard {
  code: number = PlannerStatus.WAITING_FOR_GOAL;
  message = 'no goal set';
  energy = NaN;
  planTimeMs = 0;
  /** Latent distance of the frame last planned from to its active subgoal (NaN before the first plan). */
  latentDistance = NaN;

  constructor(private readonly log: Logger) {}

  /** Sets the status (the energy stays unless given); logs a change, as a warning for model and input faults. */
  set(code: number, message: string, energy = this.energy): void {
    if (code !== this.code || message !== this.message) {
      const level = code === PlannerStatus.MODEL_ERROR || code === PlannerStatus.INVALID_INPUT ? 'warn' : 'debug';
      this.log[level]({ code: statusName(code), message }, 'planner status');
    }
    this.code = code;
    this.message = message;
    this.energy = energy;
  }

  /** The PlannerStatus message's content. */
  report(context: StatusContext): StatusReport {
    return { code: this.code, codeName: statusName(this.code), message: this.message, energy: this.energy, planTimeMs: this.planTimeMs, ...context };
  }
}
