/**
 * Goal images for a planned episode, made the way a user makes them on a real robot: drive the
 * robot there once and keep the frame. Here a scripted expert runs in a SEPARATE simulator
 * instance from the same initial layout (same seed); the planner receives only the rendered
 * frames — never the expert's actions or the cube's pose.
 */
import { runExpertEpisode, type ExpertOptions } from '../../sim/expert.js';
import { TabletopSim, type Observation, type TabletopOptions } from '../../sim/tabletop.js';
import type { TaskName } from '../../sim/tasks.js';
import type { RgbImage } from '../model/image.js';

/** Steps the expert keeps holding after success before its final frame is taken. */
const SETTLE_STEPS = 2;

/** The goal frames of one episode. */
export interface GoalSet {
  readonly task: TaskName;
  readonly seed: number;
  /** One frame per subgoal (pick-and-place: grasped, near target, placed). */
  readonly frames: RgbImage[];
  /** Subgoal names, parallel to frames. */
  readonly names: string[];
  /** The expert's tool-centre position at each goal frame (diagnostics only; never given to the planner). */
  readonly tcpPositions: Float64Array[];
  /** Control steps the expert needed. */
  readonly expertSteps: number;
}

function frameOf(o: Observation): RgbImage {
  return { width: o.width, height: o.height, data: o.rgb.slice() };
}

/**
 * Renders the goal frames of a task for a seed by running the scripted expert in its own
 * simulator (same options, so the camera and image size match the episode's). `expert` tunes the
 * demonstration: a planner whose wrist rotation is pinned wants goals made with `alignYaw: false`.
 * @throws Error when the expert does not reach a subgoal (the seed cannot be evaluated).
 */
export async function expertGoals(options: TabletopOptions, task: TaskName, seed: number, expert: ExpertOptions = {}): Promise<GoalSet> {
  const sim = await TabletopSim.create({ ...options, task, render: true });
  try {
    const episode = runExpertEpisode(sim, seed, { keepObservations: true, extraSteps: SETTLE_STEPS, expert });
    if (!episode.success) throw new Error(`the scripted expert failed ${task} for seed ${seed}; no goal images`);
    const last = episode.observations.at(-1) as Observation;
    const tcp = (o: Observation) => Float64Array.from(o.state.subarray(0, 3));
    if (task === 'pick-place') {
      const { grasped, nearTarget, placed } = episode.subgoals;
      if (!grasped || !nearTarget || !placed) throw new Error(`the scripted expert skipped a pick-and-place subgoal for seed ${seed}`);
      const obs = [grasped, nearTarget, placed];
      return { task, seed, frames: obs.map(frameOf), names: ['grasped', 'near target', 'placed'], tcpPositions: obs.map(tcp), expertSteps: episode.steps };
    }
    if (task === 'grasp') {
      const grasped = episode.subgoals.grasped ?? last;
      return { task, seed, frames: [frameOf(grasped), frameOf(last)], names: ['grasped', 'lifted'], tcpPositions: [tcp(grasped), tcp(last)], expertSteps: episode.steps };
    }
    return { task, seed, frames: [frameOf(last)], names: ['reached'], tcpPositions: [tcp(last)], expertSteps: episode.steps };
  } finally {
    sim.close();
  }
}
