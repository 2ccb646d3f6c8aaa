/**
 * `jepa-mpc eval --suite NAME --compare FILE.json`: an earlier suite run (`--json` output,
 * typically another model's) read as the baseline of this one, case by case: its k/n and fraction
 * of unperturbed in the table, a `baseline` object in each JSON row, its success in the plot.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from './cli-error.js';

/** What a baseline row needs of an `eval --suite --json` case row (other fields are ignored). */
const baselineCaseSchema = z.object({
  id: z.string().min(1),
  successes: z.number().int().nonnegative(),
  episodes: z.number().int().positive(),
  successRate: z.number().min(0).max(1),
  fractionOfUnperturbed: z.number().nonnegative().nullable(),
});

/** What `--compare` needs of an `eval --suite --json` object (other fields are ignored). */
const suiteJsonSchema = z.object({
  suite: z.string(),
  model: z.string(),
  task: z.string(),
  episodes: z.number().int().positive(),
  seed: z.number().int(),
  cases: z.array(baselineCaseSchema),
});

/** One case of the baseline run: the numbers a compared row shows. */
export type BaselineCase = z.infer<typeof baselineCaseSchema>;

/** The baseline of `--compare`: the earlier run's header and its cases by id. */
export interface SuiteBaseline {
  /** The file as given to --compare. */
  readonly file: string;
  readonly suite: string;
  /** The earlier run's model name (the compared columns' heading). */
  readonly model: string;
  readonly task: string;
  /** Episodes per case of the earlier run. */
  readonly episodes: number;
  readonly seed: number;
  readonly cases: ReadonlyMap<string, BaselineCase>;
}

/**
 * Reads `--compare FILE`: the `--json` output of an earlier run of `suite`.
 * @throws CliError for a missing or unreadable file, one that is not JSON or not a suite run's
 * JSON (no `suite`, no `cases` array, …), or a run of another suite.
 */
export async function readBaseline(file: string, suite: string): Promise<SuiteBaseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`--compare: cannot read '${file}' (${oneLine((error as Error).message)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--compare: '${file}' is not JSON (${oneLine((error as Error).message)})`);
  }
  const parsed = suiteJsonSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${oneLine(issue.message)}` : 'invalid';
    throw new CliError(`--compare: '${file}' is not the --json output of eval --suite (${where})`);
  }
  const b = parsed.data;
  if (b.suite !== suite) throw new CliError(`--compare: '${file}' is a run of the ${b.suite} suite, not ${suite}`);
  return { file, suite: b.suite, model: b.model, task: b.task, episodes: b.episodes, seed: b.seed, cases: new Map(b.cases.map((c) => [c.id, c])) };
}

/**
 * Checks the baseline against this run's settings: a different task is an error; different
 * episodes per case or seed are allowed, returned as a one-line warning (undefined when none).
 * @throws CliError when the tasks differ.
 */
export function checkBaseline(b: SuiteBaseline, run: { readonly task: string; readonly episodes: number; readonly seed: number }): string | undefined {
  if (b.task !== run.task)
    throw new CliError(`--compare: '${b.file}' ran ${b.task}, this run ${run.task}: that compares ${run.task} with ${b.task} (pass --task ${b.task})`);
  const differ = [
    ...(b.episodes !== run.episodes ? [`${b.episodes} episodes per case (this run ${run.episodes})`] : []),
    ...(b.seed !== run.seed ? [`seed ${b.seed} (this run ${run.seed})`] : []),
  ];
  return differ.length ? `warning: --compare: '${b.file}' ran ${differ.join(' and ')}: its rates are over other episodes` : undefined;
}

/** A suite row with the baseline's numbers for its case, when the baseline has the case. */
export type ComparedRow<R> = R & { baseline?: BaselineCase };

/** Adds to each row its case's baseline (successes, episodes, successRate, fractionOfUnperturbed), when the baseline has it. */
export function withBaseline<R extends { readonly id: string }>(rows: readonly R[], b: SuiteBaseline): ComparedRow<R>[] {
  return rows.map((r) => {
    const c = b.cases.get(r.id);
    return c
      ? { ...r, baseline: { successes: c.successes, episodes: c.episodes, successRate: c.successRate, fractionOfUnperturbed: c.fractionOfUnperturbed } }
      : { ...r };
  });
}

/** An error message on one line. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ');
}
