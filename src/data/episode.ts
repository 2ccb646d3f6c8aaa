/**
 * One collected episode: its plan (kind, task, layout seed — a pure function of the dataset seed
 * and the episode index) and its recording (frames, states, actions, privileged truth).
 */
import type { Appearance, Observation, TabletopSim } from '../../sim/tabletop.js';
import { GRIPPER_INDEX } from '../../sim/action.js';
import { createRng, type Rng } from '../core/rng.js';
import { gripperCounterfactual } from './counterfactual.js';
import { DATASET_TASKS, EPISODE_KINDS, PRIVILEGED_FIELDS, STATE_DIM, type CollectMix, type DatasetTask, type EpisodeKind } from './format.js';
import { ExpertThenRandomPolicy, GraspPracticePolicy, NoisyExpertPolicy, Pauses, SmoothRandomPolicy, WaypointPolicy, type Policy } from './policies.js';

/** Share of each episode kind per policy mix (each sums to 1). */
export const MIX_WEIGHTS: Readonly<Record<CollectMix, Readonly<Record<EpisodeKind, number>>>> = {
  general: { waypoints: 0.35, 'smooth-random': 0.2, 'expert-pick-place': 0.3, 'expert-then-random': 0.15, 'grasp-practice': 0 },
  // What a planner meets in pick-and-place: hovering, descending and closing near the cube,
  // fumbled grasps, pushes, regrasps, carrying and dropping.
  grasp: { waypoints: 0.1, 'smooth-random': 0.1, 'expert-pick-place': 0.25, 'expert-then-random': 0.1, 'grasp-practice': 0.45 },
};

/** Share of each episode kind in a `general` dataset. */
export const KIND_WEIGHTS = MIX_WEIGHTS.general;

/** Episode indices per dataset seed: episode i of seed S draws from the stream S·2^20 + i. */
export const MAX_EPISODES = 2 ** 20;
/** Largest dataset seed (keeps S·2^20 + i a safe integer). */
export const MAX_DATASET_SEED = 2 ** 31 - 1;
/** Range of the expert-then-random switch step. */
const SWITCH_STEPS: readonly [number, number] = [4, 26];
const MAX_LAYOUT_SEED = 2 ** 31;

/** What an episode will do. */
export interface EpisodePlan {
  index: number;
  kind: EpisodeKind;
  task: DatasetTask;
  /** Seed of the simulator reset (layout). */
  layoutSeed: number;
  /** Seed of the policy's random stream. */
  policySeed: number;
}

/** The plan of episode `index` of a dataset collected with `seed`. */
export function planEpisode(seed: number, index: number, mix: CollectMix = 'general'): EpisodePlan {
  if (!(Number.isSafeInteger(seed) && seed >= 0 && seed <= MAX_DATASET_SEED))
    throw new RangeError(`dataset seed must be an integer in [0, ${MAX_DATASET_SEED}], got ${seed}`);
  if (!(Number.isSafeInteger(index) && index >= 0 && index < MAX_EPISODES))
    throw new RangeError(`episode index must be an integer in [0, ${MAX_EPISODES}), got ${index}`);
  const rng = createRng(seed * MAX_EPISODES + index);
  let u = rng.uniform();
  const weights = MIX_WEIGHTS[mix];
  // Rounding can leave u just above the sum: fall back to the last kind the mix uses.
  let kind = EPISODE_KINDS.filter((k) => weights[k] > 0).at(-1) as EpisodeKind;
  for (const k of EPISODE_KINDS) {
    if (u < weights[k]) {
      kind = k;
      break;
    }
    u -= weights[k];
  }
  const expert = kind === 'expert-pick-place' || kind === 'expert-then-random' || kind === 'grasp-practice';
  const task: DatasetTask = expert || rng.uniform() < 0.5 ? 'pick-place' : 'reach';
  return { index, kind, task, layoutSeed: rng.int(MAX_LAYOUT_SEED), policySeed: rng.int(MAX_LAYOUT_SEED) };
}

/** Builds the policy of a plan for a simulator already reset to the plan's layout. */
export function policyFor(plan: EpisodePlan, sim: TabletopSim, rng: Rng): Policy {
  switch (plan.kind) {
    case 'waypoints':
      return new Pauses(new WaypointPolicy(rng), rng);
    case 'smooth-random':
      return new Pauses(new SmoothRandomPolicy(rng), rng);
    case 'expert-pick-place':
      return new Pauses(new NoisyExpertPolicy(sim, rng), rng);
    case 'grasp-practice':
      return new Pauses(new GraspPracticePolicy(sim, rng), rng);
    case 'expert-then-random': {
      const switchStep = SWITCH_STEPS[0] + rng.int(SWITCH_STEPS[1] - SWITCH_STEPS[0] + 1);
      return new Pauses(new ExpertThenRandomPolicy(sim, rng, switchStep), rng);
    }
  }
}

