/**
 * The appearance suite's picture: one panel per kind of perturbation, success and lift rate
 * against the perturbation's strength, the unperturbed run drawn at the kind's trained strength;
 * with `--compare`, the baseline run's success as a third, dark grey series.
 */
import { Canvas, COLORS, type Rgb } from '../viz/canvas.js';
import { textWidth } from '../viz/font.js';
import { xyPlot, type XySeries } from '../viz/plot.js';
import { NEUTRAL_STRENGTH, type PerturbationKind, type SuiteRow } from './appearance-suite.js';
import type { SuiteBaseline } from './suite-compare.js';

/** Size of one panel (px). */
const PANEL = { width: 400, height: 260 } as const;
/** Panels per row of the picture. */
const COLUMNS = 4;
/** Height of the picture's title strip (px). */
const HEADER = 32;
/** The baseline's series: a dark grey, apart from the light grey of the grid and the dashed neutral line. */
const BASELINE_COLOR: Rgb = [90, 90, 90];

/** Each kind's x axis, in words (the plot's font is ASCII). */
const X_LABELS: Readonly<Record<Exclude<PerturbationKind, 'none'>, string>> = {
  'light-azimuth': 'light turned (deg)',
  'light-elevation': 'light elevation (deg, trained 45)',
  'light-intensity': 'light intensity (x, trained 1)',
  camera: 'camera moved (cm) and turned (deg)',
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
export function suitePlot(rows: readonly SuiteRow[], title: string, baseline?: Pick<SuiteBaseline, 'model' | 'cases'>): Canvas {
  const none = rows.find((r) => r.kind === 'none');
  const kinds = [...new Set(rows.map((r) => r.kind))].filter((k): k is Exclude<PerturbationKind, 'none'> => k !== 'none');
  const panels = kinds.map((kind) => {
    const neutral = NEUTRAL_STRENGTH[kind];
    const points = [...(none ? [{ ...none, strength: neutral }] : []), ...rows.filter((r) => r.kind === kind)].sort((a, b) => a.strength - b.strength);
    return xyPlot(
      [
        { label: 'success', points: points.map((r) => [r.strength, r.successRate] as const) },
        { label: 'lifted', points: points.map((r) => [r.strength, r.lifted / r.episodes] as const) },
        ...(baseline ? [baselineSeries(baseline, points)] : []),
      ],
      { title: kind, xLabel: X_LABELS[kind], yLabel: 'rate', yRange: [0, 1], xReference: neutral, ...PANEL },
    );
  });
  const columns = Math.max(1, Math.min(COLUMNS, panels.length));
  const out = new Canvas(PANEL.width * columns, HEADER + PANEL.height * Math.max(1, Math.ceil(panels.length / COLUMNS)));
  const scale = textWidth(title, 2) + 8 <= out.width ? 2 : 1;
  out.text(Math.max(4, (out.width - textWidth(title, scale)) / 2), 8, title, COLORS.black, scale);
  panels.forEach((p, k) => out.blit(p, (k % COLUMNS) * PANEL.width, HEADER + Math.floor(k / COLUMNS) * PANEL.height));
  return out;
}

/** The baseline's success rate at a panel's points (by case id), in dark grey; points it lacks are left out. */
function baselineSeries(baseline: Pick<SuiteBaseline, 'model' | 'cases'>, points: readonly { readonly id: string; readonly strength: number }[]): XySeries {
  const at = points.flatMap((p) => {
    const c = baseline.cases.get(p.id);
    return c ? [[p.strength, c.successRate] as const] : [];
  });
  return { label: `${baseline.model} success`, points: at, color: BASELINE_COLOR };
}
