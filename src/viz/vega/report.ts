/**
 * The demo's HTML episode report (`out/report.html`): the verdict, key figures, the episode GIF
 * and each plot as its PNG linked to its interactive page. It references the files beside it by
 * relative path and loads nothing from the network, so it opens offline and can be zipped whole.
 */
import { basename } from 'node:path';
import { escapeHtml } from './html.js';
import type { PlotFiles } from './write.js';

/** One plot in the report. */
export interface ReportPlot {
  readonly title: string;
  readonly files: PlotFiles;
}

/** What the report shows. */
export interface EpisodeReport {
  readonly title: string;
  /** The verdict, e.g. "SUCCESS at step 14" or "not solved". */
  readonly verdict: string;
  readonly success: boolean;
  /** Figures shown as a two-column table, in order. */
  readonly figures: readonly (readonly [string, string])[];
  /** The episode GIF's path. */
  readonly gif: string;
  readonly plots: readonly ReportPlot[];
  /** Other files to link (label → path), e.g. the summary JSON and the MCAP recording. */
  readonly links: Readonly<Record<string, string>>;
}

const STYLE = `body { font-family: 'DejaVu Sans', sans-serif; margin: 24px; color: #222; }
.verdict { font-size: 22px; font-weight: bold; padding: 8px 12px; display: inline-block; border-radius: 4px; }
.ok { background: #dff0d8; color: #2b6a2b; } .fail { background: #f8d7da; color: #8a1f2b; }
table { border-collapse: collapse; margin: 12px 0; } td { padding: 2px 12px 2px 0; }
figure { margin: 16px 0; } figure img { max-width: 100%; border: 1px solid #ddd; }`;

/** The report's HTML; every path is written relative to the report's folder (its basename). */
export function episodeReportHtml(r: EpisodeReport): string {
  const rel = (path: string) => escapeHtml(basename(path));
  const figures = r.figures.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const plots = r.plots
    .map(
      (p) => `<figure class="plot">
<a href="${rel(p.files.html)}"><img src="${rel(p.files.png)}" alt="${escapeHtml(p.title)}"></a>
<figcaption>${escapeHtml(p.title)} — <a href="${rel(p.files.html)}">interactive</a>, <a href="${rel(p.files.spec)}">Vega-Lite spec</a></figcaption>
</figure>`,
    )
    .join('\n');
  const links = Object.entries(r.links)
    .map(([label, path]) => `<li><a href="${rel(path)}">${escapeHtml(label)}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(r.title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${escapeHtml(r.title)}</h1>
<p class="verdict ${r.success ? 'ok' : 'fail'}" id="verdict">${escapeHtml(r.verdict)}</p>
<table>
${figures}
</table>
<figure><img src="${rel(r.gif)}" alt="the episode beside the goal images"><figcaption>The episode (left) beside the goal image the planner steered to (right).</figcaption></figure>
${plots}
<ul>
${links}
</ul>
</body>
</html>
`;
}