/** Arrays of one recorded episode (F = steps + 1 frames). */
export interface EpisodeRecord {
  plan: EpisodePlan;
  /** uint8 [F, H, W, 3]. */
  frames: Uint8Array;
  /** float32 [F, 7]. */
  states: Float32Array;
  /** float32 [F, 7]; the last row is zeros. */
  actions: Float32Array;
  /** float32 [F, P] (see PRIVILEGED_FIELDS). */
  privileged: Float32Array;
  /** Wrist-camera collection only (`collect --wrist`): uint8 [F, H, W, 3], the hand camera's frame at each step. */
  wristFrames?: Uint8Array;
  /** Twin collection only (`collect --twin`): uint8 [F, H, W, 3], each frame's state drawn under the twin appearance. */
  twinFrames?: Uint8Array;
  /** Branched collection only: uint8 [F, H, W, 3], the frame after cfActions[t] from frame t's state (the last row: a copy of the last frame). */
  cfFrames?: Uint8Array;
  /** Branched collection only: float32 [F, 7], the counterfactual action of each frame (the last row is zeros). */
  cfActions?: Float32Array;
  frameCount: number;
}

/** Privileged columns per frame. */
export const PRIVILEGED_DIM = PRIVILEGED_FIELDS.length;

function writePrivileged(sim: TabletopSim, obs: Observation, out: Float32Array, row: number): void {
  const cube = sim.cubePose(0);
  const target = sim.targetPosition();
  const o = row * PRIVILEGED_DIM;
  out.set(cube.position, o);
  out.set(cube.quaternion, o + 3);
  out.set(target, o + 7);
  out[o + 10] = obs.fingerClosedness;
  out[o + 11] = obs.task.success ? 1 : 0;
}

/**
 * Runs one planned episode of `steps` actions on `sim` (whose task must be the plan's task) and
 * records every frame. With `counterfactual`, every step is branched first: the simulator takes
 * the other gripper choice ({@link gripperCounterfactual}), its frame is kept, and the simulator
 * is restored before the real action (the episode itself is the same as without). A simulator
 * created with `wrist` also has its wrist frames recorded (`wristFrames`); the two options do not mix.
 * With a `twin` appearance every frame's state is drawn under it too (`twinFrames`, {@link TabletopSim.renderWith}).
 * @throws RangeError when the simulator runs another task than the plan.
 */
export function recordEpisode(sim: TabletopSim, plan: EpisodePlan, steps: number, counterfactual = false, twin?: Appearance): EpisodeRecord {
  if (sim.task !== plan.task) throw new RangeError(`episode ${plan.index} needs a '${plan.task}' simulator, got '${sim.task}'`);
  const rng = createRng(plan.policySeed);
  let obs = sim.reset(plan.layoutSeed);
  const policy = policyFor(plan, sim, rng);
  const F = steps + 1;
  const pixels = obs.width * obs.height * 3;
  if (counterfactual && obs.wristRgb) throw new RangeError('counterfactual branching does not record wrist frames: collect one or the other');
  const rec: EpisodeRecord = {
    plan,
    frames: new Uint8Array(F * pixels),
    states: new Float32Array(F * STATE_DIM),
    actions: new Float32Array(F * STATE_DIM),
    privileged: new Float32Array(F * PRIVILEGED_DIM),
    ...(counterfactual ? { cfFrames: new Uint8Array(F * pixels), cfActions: new Float32Array(F * STATE_DIM) } : {}),
    ...(obs.wristRgb ? { wristFrames: new Uint8Array(F * pixels) } : {}),
    ...(twin ? { twinFrames: new Uint8Array(F * pixels) } : {}),
    frameCount: F,
  };
  for (let t = 0; t < F; t++) {
    if (obs.rgb.length !== pixels) throw new Error(`frame ${t} of episode ${plan.index} has ${obs.rgb.length} bytes, expected ${pixels}`);
    rec.frames.set(obs.rgb, t * pixels);
    if (rec.wristFrames) rec.wristFrames.set(obs.wristRgb as Uint8Array, t * pixels);
    if (rec.twinFrames && twin) rec.twinFrames.set(sim.renderWith(twin), t * pixels);
    rec.states.set(obs.state, t * STATE_DIM);
    writePrivileged(sim, obs, rec.privileged, t);
    if (t === steps) {
      rec.cfFrames?.set(obs.rgb, t * pixels);
      break;
    }
    const action = policy.act(obs);
    rec.actions.set(action, t * STATE_DIM);
    if (rec.cfFrames && rec.cfActions) {
      const cf = gripperCounterfactual(action, obs.state[GRIPPER_INDEX] as number);
      const snap = sim.snapshot();
      const branch = sim.step(cf);
      rec.cfFrames.set(branch.rgb, t * pixels);
      rec.cfActions.set(cf, t * STATE_DIM);
      sim.restore(snap);
    }
    obs = sim.step(action);
  }
  return rec;
}

/** Id of a task in the episode table. */
export function taskId(task: DatasetTask): number {
  return DATASET_TASKS.indexOf(task);
}

/** Id of a kind in the episode table. */
export function kindId(kind: EpisodeKind): number {
  return EPISODE_KINDS.indexOf(kind);
}
