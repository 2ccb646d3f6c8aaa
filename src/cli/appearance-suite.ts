/**
 * The appearance suite of `jepa-mpc eval --suite appearance`: a fixed list of what the model has
 * not seen (the light turned, raised, lowered, dimmed or brightened; the camera moved; the cube or
 * the table in another colour; distractor cubes; no shadows), each run as `eval`'s episodes with
 * that one perturbation, and each row's success as a fraction of the unperturbed run's.
 */
import { CUBE_COLOURS, describePerturbation, TABLE_COLOURS, type Perturbation, type Rgb01 } from '../../sim/perturb.js';
import type { WorldModel } from '../model/world-model.js';
import { CliError } from './cli-error.js';
import { episodeRecord, evaluate, summariseRun, type EpisodeRecord, type EvaluationOptions, type RunSummary } from './evaluation.js';
import type { RunSettings } from './planned-run.js';
import type { BaselineCase, SuiteBaseline } from './suite-compare.js';
import { formatTable, round } from './table.js';

/** The suites `eval --suite` runs. */
export const SUITES = ['appearance'] as const;
/** A suite's name. */
export type SuiteName = (typeof SUITES)[number];

/** What a case changes; each kind but 'none' is one panel of the plot. */
export type PerturbationKind =
  'none' | 'light-azimuth' | 'light-elevation' | 'light-intensity' | 'camera' | 'cube-colour' | 'table-colour' | 'distractors' | 'shadows';

/** One case of the suite. */
export interface SuiteCase {
  /** Short name for `--cases` (e.g. `light-90`). */
  readonly id: string;
  readonly kind: PerturbationKind;
  /** What the case does, in words. */
  readonly label: string;
  /** How far from the trained appearance, in the kind's unit (see {@link NEUTRAL_STRENGTH}). */
  readonly strength: number;
  readonly perturbation: Perturbation;
}

/**
 * The strength of each kind at the trained appearance, where the plot puts the unperturbed run:
 * degrees of azimuth turned, degrees of light elevation (trained shadows: 45), the intensity factor,
 * camera centimetres, colour index (0 = the trained red cube / wood table), distractor count, and
 * shadows off (0 = on).
 */
export const NEUTRAL_STRENGTH: Readonly<Record<Exclude<PerturbationKind, 'none'>, number>> = {
  'light-azimuth': 0,
  'light-elevation': 45,
  'light-intensity': 1,
  camera: 0,
  'cube-colour': 0,
  'table-colour': 0,
  distractors: 0,
  shadows: 0,
};

/** A named colour of a colour table. @throws Error when the table lacks it (a bug, not the user's). */
function colour(table: Readonly<Record<string, Rgb01>>, name: string): Rgb01 {
  const c = table[name];
  if (!c) throw new Error(`no colour '${name}'`);
  return c;
}

/** The appearance suite's cases, the unperturbed one first. */
export const APPEARANCE_CASES: readonly SuiteCase[] = [
  { id: 'none', kind: 'none', label: 'unperturbed', strength: 0, perturbation: {} },
  ...[30, 90, 180].map((deg) => ({
    id: `light-${deg}`,
    kind: 'light-azimuth' as const,
    label: `light turned ${deg}°`,
    strength: deg,
    perturbation: { lightAzimuthDeg: deg },
  })),
  ...[30, 75].map((deg) => ({
    id: `elevation-${deg}`,
    kind: 'light-elevation' as const,
    label: `light elevation ${deg}° (trained ≈45°)`,
    strength: deg,
    perturbation: { lightElevationDeg: deg },
  })),
  ...[0.6, 1.5].map((x) => ({
    id: `intensity-${x}`,
    kind: 'light-intensity' as const,
    label: `light x${x}`,
    strength: x,
    perturbation: { lightIntensity: x },
  })),
  ...[2, 5].map((cm) => ({
    id: `camera-${cm}`,
    kind: 'camera' as const,
    label: `camera moved ${cm} cm, turned ${cm}°`,
    strength: cm,
    perturbation: { cameraJitter: { cm, deg: cm } },
  })),
  ...['orange', 'white'].map((name, k) => ({
    id: `cube-${name}`,
    kind: 'cube-colour' as const,
    label: `cube ${name}`,
    strength: k + 1,
    perturbation: { cubeColour: colour(CUBE_COLOURS, name) },
  })),
  ...['grey', 'blue'].map((name, k) => ({
    id: `table-${name}`,
    kind: 'table-colour' as const,
    label: `table ${name}`,
    strength: k + 1,
    perturbation: { tableColour: colour(TABLE_COLOURS, name) },
  })),
  ...[1, 2].map((n) => ({
    id: `distractors-${n}`,
    kind: 'distractors' as const,
    label: `${n} distractor cube${n > 1 ? 's' : ''}`,
    strength: n,
    perturbation: { distractors: n },
  })),
  { id: 'shadows-off', kind: 'shadows', label: 'shadows off', strength: 1, perturbation: { shadows: false } },
];

