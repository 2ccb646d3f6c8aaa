/** `--randomise LIST|all`, shared by `collect` and `collect-goals`. */
import { RANDOMISABLE, type Randomisable } from '../../sim/randomise.js';
import { CliError } from './cli-error.js';

/**
 * `--randomise light,camera,colour` (or `all`) → the kinds (each at most once; none when absent).
 * @throws CliError for an unknown kind.
 */
export function randomiseFlag(value: string | undefined): Randomisable[] {
  if (value === undefined) return [];
  if (value.trim() === 'all') return [...RANDOMISABLE];
  const kinds = value.split(',').map((k) => k.trim());
  const bad = kinds.find((k) => !(RANDOMISABLE as readonly string[]).includes(k));
  if (bad !== undefined) throw new CliError(`--randomise takes a list of ${RANDOMISABLE.join(', ')} or all, got '${bad}'`);
  return [...new Set(kinds)] as Randomisable[];
}
