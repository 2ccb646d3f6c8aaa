/**
 * The demo episode's plots as Vega-Lite specs: the energy per control step (subgoal switches
 * dashed) and the energy landscape around a goal (the goal marked).
 */
import type { TopLevelSpec } from 'vega-lite';
import { heatmapChart, lineChart } from './charts.js';

/** The energy's default axis title. */
const ENERGY_LABEL = 'energy (mean |z − z_goal|)';

/**
 * Energy per control step.
 * @param energies energy of each plan [steps]
 * @param switches steps at which the next subgoal became active (drawn dashed at step − 1)
 */
export function energySpec(energies: readonly number[], switches: readonly number[], title: string, yLabel = ENERGY_LABEL): TopLevelSpec {
  return lineChart('energy to goal', energies, {
    title,
    xLabel: 'control step',
    yLabel,
    markers: switches.map((s) => s - 1),
  });
}

/** What {@link landscapeSpec} draws: energies[row][col] over tool offsets, row 0 at the lowest dy. */
export interface LandscapeData {
  readonly energies: readonly (readonly number[])[];
  /** Column offsets dx and row offsets dy from the goal (m). */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  /** Spearman rank correlation of energy with distance. */
  readonly spearman: number;
}

/** The energy landscape around goal 1: a heatmap over the tool's offsets, the goal marked. */
export function landscapeSpec(land: LandscapeData): TopLevelSpec {
  return heatmapChart(land.energies, {
    title: 'energy to goal 1',
    subtitle: `rank correlation with distance ${land.spearman.toFixed(2)}`,
    xLabel: 'dx from goal (m)',
    yLabel: 'dy from goal (m)',
    valueLabel: 'energy',
    xs: land.xs,
    ys: land.ys,
    mark: [0, 0],
  });
}
