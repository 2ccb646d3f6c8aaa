/**
 * `jepa-mpc inspect FILE.mcap`: what a recording holds — its channels (topic, schema, encoding,
 * message count), its duration, and the episodes' verdicts (the `episode` metadata records of
 * `demo`, `eval`, `stress` and `scenario` recordings) — read record by record, so a file cut short
 * still shows what it held up to the cut. A truncated, damaged or foreign file prints what could be
 * read, then one line on stderr saying why and how much was readable, and exits 1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { layoutTopics, type LayoutPanels } from '../record/layout-topics.js';
import { episodeVerdicts, readMcapReport, runInfo, type McapReport } from '../record/mcap-report.js';
import { CliError } from './cli-error.js';
import { formatTable } from './table.js';

const HELP = `usage: jepa-mpc inspect FILE.mcap [--layout LAYOUT.json] [--json]

Lists a recording's channels (topic, schema, encoding, messages), its duration and the verdict of
each episode it holds. A file cut short (a crash, a full disk) is read up to the cut: its readable
part is listed and one line on stderr says where it ends; the exit code is then 1.

options:
  --layout FILE.json   also check the file against a Foxglove layout (docs/foxglove-layout.json):
                       which topics its panels read have messages in the file, which do not
  --json               print one JSON object`;

const NS_PER_S = 1e9;
const MB = 1024 * 1024;

/** Entry point of `jepa-mpc inspect`. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { layout: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length) throw new CliError('inspect takes one file: jepa-mpc inspect FILE.mcap');
  const wanted = values.layout === undefined ? undefined : readLayoutTopics(values.layout);
  let report: McapReport;
  try {
    report = await readMcapReport(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (!report.isMcap) {
    console.error(`jepa-mpc inspect: ${file} is not an MCAP recording: ${report.problem ?? ''}`);
    return 1;
  }
  const durationS = report.startNs === undefined || report.endNs === undefined ? 0 : Number(report.endNs - report.startNs) / NS_PER_S;
  const episodes = episodeVerdicts(report);
  const layout = wanted && layoutCheck(report, wanted);
  if (values.json) console.log(JSON.stringify({ ...jsonReport(file, report, durationS), ...(layout ? { layout } : {}) }));
  else console.log(textReport(file, report, durationS) + (layout ? `\n\n${layoutText(layout)}` : ''));
  if (report.complete) return 0;
  const channels = report.channels.filter((c) => c.messages > 0).length;
  console.error(
    `jepa-mpc inspect: ${file} is truncated or damaged at byte ${report.bytesRead} of ${report.bytes} (${report.problem ?? ''}); ` +
      `readable before it: ${report.messages} messages on ${channels} channels, ${durationS.toFixed(3)} s, ${episodes.length} episode verdicts`,
  );
  return 1;
}

/** The report as text: a head line, the channel table, the episodes. */
function textReport(file: string, r: McapReport, durationS: number): string {
  const info = runInfo(r);
  const lines = [
    `${file}: ${(r.bytes / MB).toFixed(2)} MB, profile ${r.profile || '(none)'}, ${r.complete ? 'complete' : 'INCOMPLETE'}`,
    `duration ${durationS.toFixed(3)} s, ${r.messages} messages on ${r.channels.length} channels`,
    ...(info
      ? [
          `run: ${Object.entries(info)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
        ]
      : []),
    '',
    formatTable(
      ['topic', 'schema', 'encoding', 'messages'],
      r.channels.map((c) => [c.topic, c.schema ? `${c.schema} (${c.schemaEncoding})` : '(none)', c.messageEncoding, c.messages]),
    ),
  ];
  const episodes = episodeVerdicts(r);
  if (episodes.length) {
    const ok = episodes.filter((e) => e['success'] === 'true').length;
    lines.push('', `episodes: ${ok}/${episodes.length} successful`);
    lines.push(
      formatTable(
        ['#', 'seed', 'task', 'verdict', 'steps', 'lifted', 'cube→target cm', 'from s', 'to s'],
        episodes.map((e) => [
          Number(e['index']),
          Number(e['seed']),
          e['task'] ?? '',
          e['success'] === 'true' ? `success at step ${e['successStep'] ?? '?'}` : 'failure',
          Number(e['steps']),
          e['lifted'] === 'true' ? 'yes' : 'no',
          Number(e['cubeToTargetCm']),
          Number(e['startS']),
          Number(e['endS']),
        ]),
      ),
    );
  } else lines.push('', 'episodes: no verdict recorded');
  return lines.join('\n');
}

/** The report as one JSON object (times in seconds). */
function jsonReport(file: string, r: McapReport, durationS: number) {
  const seconds = (ns: bigint | undefined) => (ns === undefined ? null : Number(ns) / NS_PER_S);
  return {
    file,
    bytes: r.bytes,
    bytesRead: r.bytesRead,
    complete: r.complete,
    ...(r.problem ? { problem: r.problem } : {}),
    profile: r.profile,
    library: r.library,
    messages: r.messages,
    startS: seconds(r.startNs),
    endS: seconds(r.endNs),
    durationS,
    channels: r.channels,
    run: runInfo(r) ?? null,
    episodes: episodeVerdicts(r),
  };
}

/** The topics a layout file's panels read. @throws CliError for a file that is not a layout. */
function readLayoutTopics(path: string): string[] {
  let layout: LayoutPanels;
  try {
    layout = JSON.parse(readFileSync(path, 'utf8')) as LayoutPanels;
  } catch (error) {
    throw new CliError(`cannot read the layout ${path}: ${(error as Error).message}`);
  }
  if (typeof layout !== 'object' || layout === null || typeof layout.configById !== 'object')
    throw new CliError(`${path} is not a Foxglove layout (no configById)`);
  return layoutTopics(layout);
}

/** Which of the layout's topics have messages in the file. */
export interface LayoutCheck {
  readonly present: string[];
  readonly missing: string[];
}

function layoutCheck(r: McapReport, topics: readonly string[]): LayoutCheck {
  const held = new Set(r.channels.filter((c) => c.messages > 0).map((c) => c.topic));
  return { present: topics.filter((t) => held.has(t)), missing: topics.filter((t) => !held.has(t)) };
}

function layoutText(c: LayoutCheck): string {
  const total = c.present.length + c.missing.length;
  return `layout: ${c.present.length} of ${total} topics its panels read have messages` + (c.missing.length ? `; none on ${c.missing.join(', ')}` : '');
}
