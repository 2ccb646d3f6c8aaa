/**
 * The evaluation loop `eval` and `sweep` share: seeded episodes of a task in the built-in
 * simulator, goal images rendered by the scripted expert from the same layouts (through the same
 * perturbed simulator), planned directly or through the node's ports, and the run's summary.
 */
import { isPerturbed } from '../../sim/perturb.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { runPlannedEpisode, type EpisodeStep, type PlannedEpisode } from '../loop/episode.js';
import { expertGoals } from '../loop/goals.js';
import { runThroughNodeEpisode } from '../loop/through-node.js';
import type { EpisodeRecorder } from '../loop/recorder.js';
import type { Logger } from '../log.js';
import type { WorldModel } from '../model/world-model.js';
import { episodeSimOptions, type RunSettings } from './planned-run.js';
import { median, round } from './table.js';

/** How the episodes are run. */
export interface EvaluationOptions {
  readonly episodes: number;
  /** Run the planner node and the simulator node through their ports (else the direct loop). */
  readonly throughNode?: { readonly latencyS: number; readonly outputMode: 'twist' | 'pose' | 'joint'; readonly log: Logger };
  readonly onStep?: (step: EpisodeStep) => void;
  /** Called after each episode with its outcome and its index. */
  readonly onEpisode?: (episode: PlannedEpisode, index: number) => void;
  /** Records every episode, one after another (`eval --mcap`). */
  readonly recorder?: EpisodeRecorder;
}

/** Runs `episodes` seeded episodes (seeds s.seed, s.seed + 1, …) and returns their outcomes. */
export async function evaluate(model: WorldModel, s: RunSettings, o: EvaluationOptions): Promise<PlannedEpisode[]> {
  const perturbed = isPerturbed(s.perturbation);
  const sim = await TabletopSim.create(s.sim);
  const results: PlannedEpisode[] = [];
  try {
    for (let k = 0; k < o.episodes; k++) {
      const seed = s.seed + k;
      const simOptions = episodeSimOptions(s, seed);
      const goals = await expertGoals(simOptions, s.task, seed, s.expert, s.subgoals);
      // A perturbed camera moves per episode: a simulator of its own (the unperturbed run shares one).
      const epSim: TabletopSim = perturbed ? await TabletopSim.create(simOptions) : sim;
      const common = {
        seed,
        ...(s.subgoalSteps ? { subgoalSteps: s.subgoalSteps } : {}),
        ...(o.onStep ? { onStep: o.onStep } : {}),
        ...(o.recorder ? { recorder: o.recorder } : {}),
      };
      try {
        const ep = o.throughNode
          ? await runThroughNodeEpisode(epSim, model, goals, {
              ...common,
              params: { ...s.plannerSettings, output_mode: o.throughNode.outputMode, propose_stages: s.propose },
              latencyS: o.throughNode.latencyS,
              log: o.throughNode.log,
            })
          : await runPlannedEpisode(epSim, model, goals, { ...common, planner: s.planner, propose: s.propose });
        results.push(ep);
        o.onEpisode?.(ep, k);
      } finally {
        if (epSim !== sim) epSim.close();
      }
    }
    return results;
  } finally {
    sim.close();
  }
}

/** What a run of episodes comes to (the figures every table reports). */
export interface RunSummary {
  readonly episodes: number;
  readonly successes: number;
  readonly successRate: number;
  /** Episodes where the planner held the cube off the table at some point (pick-and-place: the grasp worked). */
  readonly lifted: number;
  /** Episodes where the gripper closed with the tool within 2 cm of the cube (a grasp attempt). */
  readonly closedAtCube: number;
  readonly medianClosestToCube: number;
  readonly meanPlanMs: number;
  readonly meanSteps: number;
}

/** Summarises a run's episodes. */
export function summariseRun(results: readonly PlannedEpisode[]): RunSummary {
  const n = results.length;
  const successes = results.filter((r) => r.success).length;
  return {
    episodes: n,
    successes,
    successRate: successes / n,
    lifted: results.filter((r) => r.lifted).length,
    closedAtCube: results.filter((r) => r.closedAtCube).length,
    medianClosestToCube: round(median(results.map((r) => r.closestToCube)), 4),
    meanPlanMs: round(results.reduce((a, r) => a + r.meanPlanMs, 0) / n, 1),
    meanSteps: round(results.reduce((a, r) => a + r.steps, 0) / n, 2),
  };
}

/** One episode as `eval --json` reports it (distances in metres, rounded). */
export interface EpisodeRecord {
  readonly seed: number;
  readonly success: boolean;
  readonly steps: number;
  readonly successStep: number | null;
  readonly tcpToTarget: number;
  readonly cubeToTarget: number;
  readonly lifted: boolean;
  readonly closestToCube: number;
  readonly closedAtCube: boolean;
  /** The goal readout's gripper per goal frame (only for models with a goal readout). */
  readonly goalGripper?: number[];
  readonly meanPlanMs: number;
}

/** An episode's outcome as `eval --json` reports it. */
export function episodeRecord(r: PlannedEpisode): EpisodeRecord {
  return {
    seed: r.seed,
    success: r.success,
    steps: r.steps,
    successStep: r.successStep,
    tcpToTarget: round(r.finalTask.tcpToTarget, 4),
    cubeToTarget: round(r.finalTask.cubeToTarget, 4),
    lifted: r.lifted,
    closestToCube: round(r.closestToCube, 4),
    closedAtCube: r.closedAtCube,
    ...(r.goalGripper.length ? { goalGripper: r.goalGripper.map((g) => round(g, 3)) } : {}),
    meanPlanMs: round(r.meanPlanMs, 1),
  };
}