/** The cases of a suite. */
export function suiteCases(suite: SuiteName): readonly SuiteCase[] {
  switch (suite) {
    case 'appearance':
      return APPEARANCE_CASES;
  }
}

/** `--suite NAME`. @throws CliError for an unknown suite, listing the suites. */
export function parseSuite(name: string): SuiteName {
  if (!(SUITES as readonly string[]).includes(name)) throw new CliError(`--suite: unknown suite '${name}' (suites: ${SUITES.join(', ')})`);
  return name as SuiteName;
}

/**
 * `--cases LIST`: the named cases in the suite's order (undefined = all).
 * @throws CliError for an unknown or empty id, listing the valid ids.
 */
export function selectCases(cases: readonly SuiteCase[], list: string | undefined): SuiteCase[] {
  if (list === undefined) return [...cases];
  const ids = new Set(cases.map((c) => c.id));
  const asked = list.split(',').map((s) => s.trim());
  for (const id of asked) if (!ids.has(id)) throw new CliError(`--cases: unknown case '${id}' (cases: ${[...ids].join(', ')})`);
  return cases.filter((c) => asked.includes(c.id));
}

/** One case's outcome: the case, the run's summary, and its episodes. */
export interface SuiteRow extends RunSummary {
  readonly id: string;
  readonly kind: PerturbationKind;
  readonly label: string;
  readonly strength: number;
  /** {@link describePerturbation} of the case's perturbation. */
  readonly description: string;
  readonly perturbation: Perturbation;
  /** successRate over the unperturbed case's; null when that did not run or had no success. */
  readonly fractionOfUnperturbed: number | null;
  /** The episodes, as `eval --json` reports them. */
  readonly results: readonly EpisodeRecord[];
}

/** Options of {@link runSuite}: `evaluate`'s, and a callback after each case. */
export interface SuiteOptions extends EvaluationOptions {
  /** Called before each case's episodes run, with the case and its index. */
  readonly onCase?: (c: SuiteCase, index: number) => void;
}

/**
 * Runs each case as `eval` runs a perturbed task: `evaluate(model, { ...settings, perturbation })`,
 * the same seeds for every case. `settings.perturbation` is replaced by each case's.
 */
export async function runSuite(model: WorldModel, settings: RunSettings, cases: readonly SuiteCase[], o: SuiteOptions): Promise<SuiteRow[]> {
  const runs: Omit<SuiteRow, 'fractionOfUnperturbed'>[] = [];
  for (const [k, c] of cases.entries()) {
    o.onCase?.(c, k);
    const results = await evaluate(model, { ...settings, perturbation: c.perturbation }, o);
    runs.push({
      id: c.id,
      kind: c.kind,
      label: c.label,
      strength: c.strength,
      description: describePerturbation(c.perturbation),
      perturbation: c.perturbation,
      ...summariseRun(results),
      results: results.map(episodeRecord),
    });
  }
  return withFractions(runs);
}

/**
 * Each row's success rate over the unperturbed row's (rounded to 4 decimals): null for every row
 * when no row is of kind 'none' or its success rate is 0.
 */
export function withFractions<R extends { readonly kind: PerturbationKind; readonly successRate: number }>(
  rows: readonly R[],
): (R & { fractionOfUnperturbed: number | null })[] {
  const base = rows.find((r) => r.kind === 'none')?.successRate ?? 0;
  return rows.map((r) => ({ ...r, fractionOfUnperturbed: base > 0 ? round(r.successRate / base, 4) : null }));
}

/** The suite's table: one line per case; with a baseline (`--compare`), its k/n and fraction of unperturbed beside this run's. */
export function suiteTable(rows: readonly SuiteRow[], baseline?: Pick<SuiteBaseline, 'model' | 'cases'>): string {
  const fraction = (f: number | null): string => (f === null ? '-' : `${(f * 100).toFixed(0)}%`);
  const other = (id: string, cell: (c: BaselineCase) => string): string[] => {
    if (!baseline) return [];
    const c = baseline.cases.get(id);
    return [c ? cell(c) : '—'];
  };
  const headed = (heading: string): string[] => (baseline ? [`${baseline.model} ${heading}`] : []);
  return formatTable(
    [
      'case',
      'perturbation',
      'success',
      ...headed('success'),
      'lifted',
      'closed at cube',
      'median closest cm',
      'of unperturbed',
      ...headed('of unperturbed'),
      'ms/plan',
    ],
    rows.map((r) => [
      r.id,
      r.description,
      `${r.successes}/${r.episodes}`,
      ...other(r.id, (c) => `${c.successes}/${c.episodes}`),
      r.lifted,
      r.closedAtCube,
      round(r.medianClosestToCube * 100, 1),
      fraction(r.fractionOfUnperturbed),
      ...other(r.id, (c) => fraction(c.fractionOfUnperturbed)),
      round(r.meanPlanMs, 1),
    ]),
  );
}
