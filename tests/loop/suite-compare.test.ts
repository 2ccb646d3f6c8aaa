/**
 * `jepa-mpc eval --suite appearance --compare FILE.json`: an earlier run's --json output set beside
 * this run, case by case, in the table, the JSON rows and the plot; a file that is not a run of the
 * suite, or of another task, is a one-line CLI error. One reach episode per case with a tiny
 * planner, on models/test-tiny.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { suiteTable, type SuiteRow } from '../../src/cli/appearance-suite.js';
import { CliError } from '../../src/cli/cli-error.js';
import { main as evalMain } from '../../src/cli/eval.js';
import { checkBaseline, withBaseline, type BaselineCase, type SuiteBaseline } from '../../src/cli/suite-compare.js';
import { decodePng } from '../../src/model/image.js';
import { modelDir } from '../../src/paths.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from '../data/temp-dirs.js';

const tempDir = tempDirs('jepa-mpc-compare-');

/** What every CLI run here shares: one fast reach episode on the random-weight model. */
const FAST = ['--episodes', '1', '--task', 'reach', '--model', modelDir('test-tiny'), '--samples', '16', '--iterations', '1'];
/** The suite run of every CLI test here. */
const SUITE = ['--suite', 'appearance', '--cases', 'none,light-90', ...FAST];
/** The suite flags of the error cases, whose model does not exist. */
const ERR = ['--suite', 'appearance', '--cases', 'none,light-90'];

interface JsonRow {
  id: string;
  successes: number;
  episodes: number;
  successRate: number;
  fractionOfUnperturbed: number | null;
  baseline?: BaselineCase;
}
interface SuiteJson {
  suite: string;
  model: string;
  task: string;
  episodes: number;
  seed: number;
  compare?: { model: string; file: string };
  cases: JsonRow[];
}

/** A baseline of the given cases (id → [successes, episodes]). */
function baseline(cases: Record<string, readonly [number, number]>, header: Partial<SuiteBaseline> = {}): SuiteBaseline {
  const rows = Object.entries(cases).map(([id, [successes, episodes]]): [string, BaselineCase] => [
    id,
    { id, successes, episodes, successRate: successes / episodes, fractionOfUnperturbed: successes > 0 ? 1 : null },
  ]);
  return { file: 'base.json', suite: 'appearance', model: 'sim-jepa-ac', task: 'reach', episodes: 2, seed: 0, cases: new Map(rows), ...header };
}

/** A valid suite JSON object (no cases), with fields replaced. */
function suiteJson(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { suite: 'appearance', model: 'sim-jepa-ac', task: 'reach', subgoals: 'paper', episodes: 1, seed: 0, loop: 'direct', cases: [], ...fields };
}

