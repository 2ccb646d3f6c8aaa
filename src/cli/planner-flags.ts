/**
 * The planner's CLI flags, generated from the one settings schema (src/model/planner-settings.ts)
 * that also gives the ROS node its parameters: `--samples N`, `--goal-gripper-weight W`, … — an
 * absent flag means the model's value. Values are checked by the same rules as ROS parameters.
 */
import type { ParseArgsConfig } from 'node:util';
import type { PlannerConfig } from '../core/mpc.js';
import type { Manifest } from '../model/manifest.js';
import {
  PLANNER_SETTINGS,
  PlannerSettingsError,
  flagName,
  resolvePlannerConfig,
  type ParamSpec,
  type PlannerSettingName,
  type PlannerSettings,
} from '../model/planner-settings.js';
import { checkParameter } from '../node/parameters.js';
import { CliError } from './cli-error.js';

const NAMES = Object.keys(PLANNER_SETTINGS) as PlannerSettingName[];

/** parseArgs specs of the planner flags. */
export const PLANNER_FLAG_OPTIONS = Object.fromEntries(NAMES.map((n) => [flagName(n), { type: 'string' }])) as Record<
  string,
  { type: 'string' }
> satisfies ParseArgsConfig['options'];

/** Column the flag descriptions start at in help texts. */
const HELP_COLUMN = 23;

/** Help lines of the planner flags (from the schema's descriptions). */
export const PLANNER_FLAG_HELP = NAMES.map((n) => {
  const spec: ParamSpec = PLANNER_SETTINGS[n];
  const value = spec.choices ? spec.choices.filter((c) => c !== '').join('|') : spec.type === 'integer' ? 'N' : 'X';
  const head = `  --${flagName(n)} ${value}`;
  const description = spec.description.replace(/; (0|-1|empty) = the model's value.*$/, '');
  return `${head.padEnd(HELP_COLUMN - 1)} ${description}${spec.unit ? ` (${spec.unit})` : ''}`;
})
  .concat([`${' '.repeat(HELP_COLUMN)}(every planner flag defaults to the model manifest's planning value)`])
  .join('\n');

/** The planner settings the flags set (absent flags stay unset). @throws CliError naming a bad flag. */
export function plannerSettingsFromFlags(values: Record<string, unknown>): Partial<PlannerSettings> {
  const out: Record<string, unknown> = {};
  for (const n of NAMES) {
    const raw = values[flagName(n)];
    if (raw === undefined) continue;
    const spec: ParamSpec = PLANNER_SETTINGS[n];
    const text = String(raw);
    const value = spec.type === 'integer' || spec.type === 'double' ? (text.trim() === '' ? NaN : Number(text)) : text;
    const problem =
      checkParameter(n, spec, value) ??
      (typeof value === 'number' && (value < 0 || (spec.type === 'integer' && value < 1))
        ? `${n} must be ${spec.type === 'integer' ? '>= 1' : '>= 0'}, got ${value}`
        : undefined);
    if (problem || value === '') throw new CliError(`--${flagName(n)}: ${problem ?? 'needs a value'}`.replace(`: ${n} `, ': '));
    out[n] = value;
  }
  return out as Partial<PlannerSettings>;
}

/** The planner for a model from the flags (unset = the model's). @throws CliError when it cannot run on the model. */
export function plannerFromFlags(m: Manifest, values: Record<string, unknown>): PlannerConfig {
  return plannerFromSettings(m, plannerSettingsFromFlags(values));
}

/** The planner for a model from parsed flag settings. @throws CliError when it cannot run on the model. */
export function plannerFromSettings(m: Manifest, settings: Partial<PlannerSettings>): PlannerConfig {
  try {
    return resolvePlannerConfig(m, settings);
  } catch (error) {
    if (error instanceof PlannerSettingsError) throw new CliError(error.message);
    throw error;
  }
}
