/**
 * The ONE definition of the planner's settings and how they resolve. Every setting is described
 * once here (type, range, what "unset" is, description); the ROS node's parameters
 * (src/node/parameters.ts) and the CLI flags (`--samples`, `--goal-gripper-weight`, …) are
 * generated from it, and {@link resolvePlannerConfig} turns a model's manifest plus the explicit
 * overrides into the planner's configuration. Unset means the model's value, for every setting:
 * the node, `demo`, `eval`, `plan` and the through-node loop all plan with what the model's
 * manifest says it was trained and measured with unless a user says otherwise.
 */
import { ACTION_LAYOUT, type ActionSpace } from '../core/action-space.js';
import { OPTIMIZER_NAMES, PLANNER_DEFAULTS, type OptimizerName, type PlannerConfig } from '../core/mpc.js';
import type { Manifest } from './manifest.js';

/** Kinds of setting value (ROS parameter types). */
export type ParamType = 'string' | 'double' | 'integer' | 'bool' | 'double_array';

/** A setting's (or ROS parameter's) specification. */
export interface ParamSpec {
  readonly type: ParamType;
  readonly default: string | number | boolean | readonly number[];
  readonly description: string;
  /** Unit shown in the description (SI). */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values of a string parameter. */
  readonly choices?: readonly string[];
  /** Fixed length of a double_array. */
  readonly length?: number;
  /** Set at start-up only (a live change is refused). */
  readonly readOnly?: boolean;
}

/** The value a planner setting holds while it is unset (= the model's value), by type. */
export const UNSET = { integer: 0, double: -1, string: '' } as const;

/** How each kind of setting says "the model's value" in its description. */
const MODEL_INT = "; 0 = the model's value (its manifest's planning block)";
const MODEL_DOUBLE = "; -1 = the model's value (its manifest's planning block)";
const MODEL_STRING = "; empty = the model's value (its manifest's planning block)";

/**
 * Every planner setting, keyed by its ROS parameter name; the CLI flag is the same name with
 * dashes (`goal_gripper_weight` → `--goal-gripper-weight`). Defaults are {@link UNSET}.
 */
export const PLANNER_SETTINGS = {
  optimizer: {
    type: 'string',
    default: UNSET.string,
    choices: [UNSET.string, ...OPTIMIZER_NAMES],
    description: `Planner optimiser: ${OPTIMIZER_NAMES.join(', ')} (iCEM: coloured noise, elites kept, shrinking population)${MODEL_STRING}`,
  },
  samples: { type: 'integer', default: UNSET.integer, min: 0, max: 100000, description: `Candidate action sequences per iteration${MODEL_INT}` },
  iterations: { type: 'integer', default: UNSET.integer, min: 0, max: 1000, description: `Optimiser iterations per action${MODEL_INT}` },
  elites: { type: 'integer', default: UNSET.integer, min: 0, max: 100000, description: `Elites kept per iteration (<= samples)${MODEL_INT}` },
  horizon: {
    type: 'integer',
    default: UNSET.integer,
    min: 0,
    max: 64,
    description: `Actions per candidate sequence (the model needs a rollout graph for it)${MODEL_INT}`,
  },
  warm_start: {
    type: 'string',
    default: UNSET.string,
    choices: [UNSET.string, 'on', 'off'],
    description: `Start each plan from the previous plan shifted by one step: on or off${MODEL_STRING}`,
  },
  max_step_xyz: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 0.2,
    unit: 'm',
    description: `Largest |delta| per axis per step: the planner's bound and the safety clamp${MODEL_DOUBLE}`,
  },
  max_step_rotation: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 0.5,
    unit: 'rad',
    description: `Largest |delta| per rotation axis per step (0 = rotations pinned, as in the paper)${MODEL_DOUBLE}`,
  },
  max_step_gripper: { type: 'double', default: UNSET.double, min: -1, max: 1, description: `Largest |delta| of gripper closedness per step${MODEL_DOUBLE}` },
  gripper_snap: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 1,
    description: `Planned gripper deltas with smaller magnitude are snapped to 0${MODEL_DOUBLE}`,
  },
  gripper_margin: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 0.99,
    description: `Gripper hysteresis: a planned gripper change must lower the energy by this fraction against holding (0 disables)${MODEL_DOUBLE}`,
  },
  goal_gripper_weight: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 10,
    description: `Weight of the goal-gripper term (the model's goal readout of each goal image vs the planned closedness; 0 = off)${MODEL_DOUBLE}`,
  },
  gripper_after_arm: {
    type: 'double',
    default: UNSET.double,
    min: -1,
    max: 0.2,
    unit: 'm',
    description: `With the goal-gripper term: closing the fingers for a goal that reads closed waits until the planned arm step is shorter than this (0 = off: at once; opening never waits)${MODEL_DOUBLE}`,
  },
} as const satisfies Record<string, ParamSpec>;

/** A planner setting's name. */
export type PlannerSettingName = keyof typeof PLANNER_SETTINGS;

/** Values of the planner settings (unset ones hold {@link UNSET}). */
export interface PlannerSettings {
  optimizer: '' | OptimizerName;
  samples: number;
  iterations: number;
  elites: number;
  horizon: number;
  warm_start: '' | 'on' | 'off';
  max_step_xyz: number;
  max_step_rotation: number;
  max_step_gripper: number;
  gripper_snap: number;
  gripper_margin: number;
  goal_gripper_weight: number;
  gripper_after_arm: number;
}

