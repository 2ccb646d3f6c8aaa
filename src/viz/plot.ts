/**
 * Plots as PNG: a line plot (e.g. energy per control step, with subgoal switches marked) and a
 * heatmap (e.g. the energy landscape over end-effector offsets). Axes carry numeric ticks.
 */
import { Canvas, COLORS, type Rgb } from './canvas.js';
import { GLYPH_HEIGHT, textWidth } from './font.js';

/** One series of a line plot. */
export interface Series {
  label: string;
  /** y values at x = 0, 1, 2, … (NaN leaves a gap). */
  values: readonly number[];
  color?: Rgb;
}

/** Options of {@link linePlot}. */
export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** x positions of vertical markers (e.g. subgoal switches). */
  markers?: readonly number[];
  width?: number;
  height?: number;
}

const MARGIN = { left: 58, right: 16, top: 42, bottom: 38 };
const SERIES_COLORS: readonly Rgb[] = [COLORS.blue, COLORS.orange, COLORS.green, COLORS.red];
const TICKS = 5;

/** Formats a tick value compactly (3 significant digits). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function finiteRange(values: readonly number[], padFraction = 0.05): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * padFraction;
  return [lo - pad, hi + pad];
}

/** Draws what every plot has: the title, y gridlines with tick labels, the axes and the axis labels. */
function drawFrame(c: Canvas, o: { title: string; xLabel: string; yLabel: string }, yLo: number, yHi: number, py: (y: number) => number): void {
  const plotW = c.width - MARGIN.left - MARGIN.right;
  const plotH = c.height - MARGIN.top - MARGIN.bottom;
  c.text((c.width - textWidth(o.title, 2)) / 2, 6, o.title, COLORS.black, 2);
  for (let t = 0; t <= TICKS; t++) {
    const y = yLo + ((yHi - yLo) * t) / TICKS;
    c.line(MARGIN.left, py(y), MARGIN.left + plotW, py(y), COLORS.light);
    const label = formatTick(y);
    c.text(MARGIN.left - 4 - textWidth(label), py(y) - 3, label, COLORS.grey);
  }
  c.line(MARGIN.left, MARGIN.top, MARGIN.left, MARGIN.top + plotH, COLORS.black);
  c.line(MARGIN.left, MARGIN.top + plotH, MARGIN.left + plotW, MARGIN.top + plotH, COLORS.black);
  c.text(MARGIN.left + (plotW - textWidth(o.xLabel)) / 2, c.height - GLYPH_HEIGHT - 6, o.xLabel);
  c.text(4, MARGIN.top - 14, o.yLabel);
}

/** One legend entry at (x, y): a colour bar and the label. */
function legendEntry(c: Canvas, x: number, y: number, label: string, color: Rgb): void {
  c.fillRect(x, y + 2, 10, 3, color);
  c.text(x + 14, y, label);
}

/** A blank canvas of the plot's size (default 640 x 360) and the size of its plotting area. */
function plotCanvas(o: { width?: number; height?: number }): { c: Canvas; plotW: number; plotH: number } {
  const c = new Canvas(o.width ?? 640, o.height ?? 360);
  return { c, plotW: c.width - MARGIN.left - MARGIN.right, plotH: c.height - MARGIN.top - MARGIN.bottom };
}

/** Draws a line plot and returns its canvas. */
export function linePlot(series: readonly Series[], o: LinePlotOptions): Canvas {
  const { c, plotW, plotH } = plotCanvas(o);
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const [yLo, yHi] = finiteRange(series.flatMap((s) => s.values));
  const px = (x: number) => MARGIN.left + (x / (n - 1)) * plotW;
  const py = (y: number) => MARGIN.top + (1 - (y - yLo) / (yHi - yLo)) * plotH;

  drawFrame(c, o, yLo, yHi, py);
  for (let t = 0; t <= TICKS; t++) {
    const x = Math.round(((n - 1) * t) / TICKS);
    c.text(px(x) - textWidth(String(x)) / 2, MARGIN.top + plotH + 5, String(x), COLORS.grey);
  }
  for (const m of o.markers ?? []) {
    for (let y = MARGIN.top; y < MARGIN.top + plotH; y += 4) c.line(px(m), y, px(m), y + 1, COLORS.grey);
  }

  series.forEach((s, k) => {
    const color = s.color ?? (SERIES_COLORS[k % SERIES_COLORS.length] as Rgb);
    for (let i = 1; i < s.values.length; i++) {
      const a = s.values[i - 1] as number;
      const b = s.values[i] as number;
      if (Number.isFinite(a) && Number.isFinite(b)) c.line(px(i - 1), py(a), px(i), py(b), color, 2);
    }
    s.values.forEach((v, i) => Number.isFinite(v) && c.fillRect(px(i) - 2, py(v) - 2, 5, 5, color));
    legendEntry(c, MARGIN.left + plotW - 150, MARGIN.top + 6 + k * 12, s.label, color);
  });
  return c;
}

