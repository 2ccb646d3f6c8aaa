/**
 * Multi-goal tasks: a sequence of subgoals (e.g. pick-and-place's grasp → near target → placed)
 * with a step budget and/or an energy threshold each. Time-based switching as in the paper
 * (4, 10, 4 steps) or energy-based: move on as soon as the energy to the current subgoal falls
 * below its threshold, the budget being the fallback.
 */

/** One subgoal: its goal (image, latents, …), a step budget and an optional energy threshold. */
export interface Subgoal<G> {
  readonly goal: G;
  /** Steps to spend on this subgoal before moving on (≥ 1). */
  readonly maxSteps: number;
  /** Move on once a step's energy is at or below this (undefined = time-based only). */
  readonly energyThreshold?: number;
}

/** The paper's pick-and-place budgets: 4 steps to grasp, 10 to carry, 4 to place. */
export const PICK_PLACE_STEPS: readonly number[] = Object.freeze([4, 10, 4]);

/** Where the sequencer stands after a step. */
export interface SubgoalProgress {
  /** Index of the subgoal to plan for next (== count when done). */
  readonly index: number;
  /** Steps taken on that subgoal. */
  readonly stepsOnSubgoal: number;
  /** Whether this step moved to a new subgoal. */
  readonly switched: boolean;
  /** Why it switched: 'budget' | 'energy' | undefined. */
  readonly reason?: 'budget' | 'energy';
  /** True once the last subgoal is finished. */
  readonly done: boolean;
}

/** Tracks which subgoal is active. */
export class SubgoalSequencer<G> {
  private index = 0;
  private steps = 0;

  /** @throws RangeError for an empty list, a bad budget or a non-finite threshold. */
  constructor(private readonly subgoals: readonly Subgoal<G>[]) {
    if (subgoals.length === 0) throw new RangeError('a subgoal sequence needs at least one subgoal');
    subgoals.forEach((s, i) => {
      if (!Number.isSafeInteger(s.maxSteps) || s.maxSteps < 1) throw new RangeError(`subgoal ${i}: maxSteps must be an integer >= 1, got ${s.maxSteps}`);
      if (s.energyThreshold !== undefined && !Number.isFinite(s.energyThreshold)) {
        throw new RangeError(`subgoal ${i}: energyThreshold must be finite, got ${s.energyThreshold}`);
      }
    });
  }

  /** Number of subgoals. */
  get count(): number {
    return this.subgoals.length;
  }

  /** The active subgoal, or undefined once done. */
  get current(): (Subgoal<G> & { index: number }) | undefined {
    const s = this.subgoals[this.index];
    return s ? { ...s, index: this.index } : undefined;
  }

  /** True once every subgoal is finished. */
  get done(): boolean {
    return this.index >= this.subgoals.length;
  }

  /**
   * Records one executed step on the active subgoal with the energy the planner reported for it
   * and switches when the budget is spent or the threshold met.
   */
  record(energy: number): SubgoalProgress {
    const s = this.subgoals[this.index];
    if (!s) return { index: this.index, stepsOnSubgoal: 0, switched: false, done: true };
    this.steps++;
    const metThreshold = s.energyThreshold !== undefined && Number.isFinite(energy) && energy <= s.energyThreshold;
    const spent = this.steps >= s.maxSteps;
    if (metThreshold || spent) {
      this.index++;
      this.steps = 0;
      return { index: this.index, stepsOnSubgoal: 0, switched: true, reason: metThreshold ? 'energy' : 'budget', done: this.done };
    }
    return { index: this.index, stepsOnSubgoal: this.steps, switched: false, done: false };
  }

  /** Back to the first subgoal. */
  reset(): void {
    this.index = 0;
    this.steps = 0;
  }
}
