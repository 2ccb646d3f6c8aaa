/**
 * The episode report in a real browser: Debian's headless Chromium opens a report written with
 * real plots and a GIF, and its screenshot shows the plots (the energy line's blue and the
 * landscape's viridis cells), not a blank page. Skipped, with the reason in its name, where
 * `chromium` is not on PATH (CI installs no browser).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { encodeGif } from '../../sim/record.js';
import { decodePng } from '../../src/model/image.js';
import { SERIES_COLORS } from '../../src/viz/vega/charts.js';
import { energySpec, landscapeSpec } from '../../src/viz/vega/episode.js';
import { episodeReportHtml } from '../../src/viz/vega/report.js';
import { writePlot } from '../../src/viz/vega/write.js';

/** The browser's path, or null where none is installed. */
function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const CHROMIUM = findChromium();

// Vite resolves gifenc's ESM build, which has no default export; sim/record.ts imports the default
// as Node does (the CommonJS build). Give the ESM build's functions a default here.
vi.mock('gifenc', async () => {
  const m = await vi.importActual<Record<string, unknown>>('gifenc');
  return { ...m, default: m };
});
/** The screenshot's size (px); tall enough for the verdict, the GIF and the energy plot. */
const WINDOW = { width: 1000, height: 1600 } as const;
/** How close (per channel) a screenshot pixel must be to a plot colour to count as one. */
const TOLERANCE = 12;

/** Pixels within {@link TOLERANCE} of a '#rrggbb' colour. */
function countNear(img: { data: Uint8Array }, hex: string): number {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < img.data.length; i += 3) if (rgb.every((c, k) => Math.abs((img.data[i + k] as number) - c) <= TOLERANCE)) n++;
  return n;
}

describe('the episode report in headless Chromium', () => {
  it.skipIf(CHROMIUM === null)(
    `shows the plots, not a blank page${CHROMIUM === null ? ' (skipped: no chromium on PATH; apt-get install chromium to run it)' : ''}`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'report-'));
      const energies = Array.from({ length: 30 }, (_, i) => 0.5 * Math.exp(-i / 8));
      const offsets = [-0.1, -0.05, 0, 0.05, 0.1];
      const plots = [
        { title: 'energy', files: await writePlot(join(dir, 'energy.png'), energySpec(energies, [10], 'energy per step'), 'energy') },
        {
          title: 'landscape',
          files: await writePlot(
            join(dir, 'landscape.png'),
            landscapeSpec({ energies: offsets.map((y) => offsets.map((x) => Math.hypot(x, y))), xs: offsets, ys: offsets, spearman: 1 }),
            'landscape',
          ),
        },
      ];
      const frame = new Uint8Array(64 * 32 * 3).fill(200);
      await writeFile(join(dir, 'demo.gif'), encodeGif({ frames: [frame, frame], width: 64, height: 32 }, 300));
      const report = join(dir, 'report.html');
      await writeFile(
        report,
        episodeReportHtml({
          title: 'reach seed 0',
          verdict: 'SUCCESS at step 9',
          success: true,
          figures: [['steps', '9']],
          gif: join(dir, 'demo.gif'),
          plots,
          links: {},
        }),
      );
      const shot = join(dir, 'shot.png');
      const r = spawnSync(
        CHROMIUM as string,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--hide-scrollbars',
          `--window-size=${WINDOW.width},${WINDOW.height}`,
          `--screenshot=${shot}`,
          pathToFileURL(report).href,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const img = decodePng(await readFile(shot));
      expect([img.width, img.height]).toEqual([WINDOW.width, WINDOW.height]);
      // The energy line (the first series colour) and the landscape's darkest cell are on screen.
      expect(countNear(img, SERIES_COLORS[0])).toBeGreaterThan(300);
      expect(countNear(img, '#440154')).toBeGreaterThan(100);
    },
    120_000,
  );
});