/** One series of an x–y plot: points joined in the order given. */
export interface XySeries {
  label: string;
  points: readonly (readonly [number, number])[];
  color?: Rgb;
}

/** Options of {@link xyPlot}. */
export interface XyPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (ticks at powers of ten and their halves). */
  logX?: boolean;
  /** Fixed y range (default: the data's, padded). */
  yRange?: readonly [number, number];
  /** A horizontal reference line (e.g. a target success rate), dashed. */
  yReference?: number;
  /** A vertical reference line (e.g. a time budget), dashed. */
  xReference?: number;
  width?: number;
  height?: number;
}

/** Draws series of (x, y) points, x optionally on a log scale, and returns the canvas. */
export function xyPlot(series: readonly XySeries[], o: XyPlotOptions): Canvas {
  const { c, plotW, plotH } = plotCanvas(o);
  const fx = (x: number) => (o.logX ? Math.log10(x) : x);
  const xs = series.flatMap((s) => s.points.map(([x]) => fx(x))).concat(o.xReference !== undefined ? [fx(o.xReference)] : []);
  const [xLo, xHi] = finiteRange(xs);
  const [yLo, yHi] = o.yRange ?? finiteRange(series.flatMap((s) => s.points.map(([, y]) => y)));
  const px = (x: number) => MARGIN.left + ((fx(x) - xLo) / (xHi - xLo)) * plotW;
  const py = (y: number) => MARGIN.top + (1 - (y - yLo) / (yHi - yLo)) * plotH;
  const inX = (x: number) => fx(x) >= xLo && fx(x) <= xHi;

  drawFrame(c, o, yLo, yHi, py);
  const xTicks = o.logX
    ? Array.from({ length: Math.ceil(xHi) - Math.floor(xLo) + 1 }, (_, k) => Math.floor(xLo) + k)
        .flatMap((e) => [10 ** e, 2 * 10 ** e, 5 * 10 ** e])
        .filter(inX)
    : Array.from({ length: TICKS + 1 }, (_, t) => xLo + ((xHi - xLo) * t) / TICKS);
  for (const x of xTicks) {
    c.line(px(x), MARGIN.top, px(x), MARGIN.top + plotH, COLORS.light);
    const label = formatTick(x);
    c.text(px(x) - textWidth(label) / 2, MARGIN.top + plotH + 5, label, COLORS.grey);
  }
  const dashed = (x0: number, y0: number, x1: number, y1: number) => {
    const steps = Math.max(1, Math.round(Math.hypot(x1 - x0, y1 - y0) / 4));
    for (let k = 0; k < steps; k += 2)
      c.line(x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps, x0 + ((x1 - x0) * (k + 1)) / steps, y0 + ((y1 - y0) * (k + 1)) / steps, COLORS.grey);
  };
  if (o.yReference !== undefined) dashed(MARGIN.left, py(o.yReference), MARGIN.left + plotW, py(o.yReference));
  if (o.xReference !== undefined) dashed(px(o.xReference), MARGIN.top, px(o.xReference), MARGIN.top + plotH);

  series.forEach((s, k) => {
    const color = s.color ?? (SERIES_COLORS[k % SERIES_COLORS.length] as Rgb);
    for (let i = 1; i < s.points.length; i++) {
      const [ax, ay] = s.points[i - 1] as readonly [number, number];
      const [bx, by] = s.points[i] as readonly [number, number];
      c.line(px(ax), py(ay), px(bx), py(by), color, 2);
    }
    for (const [x, y] of s.points) c.fillRect(px(x) - 3, py(y) - 3, 7, 7, color);
    legendEntry(c, MARGIN.left + plotW - 150, MARGIN.top + plotH - 12 - (series.length - 1 - k) * 12, s.label, color);
  });
  return c;
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Values of the grid's columns (x) and rows (y), for tick labels. */
  xs: readonly number[];
  ys: readonly number[];
  /** A point to mark (e.g. the goal), in grid value units. */
  mark?: readonly [number, number];
  cell?: number;
}

