/**
 * Vega-Lite specs of the project's plots: a line per step with dashed markers (energy per control
 * step), a heatmap with a marked point (the energy landscape), x–y panels with reference lines
 * (the sweep, the soak, the appearance suite) and a grid of such panels under one title.
 * Specs carry their data inline, so the JSON beside a PNG redraws it anywhere.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { PLOT_FONT } from './render.js';

/** The Vega-Lite schema the specs declare. */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Series colours in order (Tableau 10, Vega's default scheme). */
export const SERIES_COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b'] as const;
/** Reference lines and markers: grey, dashed. */
const REFERENCE = { color: '#888888', strokeDash: [4, 4] } as const;
/** Series longer than this are drawn as lines without a mark per point (a soak has thousands). */
export const MAX_POINT_MARKS = 200;
/** The heatmap's marked point (e.g. the goal). */
const MARK_COLOR = '#e45756';

/** Shared look: the plot font everywhere, a white background, no outline around the plot area. */
export const PLOT_CONFIG: Config = { font: PLOT_FONT, background: 'white', view: { stroke: null }, title: { fontSize: 15 } };

/** A layered chart: stands alone or sits in {@link panels} (which sets the schema and config). */
export type Chart = Extract<TopLevelSpec, { layer: unknown }>;

/** Turns NaN/±Infinity into null (JSON has no NaN; Vega-Lite leaves nulls out of marks). */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** x positions of dashed vertical markers (e.g. subgoal switches). */
  markers?: readonly number[];
  /** Plot area size in px (default 560 x 280). */
  width?: number;
  height?: number;
}

