/**
 * Test helper for CLI commands: collects what they print with console.log and silences stderr
 * (progress bars, logs). Restore with `vi.restoreAllMocks()`.
 */
import { vi } from 'vitest';

/** Starts capturing; the returned object's `lines` fill as the command prints. */
export function captureStdout(): { lines: string[] } {
  const out = { lines: [] as string[] };
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.lines.push(args.map(String).join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return out;
}