/** A perceptually ordered blue → yellow colour map (viridis-like) at t ∈ [0, 1]. */
export function colormap(t: number): Rgb {
  const stops: readonly Rgb[] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as Rgb;
  const b = stops[i + 1] as Rgb;
  return [0, 1, 2].map((k) => Math.round((a[k] as number) + ((b[k] as number) - (a[k] as number)) * f)) as unknown as Rgb;
}

/** Draws values[row][col] (row 0 at the bottom, y increasing upwards) with a colour bar. */
export function heatmap(values: readonly (readonly number[])[], o: HeatmapOptions): Canvas {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  const cell = o.cell ?? 28;
  const width = MARGIN.left + cols * cell + 90;
  const height = MARGIN.top + rows * cell + MARGIN.bottom;
  const c = new Canvas(width, height);
  const [lo, hi] = finiteRange(values.flat(), 0);
  c.text(Math.max(4, (width - textWidth(o.title, 2)) / 2), 6, o.title, COLORS.black, 2);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const v = values[r]?.[k] ?? NaN;
      c.fillRect(MARGIN.left + k * cell, MARGIN.top + (rows - 1 - r) * cell, cell, cell, Number.isFinite(v) ? colormap((v - lo) / (hi - lo)) : COLORS.light);
    }
  }
  const tickEvery = Math.max(1, Math.ceil(cols / 5));
  o.xs.forEach((x, k) => {
    if (k % tickEvery) return;
    const label = formatTick(x);
    c.text(MARGIN.left + k * cell + cell / 2 - textWidth(label) / 2, MARGIN.top + rows * cell + 5, label, COLORS.grey);
  });
  o.ys.forEach((y, r) => {
    if (r % tickEvery) return;
    const label = formatTick(y);
    c.text(MARGIN.left - 4 - textWidth(label), MARGIN.top + (rows - 1 - r) * cell + cell / 2 - 3, label, COLORS.grey);
  });
  if (o.mark && cols > 1 && rows > 1) {
    const [mx, my] = o.mark;
    const x0 = o.xs[0] as number;
    const y0 = o.ys[0] as number;
    const fx = (mx - x0) / ((o.xs[cols - 1] as number) - x0);
    const fy = (my - y0) / ((o.ys[rows - 1] as number) - y0);
    const cx = MARGIN.left + cell / 2 + fx * (cols - 1) * cell;
    const cy = MARGIN.top + cell / 2 + (1 - fy) * (rows - 1) * cell;
    c.line(cx - 6, cy, cx + 6, cy, COLORS.red, 2);
    c.line(cx, cy - 6, cx, cy + 6, COLORS.red, 2);
  }
  c.text(MARGIN.left + (cols * cell - textWidth(o.xLabel)) / 2, height - GLYPH_HEIGHT - 6, o.xLabel);
  c.text(4, MARGIN.top - 14, o.yLabel);
  // Colour bar.
  const bx = MARGIN.left + cols * cell + 14;
  const bh = rows * cell;
  for (let y = 0; y < bh; y++) c.fillRect(bx, MARGIN.top + y, 14, 1, colormap(1 - y / (bh - 1)));
  c.text(bx + 18, MARGIN.top, formatTick(hi), COLORS.grey);
  c.text(bx + 18, MARGIN.top + bh - GLYPH_HEIGHT, formatTick(lo), COLORS.grey);
  return c;
}
