import { ModelError } from '../model/errors.js';
import { PlannerSettingsError } from '../model/planner-settings.js';

/** An error in how a command was called (bad flag, bad value): printed without a stack, exit 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The message of an error that is the user's to fix (a bad flag, a missing or mismatched model,
 * planner settings the model cannot run): printed as one line, without a stack. Anything else is a
 * bug and keeps its stack.
 */
export function userErrorMessage(error: unknown): string | undefined {
  if (error instanceof CliError || error instanceof PlannerSettingsError) return error.message;
  if (error instanceof ModelError) return `${error.message} (${error.code})`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return (error as Error).message.replace(/\s*\n\s*/g, ' ');
  return undefined;
}
