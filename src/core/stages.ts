/**
 * Stages of a task when the user gives fewer goal images than the model's subgoal proposer knows
 * stages: the proposer's latents fill in the stages no image was given for, and every given image
 * takes its stage's place (matched by name; the final goal is always the last stage). Pure.
 */
import type { Subgoal } from './subgoals.js';
import type { Latents } from './types.js';

/** A sequence of goals with their names and step budgets. */
export interface StagePlan {
  readonly names: readonly string[];
  readonly steps: readonly number[];
  readonly stages: readonly Latents[];
}

/** Each given goal's stage index, or why the names do not fit (see {@link stageMismatch}). */
function placesOf(stageNames: readonly string[], givenNames: readonly string[]): { places: number[] } | { reason: string } {
  const places: number[] = [];
  for (const [i, name] of givenNames.entries()) {
    const at = i === givenNames.length - 1 ? stageNames.length - 1 : stageNames.indexOf(name);
    if (at < 0) return { reason: `goal '${name}' is not one of the proposer's stages (${stageNames.join(', ')})` };
    if (at <= (places.at(-1) ?? -1)) return { reason: `goal '${name}' comes before an earlier goal among the proposer's stages (${stageNames.join(', ')})` };
    places.push(at);
  }
  return { places };
}

/**
 * Why given goal names cannot take their places among a proposer's stages, or undefined when they
 * can: every goal but the last must name a stage, in the stages' order (the last goal is the
 * task's goal and takes the last stage whatever its name).
 */
export function stageMismatch(stageNames: readonly string[], givenNames: readonly string[]): string | undefined {
  const r = placesOf(stageNames, givenNames);
  return 'reason' in r ? r.reason : undefined;
}

/**
 * The stage index each given goal takes (the last one: the last stage).
 * @throws RangeError when the names do not fit the stages ({@link stageMismatch}).
 */
function stagePlaces(stageNames: readonly string[], givenNames: readonly string[]): number[] {
  const r = placesOf(stageNames, givenNames);
  if ('reason' in r) throw new RangeError(r.reason);
  return r.places;
}

/**
 * The given goal images by the proposer's stage they take, one entry per stage before the goal
 * (undefined where none was given): what a conditional proposer proposes the other stages from.
 * The last given goal is the task's goal, not among them.
 * @throws RangeError when the names do not fit the stages ({@link stageMismatch}).
 */
export function givenStages(
  stageNames: readonly string[],
  given: { readonly names: readonly string[]; readonly goals: readonly Latents[] },
): (Latents | undefined)[] {
  const out: (Latents | undefined)[] = new Array<Latents | undefined>(stageNames.length - 1).fill(undefined);
  stagePlaces(stageNames, given.names)
    .slice(0, -1)
    .forEach((at, i) => {
      out[at] = given.goals[i] as Latents;
    });
  return out;
}

/**
 * Merges given goal images into the proposed stages. A given goal replaces the proposed stage of
 * the same name (the last given goal replaces the last stage whatever its name: it is the task's
 * goal); stages with no given goal keep the proposer's latents. Budgets are the proposer's.
 * @throws RangeError when the names do not fit the stages ({@link stageMismatch}).
 */
export function mergeStages(proposed: StagePlan, given: { readonly names: readonly string[]; readonly goals: readonly Latents[] }): StagePlan {
  const stages = [...proposed.stages];
  stagePlaces(proposed.names, given.names).forEach((at, i) => {
    const goal = given.goals[i] as Latents;
    const proposedGripper = (proposed.stages[at] as Latents).gripperReadout;
    // A given image read by the model's goal readout keeps its reading; else the proposer's.
    stages[at] = goal.gripperReadout === undefined && proposedGripper !== undefined ? { ...goal, gripperReadout: proposedGripper } : goal;
  });
  return { names: proposed.names, steps: proposed.steps, stages };
}

/** Given goals' own settings, one entry per given goal (the last: the task's goal). */
export interface GivenGoalSettings {
  readonly names: readonly string[];
  /** A budget per given goal for its stage, or undefined: every stage keeps the proposer's. */
  readonly maxSteps?: readonly number[];
  /** A threshold per given goal (≤ 0 or NaN: budget only), or empty. */
  readonly energyThresholds: readonly number[];
}

/**
 * The subgoals of a merged plan ({@link mergeStages}): every stage has the proposer's budget and
 * no threshold, except that a given goal's stage takes the goal's own budget and threshold.
 * @throws RangeError when the names do not fit the stages ({@link stageMismatch}).
 */
export function stageSubgoals(plan: StagePlan, given: GivenGoalSettings): Subgoal<Latents>[] {
  const own = new Map(stagePlaces(plan.names, given.names).map((at, i) => [at, i]));
  return plan.stages.map((goal, at): Subgoal<Latents> => {
    const i = own.get(at);
    const steps = i === undefined ? undefined : given.maxSteps?.[i];
    const threshold = i === undefined ? undefined : given.energyThresholds[i];
    return {
      goal,
      maxSteps: steps ?? (plan.steps[at] as number),
      ...(threshold !== undefined && threshold > 0 ? { energyThreshold: threshold } : {}),
    };
  });
}
