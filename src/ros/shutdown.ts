/**
 * Shutting a ROS node's process down on a signal: the shell's close (the arm held, the model worker
 * ended) gets a deadline, so a close that waits on a peer that has already gone (the simulator
 * stopped first, an action client that never answers) cannot keep the process alive; a second
 * signal exits at once.
 */
import type { Logger } from 'pino';

/** How long shutting down may take before the process exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 5000;

/** What the signal handler needs; `exit` ends the process (injected for tests). */
export interface ShutdownDeps {
  readonly close: () => Promise<void>;
  readonly rclShutdown: () => void;
  readonly exit: (code: number) => void;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  readonly deadlineMs?: number;
}

/** A signal handler: the first call closes within the deadline and exits (1 when late), the next exits at once. */
export function signalShutdown(d: ShutdownDeps): (signal: string) => Promise<void> {
  let stopping = false;
  return async (signal: string) => {
    if (stopping) {
      d.log.warn({ signal }, 'second signal while shutting down: exiting now');
      d.exit(1);
      return;
    }
    stopping = true;
    d.log.info({ signal }, 'shutting down: holding the arm, ending the model worker');
    const deadlineMs = d.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
    const outcome = await Promise.race([d.close().then(() => 'closed' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') d.log.warn({ deadlineMs }, 'shutdown did not finish in time: exiting anyway');
    d.rclShutdown();
    d.exit(outcome === 'late' ? 1 : 0);
  };
}
