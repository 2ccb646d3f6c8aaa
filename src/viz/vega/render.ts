/**
 * Vega-Lite spec → SVG → PNG, all in Node: `vega-lite` compiles the spec to Vega, a headless
 * `vega` View (renderer 'none') draws the SVG, and `@resvg/resvg-js` rasterises it with DejaVu
 * Sans, a real font shipped by the `dejavu-fonts-ttf` package (so a machine without system
 * fonts, like a fresh CI image, draws the same text).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The font family every plot names; its files come from `dejavu-fonts-ttf`. */
export const PLOT_FONT = 'DejaVu Sans';
/** The TTF files of {@link PLOT_FONT} (regular and bold: titles and axis titles are bold). */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] as const;
/** PNG pixels per SVG pixel: twice the plot's nominal size, crisp on high-density screens. */
export const PLOT_SCALE = 2;

/** Paths of the plot font's TTF files inside node_modules. @throws Error when the package is missing. */
function fontFiles(): string[] {
  const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
  return FONT_FILES.map((f) => join(dirname(pkg), 'ttf', f));
}

let fonts: string[] | null = null;

/** A plot drawn from a spec. */
export interface RenderedPlot {
  readonly svg: string;
  readonly png: Uint8Array;
  /** PNG size in pixels. */
  readonly width: number;
  readonly height: number;
}

/** Compiles a Vega-Lite spec and draws it as SVG with a headless Vega view. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG with the plot font on a white background, at `scale` (default {@link PLOT_SCALE}). */
export function svgToPng(svg: string, scale = PLOT_SCALE): { png: Uint8Array; width: number; height: number } {
  fonts ??= fontFiles();
  const image = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: false, fontFiles: fonts, defaultFontFamily: PLOT_FONT, sansSerifFamily: PLOT_FONT },
  }).render();
  return { png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
}

/** Draws a Vega-Lite spec as SVG and PNG. */
export async function renderPlot(spec: TopLevelSpec, scale = PLOT_SCALE): Promise<RenderedPlot> {
  const svg = await renderSvg(spec);
  return { svg, ...svgToPng(svg, scale) };
}
