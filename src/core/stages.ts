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
 * Merges given goal images into the proposed stages. A given goal replaces the proposed stage of
 * the same name (the last given goal replaces the last stage whatever its name: it is the task's
 * goal); stages with no given goal keep the proposer's latents. Budgets are the proposer's.
 * @throws RangeError when a given goal (other than the last) names no proposed stage, or the
 *   given goals are out of the stages' order.
 */
export function mergeStages(proposed: StagePlan, given: { readonly names: readonly string[]; readonly goals: readonly Latents[] }): StagePlan {
  const stages = [...proposed.stages];
  const last = proposed.names.length - 1;
  let previous = -1;
  given.names.forEach((name, i) => {
    const at = i === given.names.length - 1 ? last : proposed.names.indexOf(name);
    if (at < 0) throw new RangeError(`goal '${name}' is not one of the proposer's stages (${proposed.names.join(', ')})`);
    if (at <= previous) throw new RangeError(`goal '${name}' comes before an earlier goal among the proposer's stages (${proposed.names.join(', ')})`);
    previous = at;
    const goal = given.goals[i] as Latents;
    const proposedGripper = (proposed.stages[at] as Latents).gripperReadout;
    // A given image read by the model's goal readout keeps its reading; else the proposer's.
    stages[at] = goal.gripperReadout === undefined && proposedGripper !== undefined ? { ...goal, gripperReadout: proposedGripper } : goal;
  });
  return { names: proposed.names, steps: proposed.steps, stages };
}
