/**
 * Writes a plot beside its sources: `NAME.png` (rendered here), `NAME.vl.json` (the Vega-Lite
 * spec with its data) and `NAME.html` (a standalone page drawing the spec in a browser).
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { createLogger } from '../../log.js';
import { plotPage } from './html.js';
import { renderPlot } from './render.js';

const log = createLogger('plot');

/** The files of one written plot. */
export interface PlotFiles {
  readonly png: string;
  readonly spec: string;
  readonly html: string;
}

/** The spec's and page's paths beside a `.png` path. @throws Error when the path does not end in .png. */
export function plotFiles(pngPath: string): PlotFiles {
  if (!pngPath.endsWith('.png')) throw new Error(`a plot's path must end in .png, got '${pngPath}'`);
  const stem = pngPath.slice(0, -'.png'.length);
  return { png: pngPath, spec: `${stem}.vl.json`, html: `${stem}.html` };
}

/** Renders `spec` and writes the PNG, the spec JSON and the HTML page; returns their paths. */
export async function writePlot(pngPath: string, spec: TopLevelSpec, title: string): Promise<PlotFiles> {
  const files = plotFiles(pngPath);
  const started = performance.now();
  const plot = await renderPlot(spec);
  await writeFile(files.png, plot.png);
  await writeFile(files.spec, `${JSON.stringify(spec, null, 2)}\n`);
  await writeFile(files.html, plotPage(title, spec, basename(files.png)));
  log.debug({ file: files.png, width: plot.width, height: plot.height, ms: Math.round(performance.now() - started) }, 'plot written');
  return files;
}
