/**
 * Standalone HTML pages for plots: the spec inlined, drawn in the browser by vega-embed loaded
 * from a CDN at the versions the project renders with (interactive: tooltips, export menu).
 */

/** Versions loaded by the pages; vega and vega-lite match package.json's (a test keeps them equal). */
export const EMBED_VERSIONS = { vega: '6.4.0', 'vega-lite': '6.4.3', 'vega-embed': '7.3.0' } as const;
/** The CDN serving npm packages to the pages. */
const CDN = 'https://cdn.jsdelivr.net/npm';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that is safe inside a `<script>` element (no `</script>` or `<!--` can close it). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The `<script>` tags that load vega, vega-lite and vega-embed. */
export function embedScripts(): string {
  return Object.entries(EMBED_VERSIONS)
    .map(([pkg, version]) => `<script src="${CDN}/${pkg}@${version}"></script>`)
    .join('\n');
}

/** A page showing one spec, interactively; `fallbackPng` (a relative path) is shown where the scripts cannot load. */
export function plotPage(title: string, spec: object, fallbackPng?: string): string {
  const fallback = fallbackPng ? `<img src="${escapeHtml(fallbackPng)}" alt="${escapeHtml(title)}" style="max-width:100%">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
${embedScripts()}
</head>
<body style="font-family: 'DejaVu Sans', sans-serif">
<div id="plot">${fallback}</div>
<script>
if (typeof vegaEmbed === 'function') vegaEmbed('#plot', ${scriptJson(spec)}, { renderer: 'svg' });
</script>
</body>
</html>
`;
}
