/** The planner process's signal handling: a close that hangs cannot keep the process alive. */
import { describe, expect, it, vi } from 'vitest';
import { signalShutdown } from '../../src/ros/shutdown.js';

function deps(close: () => Promise<void>) {
  const calls: string[] = [];
  const log = { info: vi.fn(), warn: vi.fn() };
  return {
    calls,
    log,
    d: {
      close: async () => {
        calls.push('close');
        await close();
      },
      rclShutdown: () => void calls.push('rcl'),
      exit: (code: number) => void calls.push(`exit ${code}`),
      log,
      deadlineMs: 50,
    },
  };
}

describe('signalShutdown', () => {
  it('closes the shell, then shuts rclnodejs down and exits 0', async () => {
    const { calls, d } = deps(async () => {});
    await signalShutdown(d)('SIGTERM');
    expect(calls).toEqual(['close', 'rcl', 'exit 0']);
  });

  it('exits 1 after the deadline when the close never finishes, saying so', async () => {
    const { calls, d, log } = deps(() => new Promise<void>(() => {}));
    await signalShutdown(d)('SIGTERM');
    expect(calls).toEqual(['close', 'rcl', 'exit 1']);
    expect(log.warn).toHaveBeenCalledWith({ deadlineMs: 50 }, expect.stringMatching(/did not finish in time/));
  });

  it('a second signal while closing exits at once', async () => {
    const { calls, d } = deps(() => new Promise<void>(() => {}));
    const stop = signalShutdown({ ...d, deadlineMs: 10_000 });
    void stop('SIGTERM');
    await stop('SIGINT');
    expect(calls).toEqual(['close', 'exit 1']);
  });
});
