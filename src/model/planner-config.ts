/**
 * A model's recommended planner settings (the manifest's `planning` block) as the core's
 * {@link PlannerConfig}, with optional overrides from flags or parameters.
 */
import type { ActionSpace } from '../core/action-space.js';
import { type PlannerConfig, PLANNER_DEFAULTS } from '../core/mpc.js';
import type { Manifest } from './manifest.js';

/** Settings a caller may override. */
export interface PlannerOverrides {
  optimizer?: 'cem' | 'mppi';
  samples?: number;
  iterations?: number;
  elites?: number;
  horizon?: number;
  warmStart?: boolean;
  gripperMargin?: number;
  goalGripperWeight?: number;
}

/** The action space the manifest declares (its gripper hysteresis replaced when given). */
export function actionSpaceOf(m: Manifest, gripperMargin?: number): ActionSpace {
  const p = m.planning;
  return { lower: p.lower, upper: p.upper, pinned: p.pinned, gripperIndex: p.gripperIndex, gripperSnap: p.gripperSnap, gripperMargin: gripperMargin ?? p.gripperMargin };
}

/** Planner settings for a model: its manifest's planning block, then the overrides. */
export function plannerConfigFor(m: Manifest, overrides: PlannerOverrides = {}): PlannerConfig {
  const p = m.planning;
  const samples = overrides.samples ?? p.samples;
  const common = {
    space: actionSpaceOf(m, overrides.gripperMargin),
    samples,
    iterations: overrides.iterations ?? p.iterations,
    horizon: overrides.horizon ?? p.horizon,
  };
  return {
    optimizer: overrides.optimizer ?? p.optimizer,
    warmStart: overrides.warmStart ?? PLANNER_DEFAULTS.warmStart,
    goalGripperWeight: overrides.goalGripperWeight ?? p.goalGripperWeight,
    cem: { ...PLANNER_DEFAULTS.cem, ...common, elites: Math.min(overrides.elites ?? p.elites, samples), momentumMean: p.momentumMean, momentumStd: p.momentumStd },
    mppi: { ...PLANNER_DEFAULTS.mppi, ...common, elites: Math.min(overrides.elites ?? PLANNER_DEFAULTS.mppi.elites, samples) },
  };
}
