import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureStdout } from '../capture-stdout.js';
import { main as benchSim } from '../../src/cli/bench-sim.js';
import { main as simEval } from '../../src/cli/sim-eval.js';
import { CliError } from '../../src/cli/cli-error.js';

describe('jepa-mpc sim-eval', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints one JSON object with the summary fields', async () => {
    const out = captureStdout();
    expect(await simEval(['--task', 'reach', '--policy', 'scripted', '--episodes', '3', '--seed', '5', '--json'])).toBe(0);
    expect(out.lines).toHaveLength(1);
    const summary = JSON.parse(out.lines[0] ?? '') as Record<string, unknown>;
    expect(summary).toMatchObject({ task: 'reach', policy: 'scripted', episodes: 3, successes: 3, successRate: 1, seed: 5 });
    expect(summary['meanSteps']).toBeGreaterThan(1);
    expect(summary['meanSteps']).toBeLessThan(10);
  });

  it('prints a line per episode and a summary without --json', async () => {
    const out = captureStdout();
    await simEval(['--task', 'reach', '--policy', 'random', '--episodes', '2', '--max-steps', '3']);
    expect(out.lines.filter((l) => l.startsWith('episode'))).toHaveLength(2);
    expect(out.lines.at(-1)).toMatch(/^reach \/ random: \d\/2 successful/);
  });

  it.each([
    [['--task', 'stack'], /--task must be one of reach\|grasp\|pick-place, got 'stack'/],
    [['--policy', 'planner'], /--policy must be one of/],
    [['--episodes', '0'], /--episodes must be an integer/],
    [['--seed=-3'], /--seed must be an integer/],
    [['--seed', 'abc'], /--seed must be an integer/],
    [['--record', 'out.mp4'], /--record must name a .gif or .png/],
    [['--bogus'], /Unknown option/],
  ])('rejects %j with a clear CliError', async (args, message) => {
    captureStdout();
    await expect(simEval(args)).rejects.toThrow(CliError);
    await expect(simEval(args)).rejects.toThrow(message);
  });
});

describe('jepa-mpc bench-sim', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports physics, render and control rates as JSON', async () => {
    const out = captureStdout();
    expect(await benchSim(['--json', '--steps', '20', '--frames', '20', '--physics-steps', '500'])).toBe(0);
    const r = JSON.parse(out.lines[0] ?? '') as Record<string, number>;
    for (const key of ['physicsStepsPerSec', 'renderFramesPerSec', 'controlStepsPerSec']) expect(r[key]).toBeGreaterThan(0);
    expect(r['imageSize']).toBe(128);
    expect(r['substepsPerControlStep']).toBe(125);
  });
});
