/**
 * `jepa-mpc eval`: the direct loop and `--through-node` report the same summary fields; the
 * planner flags come from the settings schema; mistakes are one-line CLI errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { main as evalMain } from '../../src/cli/eval.js';

function captureStdout(): { lines: string[] } {
  const out = { lines: [] as string[] };
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out.lines.push(args.map(String).join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return out;
}

describe('jepa-mpc eval', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reaches through the node (pose output, plans taking 0.8 s) and says which loop it measured', async () => {
    const out = captureStdout();
    expect(await evalMain(['--task', 'reach', '--episodes', '1', '--seed', '3', '--through-node', '--output-mode', 'pose', '--latency', '0.8', '--json'])).toBe(0);
    const summary = JSON.parse(out.lines.at(-1) ?? '') as Record<string, unknown>;
    expect(summary).toMatchObject({ task: 'reach', loop: 'through-node', outputMode: 'pose', latencyS: 0.8, episodes: 1, successes: 1, samples: 300, iterations: 5 });
  }, 120_000);

  it('plans with explicit planner flags where given', async () => {
    const out = captureStdout();
    await evalMain(['--task', 'reach', '--episodes', '1', '--seed', '3', '--samples', '64', '--iterations', '2', '--json']);
    expect(JSON.parse(out.lines.at(-1) ?? '')).toMatchObject({ loop: 'direct', samples: 64, iterations: 2 });
  }, 120_000);

  it.each([
    [['--task', 'reach', '--latency', '0.8'], /--latency and --output-mode need --through-node/],
    [['--task', 'reach', '--through-node', '--output-mode', 'velocity'], /--output-mode must be one of twist\|pose\|joint, got 'velocity'/],
    [['--task', 'reach', '--through-node', '--latency=-1'], /--latency must be a number in \[0, 60\]/],
    [['--task', 'reach', '--samples=-5'], /--samples: must be in \[0, 100000\], got -5/],
    [['--task', 'reach', '--horizon', '2'], /horizon 2: model 'sim-jepa-ac' has rollout graphs for 1, 3 only/],
  ])('refuses %j with one line', async (argv, message) => {
    captureStdout();
    const run = evalMain(argv);
    await expect(run).rejects.toThrow(CliError);
    await expect(evalMain(argv)).rejects.toThrow(message);
  });
});
