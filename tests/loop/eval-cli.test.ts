/**
 * `jepa-mpc eval`: the direct loop and `--through-node` report the same summary fields; the
 * planner flags come from the settings schema; mistakes are one-line CLI errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureStdout } from '../capture-stdout.js';
import { CliError, userErrorMessage } from '../../src/cli/cli-error.js';
import { ModelError } from '../../src/model/errors.js';
import { PlannerSettingsError } from '../../src/model/planner-settings.js';
import { projectRoot } from '../../src/paths.js';
import { main as evalMain } from '../../src/cli/eval.js';
import { COMMANDS } from '../../src/cli/commands.js';

describe('jepa-mpc eval', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reaches through the node (pose output, plans taking 0.8 s) and says which loop it measured', async () => {
    const out = captureStdout();
    expect(await evalMain(['--task', 'reach', '--episodes', '1', '--seed', '3', '--through-node', '--output-mode', 'pose', '--latency', '0.8', '--json'])).toBe(
      0,
    );
    const summary = JSON.parse(out.lines.at(-1) ?? '') as Record<string, unknown>;
    expect(summary).toMatchObject({
      task: 'reach',
      loop: 'through-node',
      outputMode: 'pose',
      latencyS: 0.8,
      episodes: 1,
      successes: 1,
      optimizer: 'mppi',
      samples: 100,
      iterations: 3,
    });
  }, 120_000);

  it('plans with explicit planner flags where given', async () => {
    const out = captureStdout();
    await evalMain(['--task', 'reach', '--episodes', '1', '--seed', '3', '--samples', '64', '--iterations', '2', '--json']);
    // sim-jepa-ac's default manifest plans with int8 rollouts
    expect(JSON.parse(out.lines.at(-1) ?? '')).toMatchObject({ loop: 'direct', samples: 64, iterations: 2, model: 'sim-jepa-ac', precision: 'int8' });
  }, 120_000);

  it.each([
    [[], 'sim-jepa-ac', 'int8'],
    [['--precision', 'fp32'], 'sim-jepa-ac', 'fp32'],
    [['--precision', 'int8'], 'sim-jepa-ac', 'int8'],
    [['--model', 'models/test-tiny'], 'test-tiny', 'fp32'],
    [['--model', 'models/test-tiny', '--precision', 'int8'], 'test-tiny', 'int8'],
  ])(
    "%j plans with %s at %s (--precision picks the folder's manifest)",
    async (flags, model, precision) => {
      const out = captureStdout();
      await evalMain(['--task', 'reach', '--episodes', '1', '--seed', '3', '--samples', '16', '--iterations', '1', ...flags, '--json']);
      expect(JSON.parse(out.lines.at(-1) ?? '')).toMatchObject({ model, precision, episodes: 1 });
    },
    120_000,
  );

  it.each([
    [['--precision', 'int4'], CliError, /^--precision must be one of fp32\|fp16\|int8\|fp16-weights, got 'int4'$/],
    [
      ['--precision', 'fp16-weights'],
      ModelError,
      /^model folder \S+\/models\/sim-jepa-ac has no fp16-weights manifest; its precisions: int8 \(manifest.json\), fp32 \(manifest-fp32.json\)$/,
    ],
    [['--model', 'models/test-tiny/manifest-int8.json', '--precision', 'fp32'], ModelError, /manifest-int8.json holds precision int8, not fp32/],
  ])('refuses %j with one line', async (flags, kind, message) => {
    captureStdout();
    const error = await evalMain(['--task', 'reach', '--episodes', '1', ...flags]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect(userErrorMessage(error)).not.toContain('\n');
  });

  it("reports the precision of the manifest it planned with (a quantised variant's)", async () => {
    const out = captureStdout();
    await evalMain([
      '--task',
      'reach',
      '--episodes',
      '1',
      '--seed',
      '3',
      '--samples',
      '16',
      '--iterations',
      '2',
      '--model',
      'models/test-tiny/manifest-int8.json',
      '--json',
    ]);
    expect(JSON.parse(out.lines.at(-1) ?? '')).toMatchObject({ model: 'test-tiny', precision: 'int8', episodes: 1 });
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

describe("a user's mistake is one line, never a stack", () => {
  const parseError = (() => {
    try {
      parseArgs({ args: ['--samples', '-5'], options: { samples: { type: 'string' } } });
    } catch (error) {
      return error;
    }
    return undefined;
  })();

  it.each([
    ['a bad flag value', new CliError('--samples: must be >= 1, got 0'), '--samples: must be >= 1, got 0'],
    [
      'a missing model',
      new ModelError('MANIFEST_NOT_FOUND', 'no world-model manifest at /x/manifest.json'),
      'no world-model manifest at /x/manifest.json (MANIFEST_NOT_FOUND)',
    ],
    ['settings the model cannot run', new PlannerSettingsError('horizon 2: no graph'), 'horizon 2: no graph'],
  ])('%s', (_name, error, message) => {
    expect(userErrorMessage(error)).toBe(message);
  });

  it('joins a parseArgs error into one line and leaves bugs alone', () => {
    expect(userErrorMessage(parseError)).toMatch(/^Option '--samples' argument is ambiguous\. .*--samples=-XYZ/);
    expect(userErrorMessage(parseError)).not.toContain('\n');
    expect(userErrorMessage(new TypeError('x is undefined'))).toBeUndefined();
  });

  const cli = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
  it.runIf(existsSync(cli))('`jepa-mpc demo --model /nonexistent` says so in one line and exits 2', () => {
    const r = spawnSync(process.execPath, [cli, 'demo', '--model', '/nonexistent'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('jepa-mpc: no world-model manifest at /nonexistent/manifest.json (MANIFEST_NOT_FOUND)');
  });

  it.runIf(existsSync(cli))('`jepa-mpc eval --precision fp16-weights` lists the precisions the folder has, in one line, and exits 2', () => {
    const r = spawnSync(process.execPath, [cli, 'eval', '--precision', 'fp16-weights'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `jepa-mpc: model folder ${join(projectRoot(), 'models', 'sim-jepa-ac')} has no fp16-weights manifest; its precisions: int8 (manifest.json), fp32 (manifest-fp32.json) (PRECISION_MISSING)`,
    );
  });

  // Every command but the two that need a sourced ROS 2 first (run, sim-node say so in their own words).
  const commands = Object.keys(COMMANDS).filter((c) => c !== 'run' && c !== 'sim-node');
  it.runIf(existsSync(cli)).each(commands)('`jepa-mpc %s --bogus` refuses the unknown flag in one line and exits 2', (command) => {
    const r = spawnSync(process.execPath, [cli, command, '--bogus'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^jepa-mpc: Unknown option '--bogus'/);
  });
});
