/**
 * `demo` writes its plots through the Vega-Lite path and the episode report: energy and landscape
 * each as PNG + spec + page, and `report.html` linking the GIF, the plots and the summary, with
 * the verdict the summary gives.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main as demoMain } from '../../src/cli/demo.js';
import { decodePng } from '../../src/model/image.js';
import { modelDir } from '../../src/paths.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from '../data/temp-dirs.js';

const tempDir = tempDirs('jepa-mpc-demo-report-');

// Vite resolves gifenc's ESM build, which has no default export; sim/record.ts imports the default
// as Node does (the CommonJS build). Give the ESM build's functions a default here.
vi.mock('gifenc', async () => {
  const m = await vi.importActual<Record<string, unknown>>('gifenc');
  return { ...m, default: m };
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('demo: plots and the episode report', () => {
  it('writes energy and landscape as PNG, Vega-Lite spec and HTML, and report.html with the verdict', async () => {
    const dir = await tempDir();
    const out = captureStdout();
    const args = [
      '--model',
      modelDir('test-tiny'),
      '--task',
      'reach',
      '--subgoals',
      'final',
      '--subgoal-steps',
      '2',
      '--landscape',
      '2',
      '--out',
      dir,
      '--json',
    ];
    expect(await demoMain(args)).toBe(0);
    const summary = JSON.parse(out.lines.at(-1) as string) as { success: boolean; successStep: number | null; steps: number; files: Record<string, string> };
    for (const name of ['energy', 'landscape']) {
      for (const ext of ['png', 'vl.json', 'html']) await access(join(dir, `${name}.${ext}`));
      expect(decodePng(await readFile(join(dir, `${name}.png`))).width).toBeGreaterThan(0);
    }
    const spec = JSON.parse(await readFile(join(dir, 'energy.vl.json'), 'utf8')) as { layer: { data: { values: unknown[] } }[] };
    expect(spec.layer[0]?.data.values).toHaveLength(summary.steps);
    expect(summary.files['report']).toBe(join(dir, 'report.html'));
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const verdict = summary.success ? `SUCCESS at step ${summary.successStep}` : `not solved in ${summary.steps} steps`;
    expect(html).toContain(`id="verdict">${verdict}</p>`);
    for (const file of ['demo.gif', 'energy.png', 'energy.html', 'landscape.png', 'landscape.vl.json', 'summary.json']) expect(html).toContain(`"${file}"`);
  }, 180_000);
});