/** All settings unset: the model's planner. */
export function unsetPlannerSettings(): PlannerSettings {
  return Object.fromEntries(Object.entries(PLANNER_SETTINGS).map(([k, s]) => [k, s.default])) as unknown as PlannerSettings;
}

/** Whether a setting's value means "the model's". */
export function isUnset(name: PlannerSettingName, value: unknown): boolean {
  const spec: ParamSpec = PLANNER_SETTINGS[name];
  return value === undefined || value === (spec.type === 'integer' ? UNSET.integer : spec.type === 'double' ? UNSET.double : UNSET.string);
}

/** The CLI flag of a setting: `goal_gripper_weight` → `goal-gripper-weight`. */
export function flagName(name: PlannerSettingName): string {
  return name.replaceAll('_', '-');
}

/** A planner configuration that cannot be run with a model (bad cross-setting combination). */
export class PlannerSettingsError extends Error {
  override readonly name = 'PlannerSettingsError';
}

/** Indices of the translation and rotation components in the 7-D action (the contract's layout). */
const { xyz: XYZ, rpy: RPY } = ACTION_LAYOUT;

/**
 * The planner configuration for a model: every unset setting takes the manifest's value.
 * @throws PlannerSettingsError when the result cannot run on the model (no rollout graph for the
 *   horizon, a goal-gripper term without a goal readout, more elites than samples).
 */
export function resolvePlannerConfig(m: Manifest, settings: Partial<PlannerSettings> = {}): PlannerConfig {
  const s = { ...unsetPlannerSettings(), ...settings };
  const p = m.planning;
  const pick = <K extends PlannerSettingName>(name: K, modelValue: number): number => (isUnset(name, s[name]) ? modelValue : (s[name] as number));
  const samples = pick('samples', p.samples);
  const iterations = pick('iterations', p.iterations);
  const horizon = pick('horizon', p.horizon);
  const optimizer = s.optimizer === UNSET.string ? p.optimizer : s.optimizer;
  const goalGripperWeight = pick('goal_gripper_weight', p.goalGripperWeight);
  if (!m.rollout.some((r) => r.horizon === horizon)) {
    throw new PlannerSettingsError(`horizon ${horizon}: model '${m.name}' has rollout graphs for ${m.rollout.map((r) => r.horizon).join(', ')} only`);
  }
  if (goalGripperWeight > 0 && !m.goalReadout) {
    throw new PlannerSettingsError(
      `goal_gripper_weight ${goalGripperWeight}: model '${m.name}' has no goal readout (manifest goalReadout) to read the goal's gripper from`,
    );
  }
  const explicitElites = !isUnset('elites', s.elites);
  if (explicitElites && s.elites > samples) throw new PlannerSettingsError(`elites (${s.elites}) must not exceed samples (${samples})`);
  // The manifest's elites belong to its optimiser's family (CEM and iCEM share them); the other
  // family starts from its own default.
  const family = (o: OptimizerName) => (o === 'mppi' ? 'mppi' : 'cem');
  const elitesFor = (o: OptimizerName): number =>
    Math.min(explicitElites ? s.elites : family(o) === family(p.optimizer) ? p.elites : PLANNER_DEFAULTS[o].elites, samples);
  const space = resolveActionSpace(m, s);
  const common = { space, samples, iterations, horizon };
  return {
    optimizer,
    warmStart: s.warm_start === UNSET.string ? p.warmStart : s.warm_start === 'on',
    goalGripperWeight,
    gripperAfterArm: pick('gripper_after_arm', p.gripperAfterArm),
    cem: { ...PLANNER_DEFAULTS.cem, ...common, elites: elitesFor('cem'), momentumMean: p.momentumMean, momentumStd: p.momentumStd },
    icem: { ...PLANNER_DEFAULTS.icem, ...common, elites: elitesFor('icem'), momentumMean: p.momentumMean, momentumStd: p.momentumStd },
    mppi: { ...PLANNER_DEFAULTS.mppi, ...common, elites: elitesFor('mppi') },
  };
}

/**
 * The action space the planner searches: the manifest's bounds, each group replaced by a set
 * max_step_* (symmetric), rotations pinned when their bound is 0.
 */
export function resolveActionSpace(m: Manifest, settings: Partial<PlannerSettings> = {}): ActionSpace {
  const s = { ...unsetPlannerSettings(), ...settings };
  const p = m.planning;
  const lower = [...p.lower];
  const upper = [...p.upper];
  const bound = (indices: readonly number[], value: number) => {
    for (const i of indices) {
      if (i < lower.length) {
        lower[i] = -value;
        upper[i] = value;
      }
    }
  };
  if (!isUnset('max_step_xyz', s.max_step_xyz)) bound(XYZ, s.max_step_xyz);
  let pinned = [...p.pinned];
  if (!isUnset('max_step_rotation', s.max_step_rotation)) {
    bound(RPY, s.max_step_rotation);
    pinned = s.max_step_rotation === 0 ? [...new Set([...pinned, ...RPY])].sort() : pinned.filter((d) => !(RPY as readonly number[]).includes(d));
  }
  if (p.gripperIndex !== null && !isUnset('max_step_gripper', s.max_step_gripper)) bound([p.gripperIndex], s.max_step_gripper);
  return {
    lower,
    upper,
    pinned,
    gripperIndex: p.gripperIndex,
    gripperSnap: isUnset('gripper_snap', s.gripper_snap) ? p.gripperSnap : s.gripper_snap,
    gripperMargin: isUnset('gripper_margin', s.gripper_margin) ? p.gripperMargin : s.gripper_margin,
  };
}
