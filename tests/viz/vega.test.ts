/**
 * The Vega-Lite plot path: specs carry their data (NaN as null), render to SVG with real text in
 * the plot font and to PNG at twice the size with that text drawn, the three files are written
 * beside each other, the HTML pages load the versions the project renders with and escape what
 * they embed, and the episode report links the files relatively.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../src/model/image.js';
import { downsampleMax, heatmapChart, lineChart, panels, xyChart } from '../../src/viz/vega/charts.js';
import { EMBED_VERSIONS, escapeHtml, plotPage, scriptJson } from '../../src/viz/vega/html.js';
import { episodeReportHtml } from '../../src/viz/vega/report.js';
import { PLOT_FONT, PLOT_SCALE, renderPlot, svgToPng } from '../../src/viz/vega/render.js';
import { plotFiles, writePlot } from '../../src/viz/vega/write.js';

/** Pixels darker than mid grey in a decoded RGB image. */
function darkPixels(img: { data: Uint8Array }): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 3) if ((img.data[i] as number) + (img.data[i + 1] as number) + (img.data[i + 2] as number) < 3 * 128) n++;
  return n;
}

describe('Vega-Lite plots', () => {
  it('draws a line chart as SVG with real text in the plot font and as a PNG at twice its size', async () => {
    const spec = lineChart('energy to goal', [1, 0.5, NaN, 0.2], { title: 'Energy per step', xLabel: 'control step', yLabel: 'energy', markers: [1] });
    const plot = await renderPlot(spec);
    expect(plot.svg).toContain('Energy per step');
    expect(plot.svg).toContain('control step');
    expect(plot.svg).toContain(PLOT_FONT);
    const svgWidth = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(plot.svg)?.[1]);
    expect(plot.width).toBe(Math.round(svgWidth * PLOT_SCALE));
    const img = decodePng(plot.png);
    expect([img.width, img.height]).toEqual([plot.width, plot.height]);
    // The NaN point is left out of the data, not drawn at 0.
    expect(JSON.stringify(spec)).toContain('"y":null');
  });

  it('rasterises text with the shipped font (no system fonts are loaded)', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="30" font-family="${PLOT_FONT}" font-size="28">Energy</text></svg>`;
    const blank = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"></svg>`;
    expect(darkPixels(decodePng(svgToPng(svg, 1).png))).toBeGreaterThan(200);
    expect(darkPixels(decodePng(svgToPng(blank, 1).png))).toBe(0);
  });

  it('draws a heatmap in viridis with cells around each grid value and NaN cells left out', async () => {
    const xs = [-1, 0, 1];
    const spec = heatmapChart(
      [
        [0, 1, 2],
        [3, NaN, 5],
      ],
      { title: 'H', xLabel: 'x', yLabel: 'y', valueLabel: 'v', xs, ys: [0, 1], mark: [0, 0] },
    );
    const cells = (spec as { layer: { data: { values: { x0: number; x1: number; value: number | null }[] } }[] }).layer[0]?.data.values ?? [];
    expect(cells).toHaveLength(6);
    expect(cells[0]).toMatchObject({ x0: -1.5, x1: -0.5, value: 0 });
    expect(cells[4]?.value).toBeNull();
    const { svg } = await renderPlot(spec);
    expect(svg).toMatch(/fill="(#440154|rgb\(68, ?1, ?84\))"/i); // viridis' low end
  });

  it('lays out x–y panels in columns with dashed references and keeps a given series colour', async () => {
    const chart = xyChart(
      [
        {
          label: 'a',
          points: [
            [1, 0.2],
            [10, 0.8],
          ],
        },
        { label: 'b', points: [[1, 0.5]], color: '#5a5a5a' },
      ],
      { title: 'P', xLabel: 'x', yLabel: 'y', logX: true, yRange: [0, 1], yReference: 0.85, xReference: 5 },
    );
    const spec = panels('T', [chart, chart, chart], 2);
    expect(spec).toMatchObject({ columns: 2, title: { text: 'T' } });
    const { svg, png } = await renderPlot(spec);
    expect(svg).toContain('#5a5a5a');
    expect(svg).toContain('stroke-dasharray="4,4"');
    const img = decodePng(png);
    const grey = Array.from({ length: img.width * img.height }, (_, i) => i).filter(
      (i) => img.data[3 * i] === 90 && img.data[3 * i + 1] === 90 && img.data[3 * i + 2] === 90,
    );
    expect(grey.length).toBeGreaterThan(30);
  });

  it.each([
    [[], 3, []],
    [
      [
        [0, 1],
        [1, 2],
      ],
      3,
      [
        [0, 1],
        [1, 2],
      ],
    ],
    [
      [
        [0, 1],
        [1, 5],
        [2, 2],
        [3, 0],
        [4, 3],
      ],
      2,
      [
        [0, 5],
        [3, 3],
      ],
    ],
  ] as [number[][], number, number[][]][])('keeps the largest y of each run when downsampling %j to %i points', (points, max, expected) => {
    expect(downsampleMax(points as [number, number][], max)).toEqual(expected);
  });

  it('writes NAME.png, NAME.vl.json and NAME.html beside each other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vega-'));
    const spec = lineChart('s', [1, 2, 3], { title: 'T <b>', xLabel: 'x', yLabel: 'y' });
    const files = await writePlot(join(dir, 'energy.png'), spec, 'T <b>');
    expect(files).toEqual({ png: join(dir, 'energy.png'), spec: join(dir, 'energy.vl.json'), html: join(dir, 'energy.html') });
    expect(JSON.parse(await readFile(files.spec, 'utf8'))).toEqual(JSON.parse(JSON.stringify(spec)));
    const html = await readFile(files.html, 'utf8');
    expect(html).toContain('<title>T &lt;b&gt;</title>');
    expect(html).toContain('<img src="energy.png"');
    expect(html).toContain(`vega-lite@${EMBED_VERSIONS['vega-lite']}`);
    expect(decodePng(await readFile(files.png)).width).toBeGreaterThan(0);
    expect(() => plotFiles('plot.svg')).toThrow(/must end in \.png, got 'plot\.svg'/);
  });

  it('loads in its pages the vega and vega-lite versions package.json pins', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(EMBED_VERSIONS.vega).toBe(pkg.dependencies['vega']);
    expect(EMBED_VERSIONS['vega-lite']).toBe(pkg.dependencies['vega-lite']);
  });

  it.each([
    ['a & b', 'a &amp; b'],
    ['<script>', '&lt;script&gt;'],
    [`"q" 'q'`, '&quot;q&quot; &#39;q&#39;'],
  ])('escapes %s for HTML', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });

  it('embeds JSON that cannot close its script element', () => {
    expect(scriptJson({ t: '</script><!--' })).toBe('{"t":"\\u003c/script>\\u003c!--"}');
    expect(plotPage('x', { t: '</script>' })).not.toContain('"</script>');
  });

  it('writes the episode report with the verdict, figures, GIF and plots, all by relative path', () => {
    const html = episodeReportHtml({
      title: 'pick-place seed 0',
      verdict: 'SUCCESS at step 12',
      success: true,
      figures: [['steps', '12']],
      gif: '/out/demo.gif',
      plots: [{ title: 'energy', files: plotFiles('/out/energy.png') }],
      links: { summary: '/out/summary.json' },
    });
    expect(html).toContain('<p class="verdict ok" id="verdict">SUCCESS at step 12</p>');
    expect(html).toContain('<img src="demo.gif"');
    expect(html).toContain('<a href="energy.html"><img src="energy.png"');
    expect(html).toContain('href="energy.vl.json"');
    expect(html).toContain('<td>steps</td><td>12</td>');
    expect(html).not.toContain('/out/');
  });
});
