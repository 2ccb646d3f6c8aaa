/**
 * Stages of a task when the user gives fewer goal images than the model's subgoal proposer knows
 * stages: the proposer's latents fill in the stages no image was given for, and every given image
 * takes its stage's place (matched by name; the final goal is always the last stage). Pure.
 */
import type { Latents } from './types.js';

/** A sequence of goals with their names and step budgets. */
export interface StagePlan {
  readonly names: readonly string[];
  readonly steps: readonly number[];
  readonly stages: readonly Latents[];
}

/**
 * Why given goal names cannot take their places among a proposer's stages, or undefined when they
 * can: every goal but the last must name a stage, in the stages' order (the last goal is the
 * task's goal and takes the last stage whatever its name).
 */
export function stageMismatch(stageNames: readonly string[], givenNames: readonly string[]): string | undefined {
  let previous = -1;
  for (const [i, name] of givenNames.entries()) {
    const at = i === givenNames.length - 1 ? stageNames.length - 1 : stageNames.indexOf(name);
    if (at < 0) return `goal '${name}' is not one of the proposer's stages (${stageNames.join(', ')})`;
    if (at <= previous) return `goal '${name}' comes before an earlier goal among the proposer's stages (${stageNames.join(', ')})`;
    previous = at;
  }
  return undefined;
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
  const mismatch = stageMismatch(stageNames, given.names);
  if (mismatch) throw new RangeError(mismatch);
  const out: (Latents | undefined)[] = new Array<Latents | undefined>(stageNames.length - 1).fill(undefined);
  given.names.slice(0, -1).forEach((name, i) => {
    out[stageNames.indexOf(name)] = given.goals[i] as Latents;
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
  const mismatch = stageMismatch(proposed.names, given.names);
  if (mismatch) throw new RangeError(mismatch);
  const stages = [...proposed.stages];
  const last = proposed.names.length - 1;
  given.names.forEach((name, i) => {
    const at = i === given.names.length - 1 ? last : proposed.names.indexOf(name);
    const goal = given.goals[i] as Latents;
    const proposedGripper = (proposed.stages[at] as Latents).gripperReadout;
    // A given image read by the model's goal readout keeps its reading; else the proposer's.
    stages[at] = goal.gripperReadout === undefined && proposedGripper !== undefined ? { ...goal, gripperReadout: proposedGripper } : goal;
  });
  return { names: proposed.names, steps: proposed.steps, stages };
}
