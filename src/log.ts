/**
 * The project's pino logger. Level from `JEPA_MPC_LOG_LEVEL` (default `info`); logs go to
 * stderr so that `--json` output on stdout stays machine-readable.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates a named child of the root logger. */
export function createLogger(name: string): Logger {
  return root.child({ module: name });
}

const root: Logger = pino({ name: 'jepa-mpc', level: process.env['JEPA_MPC_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
