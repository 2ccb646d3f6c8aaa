/**
 * Small helpers over node:util `parseArgs` that turn flag strings into checked numbers and
 * choices, throwing {@link CliError} with the flag's name and the offending value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.js';

/**
 * The flags of `jepa-mpc <command>` (no positionals), parsed; an unknown or malformed flag is a
 * {@link CliError} that points at the command's `--help`.
 */
export function commandFlags<const O extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options }).values;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)} (jepa-mpc ${command} --help lists the options)`);
  }
}

/** Parses an integer flag within [min, max]; `undefined` gives the default. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(`--${name} must be an integer in [${min}, ${max}], got '${value}'`);
  }
  return n;
}

/** Parses a finite number flag within [min, max]. */
export function numberFlag(name: string, value: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new CliError(`--${name} must be a number in [${min}, ${max}], got '${value}'`);
  }
  return n;
}

/** `--NAME on|off` → true/false; `fallback` when absent. @throws CliError for anything else. */
export function onOffFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  return choiceFlag(name, value, ['on', 'off'] as const, fallback ? 'on' : 'off') === 'on';
}

/** Checks a flag against a list of allowed values. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new CliError(`--${name} must be one of ${choices.join('|')}, got '${value}'`);
  }
  return value as T;
}