/** Writes a --compare file into a fresh temporary folder and returns its path. */
async function compareFile(content: string | object): Promise<string> {
  const file = join(await tempDir(), 'base.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

let first: Promise<{ text: string; json: SuiteJson }> | undefined;
/** The first run (`--json`, cases none and light-90), run once for the file's tests. */
function firstRun(): Promise<{ text: string; json: SuiteJson }> {
  first ??= (async () => {
    const out = captureStdout();
    expect(await evalMain([...SUITE, '--json'])).toBe(0);
    vi.restoreAllMocks();
    const text = out.lines.at(-1) ?? '';
    return { text, json: JSON.parse(text) as SuiteJson };
  })();
  return first;
}

describe('comparing with a baseline run', () => {
  it.each([
    ['a case the baseline has', 'light-90', { successes: 1, episodes: 2, successRate: 0.5, fractionOfUnperturbed: 1 }],
    ['a case the baseline lacks', 'camera-5', undefined],
  ])('gives each row its baseline numbers: %s', (_name, id, expected) => {
    const [row] = withBaseline([{ id, successes: 0 }], baseline({ none: [2, 2], 'light-90': [1, 2] }));
    expect(row?.baseline).toEqual(expected);
    expect(row && 'baseline' in row).toBe(expected !== undefined);
    expect(row).toMatchObject({ id, successes: 0 });
  });

  it.each([
    ['the same episodes and seed', { episodes: 2, seed: 0 }, undefined],
    ['other episodes', { episodes: 5, seed: 0 }, /^warning: --compare: 'base\.json' ran 2 episodes per case \(this run 5\): /],
    ['another seed', { episodes: 2, seed: 3 }, /ran seed 0 \(this run 3\): /],
    ['both', { episodes: 1, seed: 3 }, /ran 2 episodes per case \(this run 1\) and seed 0 \(this run 3\)/],
  ])('allows %s, with at most a one-line warning', (_name, run, warning) => {
    const w = checkBaseline(baseline({}), { task: 'reach', ...run });
    if (warning === undefined) expect(w).toBeUndefined();
    else {
      expect(w).toMatch(warning);
      expect(w).not.toContain('\n');
    }
  });

  it('refuses a baseline of another task', () => {
    const check = () => checkBaseline(baseline({}), { task: 'pick-place', episodes: 2, seed: 0 });
    expect(check).toThrow(CliError);
    expect(check).toThrow(/'base\.json' ran reach, this run pick-place: that compares pick-place with reach/);
  });

  it("sets the baseline's k/n after the success column and its fraction after this run's, '—' where it lacks the case", () => {
    const row = (id: string, successes: number): SuiteRow =>
      ({
        id,
        description: id,
        successes,
        episodes: 2,
        lifted: 0,
        closedAtCube: 0,
        medianClosestToCube: 0.1,
        fractionOfUnperturbed: 0.5,
        meanPlanMs: 3,
      }) as SuiteRow;
    const [head, , none, light] = suiteTable([row('none', 1), row('light-90', 1)], baseline({ none: [2, 2] })).split('\n');
    expect(head?.split(/ {2,}/)).toEqual([
      'case',
      'perturbation',
      'success',
      'sim-jepa-ac success',
      'lifted',
      'closed at cube',
      'median closest cm',
      'of unperturbed',
      'sim-jepa-ac of unperturbed',
      'ms/plan',
    ]);
    expect(none?.split(/ {2,}/)).toEqual(['none', 'none', '1/2', '2/2', '0', '0', '10', '50%', '100%', '3']);
    expect(light?.split(/ {2,}/)).toEqual(['light-90', 'light-90', '1/2', '—', '0', '0', '10', '50%', '—', '3']);
  });
});

describe('jepa-mpc eval --suite --compare', () => {
  afterEach(() => vi.restoreAllMocks());

  it("carries the baseline's numbers in each JSON row and names it at top level, with no warning", async () => {
    const { text, json: base } = await firstRun();
    const file = await compareFile(text);
    const out = captureStdout();
    expect(await evalMain([...SUITE, '--json', '--compare', file])).toBe(0);
    expect(console.error).not.toHaveBeenCalled();
    expect(out.lines).toHaveLength(1);
    const run = JSON.parse(out.lines[0] ?? '') as SuiteJson;
    expect(run.compare).toEqual({ model: base.model, file });
    expect(run.cases.map((r) => r.id)).toEqual(['none', 'light-90']);
    for (const r of run.cases) {
      const b = base.cases.find((c) => c.id === r.id) as JsonRow;
      expect(r.baseline).toEqual({ successes: b.successes, episodes: b.episodes, successRate: b.successRate, fractionOfUnperturbed: b.fractionOfUnperturbed });
      // The same model, seeds and cases: the same outcome.
      expect([r.successes, r.episodes]).toEqual([b.successes, b.episodes]);
    }
  }, 60_000);

  it("shows the baseline's k/n under its model's name, '—' where it lacks the case, warns of other episodes on stderr, and plots it", async () => {
    const { json: base } = await firstRun();
    const none = base.cases.find((c) => c.id === 'none') as JsonRow;
    const file = await compareFile({ ...base, model: 'other-model', episodes: 4, seed: 9, cases: [{ ...none, successes: 1, episodes: 4, successRate: 0.25 }] });
    const plot = join(await tempDir(), 'compare.png');
    const out = captureStdout();
    expect(await evalMain([...SUITE, '--compare', file, '--plot', plot])).toBe(0);
    expect(vi.mocked(console.error).mock.calls).toEqual([
      [`warning: --compare: '${file}' ran 4 episodes per case (this run 1) and seed 9 (this run 0): its rates are over other episodes`],
    ]);
    const table = out.lines.join('\n');
    expect(table).toContain(`compared with other-model (${file})`);
    expect(table).toMatch(/case +perturbation +success +other-model success +lifted +.* +of unperturbed +other-model of unperturbed +ms\/plan/);
    expect(table).toMatch(/\nnone +none +[01]\/1 +1\/4 +/);
    expect(table).toMatch(/\nlight-90 +light turned 90° +[01]\/1 +— +/);
    const png = decodePng(await readFile(plot));
    expect(png.width).toBeGreaterThan(0);
    // The baseline's series, in its dark grey, is drawn (legend and point).
    const dark = Array.from({ length: png.width * png.height }, (_, i) => i).filter(
      (i) => png.data[3 * i] === 90 && png.data[3 * i + 1] === 90 && png.data[3 * i + 2] === 90,
    );
    expect(dark.length).toBeGreaterThan(30);
  }, 60_000);

  it.each([
    ['without --suite', [] as string[], undefined, /^--compare needs --suite$/],
    ['a missing file', ERR, null, /^--compare: cannot read '.*missing\.json' \(ENOENT: /],
    ['a file that is not JSON', ERR, 'episode 0 success', /^--compare: '.*base\.json' is not JSON \(/],
    ['a JSON without suite', ERR, { cases: [] }, /is not the --json output of eval --suite \(suite: /],
    ['a JSON without a cases array', ERR, suiteJson({ cases: undefined }), /is not the --json output of eval --suite \(cases: /],
    ['a plain eval run', ERR, { task: 'reach', episodes: 1, successes: 1, results: [] }, /is not the --json output of eval --suite/],
    ['a case without successes', ERR, suiteJson({ cases: [{ id: 'none', episodes: 1, successRate: 1, fractionOfUnperturbed: 1 }] }), /\(cases\.0\.successes: /],
    ['a run of another suite', ERR, suiteJson({ suite: 'robustness' }), /^--compare: '.*base\.json' is a run of the robustness suite, not appearance$/],
  ])('refuses %s with one line, before loading the model', async (_name, argv, content, message) => {
    captureStdout();
    const file = content === undefined ? 'base.json' : content === null ? join(await tempDir(), 'missing.json') : await compareFile(content);
    const run = evalMain([...argv, '--compare', file, '--model', '/nonexistent']);
    await expect(run).rejects.toThrow(CliError);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toThrow(/^[^\n]*$/);
  });

  it('refuses a baseline of another task before running a case', async () => {
    const out = captureStdout();
    const file = await compareFile(suiteJson({ task: 'pick-place' }));
    const run = evalMain([...SUITE, '--compare', file]);
    await expect(run).rejects.toThrow(CliError);
    await expect(run).rejects.toThrow(`--compare: '${file}' ran pick-place, this run reach: that compares reach with pick-place (pass --task pick-place)`);
    expect(out.lines).toEqual([]);
  }, 60_000);
});