/** One series of values at x = 0, 1, 2, … (NaN leaves a gap), with dashed markers. */
export function lineChart(label: string, values: readonly number[], o: LineChartOptions): TopLevelSpec {
  const data = values.map((v, x) => ({ x, y: finiteOrNull(v), series: label }));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 280,
    config: PLOT_CONFIG,
    layer: [
      {
        data: { values: data },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: o.xLabel, axis: { tickMinStep: 1 } },
          y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top-right' } },
        },
      },
      ...((o.markers ?? []).length
        ? [
            {
              data: { values: (o.markers ?? []).map((x) => ({ x })) },
              mark: { type: 'rule' as const, ...REFERENCE },
              encoding: { x: { field: 'x', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Options of {@link heatmapChart}. */
export interface HeatmapOptions {
  title: string;
  /** A second title line (default none). */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** The colour legend's title. */
  valueLabel: string;
  /** Values of the grid's columns (x) and rows (y), evenly spaced. */
  xs: readonly number[];
  ys: readonly number[];
  /** A point to mark with a cross (e.g. the goal), in grid value units. */
  mark?: readonly [number, number];
  /** Cell size in px (default 28). */
  cell?: number;
}

/** Half the spacing of evenly spaced values (0.5 for a single value). */
function halfStep(v: readonly number[]): number {
  return v.length > 1 ? Math.abs((v[1] as number) - (v[0] as number)) / 2 : 0.5;
}

/** values[row][col] as coloured cells (row 0 at the bottom, y upwards), viridis, NaN cells left out. */
export function heatmapChart(values: readonly (readonly number[])[], o: HeatmapOptions): TopLevelSpec {
  const hx = halfStep(o.xs);
  const hy = halfStep(o.ys);
  const cells = values.flatMap((row, r) =>
    row.map((v, k) => {
      const x = o.xs[k] as number;
      const y = o.ys[r] as number;
      return { x0: x - hx, x1: x + hx, y0: y - hy, y1: y + hy, x, y, value: finiteOrNull(v) };
    }),
  );
  const cell = o.cell ?? 28;
  const axis = { format: '~r' };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: cell * (values[0]?.length ?? 1),
    height: cell * values.length,
    config: PLOT_CONFIG,
    layer: [
      {
        data: { values: cells },
        transform: [{ filter: 'datum.value !== null' }],
        mark: 'rect',
        encoding: {
          x: { field: 'x0', type: 'quantitative', title: o.xLabel, scale: { nice: false, zero: false }, axis },
          x2: { field: 'x1' },
          y: { field: 'y0', type: 'quantitative', title: o.yLabel, scale: { nice: false, zero: false }, axis },
          y2: { field: 'y1' },
          color: { field: 'value', type: 'quantitative', title: o.valueLabel, scale: { scheme: 'viridis' } },
          tooltip: [
            { field: 'x', type: 'quantitative', title: o.xLabel },
            { field: 'y', type: 'quantitative', title: o.yLabel },
            { field: 'value', type: 'quantitative', title: o.valueLabel, format: '.4f' },
          ],
        },
      },
      ...(o.mark
        ? [
            {
              data: { values: [{ x: o.mark[0], y: o.mark[1] }] },
              mark: { type: 'point' as const, shape: 'cross', size: 160, filled: true, opacity: 1, color: MARK_COLOR },
              encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** One series of an x–y chart: points joined in the order given. */
export interface XySeries {
  label: string;
  points: readonly (readonly [number, number])[];
  /** CSS colour (default: {@link SERIES_COLORS} by position). */
  color?: string;
}

/**
 * At most `maxPoints` points: consecutive runs of points reduced to their largest y (spikes such
 * as event-loop lag survive), at the run's first x. Shorter inputs come back unchanged.
 */
export function downsampleMax(points: readonly (readonly [number, number])[], maxPoints: number): (readonly [number, number])[] {
  if (points.length <= maxPoints) return [...points];
  const per = Math.ceil(points.length / maxPoints);
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < points.length; i += per) {
    const run = points.slice(i, i + per);
    out.push([(run[0] as readonly [number, number])[0], Math.max(...run.map(([, y]) => y))]);
  }
  return out;
}

/** Options of {@link xyChart}. */
export interface XyChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis. */
  logX?: boolean;
  /** Fixed y range (default: the data's). */
  yRange?: readonly [number, number];
  /** A horizontal reference line (e.g. a target success rate), dashed. */
  yReference?: number;
  /** A vertical reference line (e.g. a time budget), dashed. */
  xReference?: number;
  /** Plot area size in px (default 480 x 260). */
  width?: number;
  height?: number;
}

/** Series of (x, y) points as lines with points, with optional dashed reference lines; a unit chart for {@link panels}. */
export function xyChart(series: readonly XySeries[], o: XyChartOptions): Chart {
  const data = series.flatMap((s) => s.points.map(([x, y], order) => ({ series: s.label, x: finiteOrNull(x), y: finiteOrNull(y), order })));
  const colors = series.map((s, k) => s.color ?? (SERIES_COLORS[k % SERIES_COLORS.length] as string));
  const point = series.every((s) => s.points.length <= MAX_POINT_MARKS);
  const rule = (channel: 'x' | 'y', value: number) => ({
    data: { values: [{}] }, // one mark: a layer without data draws none
    mark: { type: 'rule' as const, ...REFERENCE, strokeDash: [...REFERENCE.strokeDash] },
    encoding: { [channel]: { datum: value, type: 'quantitative' as const } },
  });
  return {
    title: o.title,
    width: o.width ?? 480,
    height: o.height ?? 260,
    layer: [
      {
        data: { values: data },
        mark: { type: 'line', point, strokeWidth: point ? 2 : 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: o.logX ? { type: 'log' } : { zero: false } },
          y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: o.yRange ? { domain: [...o.yRange] } : { zero: false } },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: series.map((s) => s.label), range: colors },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [
            { field: 'series', type: 'nominal' },
            { field: 'x', type: 'quantitative', title: o.xLabel },
            { field: 'y', type: 'quantitative', title: o.yLabel },
          ],
        },
      },
      ...(o.yReference !== undefined ? [rule('y', o.yReference)] : []),
      ...(o.xReference !== undefined ? [rule('x', o.xReference)] : []),
    ],
  };
}

/** Charts in a grid of `columns` under one title, each keeping its own scales and legend. */
export function panels(title: string, charts: readonly Chart[], columns = charts.length): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, anchor: 'middle', fontSize: 17, offset: 14 },
    config: PLOT_CONFIG,
    columns: Math.max(1, columns),
    concat: [...charts],
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' }, legend: { color: 'independent' } },
  } as TopLevelSpec;
}
