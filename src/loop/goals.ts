/**
 * Goal images for a planned episode, made the way a user makes them on a real robot: drive the
 * robot there once and keep the frame. Here a scripted expert runs in a SEPARATE simulator
 * instance from the same initial layout (same seed); the planner receives only the rendered
 * frames — never the expert's actions or the cube's pose.
 */
import { simFrame } from './sim-frame.js';
import { runExpertEpisode, type ExpertOptions, type SubgoalFrames } from '../../sim/expert.js';
import { TabletopSim, type Observation, type TabletopOptions } from '../../sim/tabletop.js';
import type { TaskName } from '../../sim/tasks.js';
import type { RgbImage } from '../model/image.js';

/** Steps the expert keeps holding after success before its final frame is taken. */
const SETTLE_STEPS = 2;

/**
 * How a task is split into goal images. `paper`: V-JEPA 2-AC's pick-and-place subgoals (grasped,
 * near the target, placed). `waypoints`: those plus two pre-grasp frames (hovering over the cube,
 * fingers open around it) and a pre-release one (the cube set down on the target, fingers still
 * closed), for a short-horizon planner that would otherwise knock the cube on a diagonal descent,
 * close its fingers before they surround the cube, or open them above the target and drop it.
 * `final`: only the last frame (the finished task) — what a user with a robot usually has; the
 * budget is the waypoints' total. A model with a subgoal proposer makes the stages between itself.
 */
export const SUBGOAL_SCHEMES = ['paper', 'waypoints', 'final'] as const;
/** One of {@link SUBGOAL_SCHEMES}. */
export type SubgoalScheme = (typeof SUBGOAL_SCHEMES)[number];

/** A goal frame: one of the expert's recorded subgoal frames, or its last frame. */
type FrameKey = keyof SubgoalFrames | 'last';

/** One subgoal of a plan: its name, where its frame comes from, its default step budget. */
interface SubgoalSpec {
  readonly name: string;
  readonly frame: FrameKey;
  readonly steps: number;
}

const HOVER: SubgoalSpec = { name: 'hover', frame: 'hover', steps: 8 };
const AT_CUBE: SubgoalSpec = { name: 'at cube', frame: 'atCube', steps: 5 };

/**
 * Subgoals per task and scheme, with step budgets sized from the scripted expert (it needs ~21
 * steps for pick-and-place at up to 7.5 cm per step) plus room to correct.
 */
export const SUBGOAL_PLANS: Readonly<Record<TaskName, Readonly<Record<SubgoalScheme, readonly SubgoalSpec[]>>>> = {
  reach: {
    paper: [{ name: 'reached', frame: 'last', steps: 20 }],
    waypoints: [{ name: 'reached', frame: 'last', steps: 20 }],
    final: [{ name: 'reached', frame: 'last', steps: 20 }],
  },
  grasp: {
    paper: [
      { name: 'grasped', frame: 'grasped', steps: 12 },
      { name: 'lifted', frame: 'last', steps: 8 },
    ],
    waypoints: [HOVER, AT_CUBE, { name: 'grasped', frame: 'grasped', steps: 4 }, { name: 'lifted', frame: 'last', steps: 8 }],
    final: [{ name: 'lifted', frame: 'last', steps: 25 }],
  },
  'pick-place': {
    paper: [
      { name: 'grasped', frame: 'grasped', steps: 12 },
      { name: 'near target', frame: 'nearTarget', steps: 10 },
      { name: 'placed', frame: 'placed', steps: 8 },
    ],
    waypoints: [
      HOVER,
      AT_CUBE,
      { name: 'grasped', frame: 'grasped', steps: 4 },
      { name: 'near target', frame: 'nearTarget', steps: 10 },
      { name: 'lowered', frame: 'lowered', steps: 4 },
      { name: 'placed', frame: 'placed', steps: 6 },
    ],
    final: [{ name: 'placed', frame: 'placed', steps: 37 }],
  },
};

/** The default step budgets of a task's subgoals under a scheme. */
export function defaultSubgoalSteps(task: TaskName, scheme: SubgoalScheme): number[] {
  return SUBGOAL_PLANS[task][scheme].map((s) => s.steps);
}

/** The goal frames of one episode. */
export interface GoalSet {
  readonly task: TaskName;
  readonly seed: number;
  /** One frame per subgoal (e.g. pick-and-place, paper scheme: grasped, near target, placed). */
  readonly frames: RgbImage[];
  /** Subgoal names, parallel to frames. */
  readonly names: string[];
  /** Default step budget per subgoal, parallel to frames. */
  readonly steps: number[];
  /** The expert's tool-centre position at each goal frame (diagnostics only; never given to the planner). */
  readonly tcpPositions: Float64Array[];
  /** The expert's 7-D state at each goal frame (training data for a subgoal proposer; never given to the planner). */
  readonly states: Float64Array[];
  /** The episode's first frame (the layout the goals were made from; the planner's own first frame is the same). */
  readonly start: RgbImage;
  /** The 7-D state at the first frame. */
  readonly startState: Float64Array;
  /** Control steps the expert needed. */
  readonly expertSteps: number;
}

/**
 * Renders the goal frames of a task for a seed by running the scripted expert in its own
 * simulator (same options, so the camera and image size match the episode's). `expert` tunes the
 * demonstration: a planner whose wrist rotation is pinned wants goals made with `alignYaw: false`.
 * @throws Error when the expert fails or skips a subgoal (the seed cannot be evaluated).
 */
export async function expertGoals(
  options: TabletopOptions,
  task: TaskName,
  seed: number,
  expert: ExpertOptions = {},
  scheme: SubgoalScheme = 'paper',
): Promise<GoalSet> {
  const sim = await TabletopSim.create({ ...options, task, render: true });
  try {
    const episode = runExpertEpisode(sim, seed, { keepObservations: true, extraSteps: SETTLE_STEPS, expert });
    if (!episode.success) throw new Error(`the scripted expert failed ${task} for seed ${seed}; no goal images`);
    const last = episode.observations.at(-1) as Observation;
    const specs = SUBGOAL_PLANS[task][scheme];
    const obs = specs.map((spec) => {
      const o = spec.frame === 'last' ? last : episode.subgoals[spec.frame];
      if (!o) throw new Error(`the scripted expert skipped the '${spec.name}' subgoal of ${task} for seed ${seed}`);
      return o;
    });
    return {
      task,
      seed,
      frames: obs.map((o) => simFrame(o, true)),
      names: specs.map((s) => s.name),
      steps: specs.map((s) => s.steps),
      tcpPositions: obs.map((o) => Float64Array.from(o.state.subarray(0, 3))),
      states: obs.map((o) => Float64Array.from(o.state)),
      start: simFrame(episode.observations[0] as Observation, true),
      startState: Float64Array.from((episode.observations[0] as Observation).state),
      expertSteps: episode.steps,
    };
  } finally {
    sim.close();
  }
}
