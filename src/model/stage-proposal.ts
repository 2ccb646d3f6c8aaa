/**
 * The stages a plan goes through when the model's subgoal proposer fills in those no goal image
 * was given for: proposed from the first frame's latents, the arm's state and the task's goal (a
 * conditional proposer also from the other given goals), with every given goal in its stage's
 * place. The one definition the direct loop (src/loop/episode.ts) and the planner node
 * (src/node/plan-cycle.ts) share.
 */
import { givenStages, mergeStages, type StagePlan } from '../core/stages.js';
import type { Latents } from '../core/types.js';
import type { WorldModel } from './world-model.js';

/** Given goal images' latents, each named by the stage it shows (the last: the task's goal, whatever its name). */
export interface NamedGoals {
  readonly names: readonly string[];
  readonly goals: readonly Latents[];
}

/**
 * Proposes the stages and merges the given goals into them (see the file comment).
 * @throws Error when the model has no subgoal proposer; RangeError when the names do not fit its stages.
 */
export async function proposeStagePlan(model: WorldModel, first: Latents, state: Float32Array, given: NamedGoals): Promise<StagePlan> {
  if (!model.proposeStages || !model.manifest.subgoalProposer)
    throw new Error(`model '${model.manifest.name}' has no subgoal proposer (manifest subgoalProposer)`);
  const stages = model.manifest.subgoalProposer.stages;
  const proposed = await model.proposeStages(first, state, given.goals[given.goals.length - 1] as Latents, givenStages(stages, given));
  return mergeStages(proposed, given);
}
