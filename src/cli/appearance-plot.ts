/**
 * The appearance suite's picture: one panel per kind of perturbation, success and lift rate
 * against the perturbation's strength, the unperturbed run drawn at the kind's trained strength;
 * with `--compare`, the baseline run's success as a third, dark grey series.
 */
import type { TopLevelSpec } from 'vega-lite';
import { panels, xyChart, type XySeries } from '../viz/vega/charts.js';
import { NEUTRAL_STRENGTH, type PerturbationKind, type SuiteRow } from './appearance-suite.js';
import type { SuiteBaseline } from './suite-compare.js';

/** Plot area of one panel (px). */
const PANEL = { width: 300, height: 180 } as const;
/** Panels per row of the picture. */
const COLUMNS = 4;
/** The baseline's series: a dark grey, apart from the light grey of the grid and the dashed neutral line. */
export const BASELINE_COLOR = '#5a5a5a';

/** Each kind's x axis, in words. */
const X_LABELS: Readonly<Record<Exclude<PerturbationKind, 'none'>, string>> = {
  'light-azimuth': 'light turned (°)',
  'light-elevation': 'light elevation (°, trained 45)',
  'light-intensity': 'light intensity (×, trained 1)',
  camera: 'camera moved (cm) and turned (°)',
  'cube-colour': 'cube: 0 red (trained), 1 orange, 2 white',
  'table-colour': 'table: 0 wood (trained), 1 grey, 2 blue',
  distractors: 'distractor cubes',
  shadows: 'shadows: 0 on (trained), 1 off',
};

/**
 * Draws the suite's rows: a panel per perturbed kind present (in the rows' order), x = strength,
 * y = success rate and lifted rate; the 'none' row, when present, at each kind's neutral strength.
 * A baseline adds its success rate, labelled `<model> success`, at the same points (the cases it has).
 * @param title the picture's title (e.g. the model and the episodes per case).
 */
export function suitePlot(rows: readonly SuiteRow[], title: string, baseline?: Pick<SuiteBaseline, 'model' | 'cases'>): TopLevelSpec {
  const none = rows.find((r) => r.kind === 'none');
  const kinds = [...new Set(rows.map((r) => r.kind))].filter((k): k is Exclude<PerturbationKind, 'none'> => k !== 'none');
  const charts = kinds.map((kind) => {
    const neutral = NEUTRAL_STRENGTH[kind];
    const points = [...(none ? [{ ...none, strength: neutral }] : []), ...rows.filter((r) => r.kind === kind)].sort((a, b) => a.strength - b.strength);
    return xyChart(
      [
        { label: 'success', points: points.map((r) => [r.strength, r.successRate] as const) },
        { label: 'lifted', points: points.map((r) => [r.strength, r.lifted / r.episodes] as const) },
        ...(baseline ? [baselineSeries(baseline, points)] : []),
      ],
      { title: kind, xLabel: X_LABELS[kind], yLabel: 'rate', yRange: [0, 1], xReference: neutral, ...PANEL },
    );
  });
  return panels(title, charts, Math.min(COLUMNS, charts.length));
}

/** The baseline's success rate at a panel's points (by case id), in dark grey; points it lacks are left out. */
function baselineSeries(baseline: Pick<SuiteBaseline, 'model' | 'cases'>, points: readonly { readonly id: string; readonly strength: number }[]): XySeries {
  const at = points.flatMap((p) => {
    const c = baseline.cases.get(p.id);
    return c ? [[p.strength, c.successRate] as const] : [];
  });
  return { label: `${baseline.model} success`, points: at, color: BASELINE_COLOR };
}
