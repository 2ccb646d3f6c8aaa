/**
 * `jepa-mpc send-goal`: sends goal images to a running planner node.
 *   jepa-mpc send-goal goal.png
 *   jepa-mpc send-goal --current-frame
 *   jepa-mpc send-goal --file pick/grasped.png          (a file inside the node's goal_dir)
 *   jepa-mpc send-goal --sequence a.png b.png c.png --steps 4,10,4 [--thresholds 0,0,0.2]
 */
import { parseArgs } from 'node:util';
import { sendGoal, type GoalRequest } from '../ros/send-goal.js';
import { intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { readPngFile, readPngFiles } from './png-file.js';
import { initRclnodejs } from './ros-cli.js';
import { PLANNER_NODE } from '../ros/topics.js';

const HELP = `usage: jepa-mpc send-goal IMAGE.png | --current-frame | --file NAME | --sequence A.png B.png ... --steps 4,10,4

options:
  --node NAME        planner node (default /jepa_mpc_planner)
  --steps LIST       step budget per goal of a sequence (required with --sequence)
  --thresholds LIST  energy thresholds per goal (optional; 0 = budget only)
  --timeout S        seconds to wait for the service (default 10)
  [--ros-args ...]   passed to rclnodejs`;

/** Entry point of `jepa-mpc send-goal`. */
export async function main(argv: string[]): Promise<number> {
  const rosArgs = argv.indexOf('--ros-args');
  const own = rosArgs >= 0 ? argv.slice(0, rosArgs) : argv;
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      node: { type: 'string' },
      sequence: { type: 'boolean', default: false },
      steps: { type: 'string' },
      thresholds: { type: 'string' },
      file: { type: 'string' },
      'current-frame': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const list = (name: string, text: string | undefined, parse: (n: string, v: string) => number) =>
    (text ?? '')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s, i) => parse(`${name}[${i}]`, s.trim()));
  let request: GoalRequest;
  if (values.sequence) {
    if (positionals.length === 0) throw new CliError('--sequence needs goal images');
    const steps = list('steps', values.steps, (n, v) => intFlag(n, v, 1, 1, 100_000));
    if (steps.length !== positionals.length) throw new CliError(`--steps needs ${positionals.length} values (one per image), got ${steps.length}`);
    const thresholds = list('thresholds', values.thresholds, (n, v) => numberFlag(n, v, 0, 0));
    if (thresholds.length !== 0 && thresholds.length !== positionals.length) throw new CliError(`--thresholds needs none or ${positionals.length} values`);
    request = { kind: 'sequence', images: await readPngFiles(positionals, 'a goal image'), steps, thresholds };
  } else {
    const sources = [positionals.length > 0, !!values.file, values['current-frame']].filter(Boolean).length;
    if (sources !== 1 || positionals.length > 1) throw new CliError('give one goal: an IMAGE.png, --file NAME or --current-frame (see --help)');
    request = positionals[0]
      ? { kind: 'single', image: await readPngFile(positionals[0], 'a goal image') }
      : values.file
        ? { kind: 'single', fileName: values.file }
        : { kind: 'single', useCurrentFrame: true };
  }
  const rcl = await initRclnodejs();
  try {
    const timeoutMs = numberFlag('timeout', values.timeout, 10, 0.1, 3600) * 1000;
    const response = await sendGoal(rcl, values.node ?? `/${PLANNER_NODE}`, request, timeoutMs);
    console.log(JSON.stringify(response));
    return response['accepted'] === true ? 0 : 1;
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    rcl.shutdown();
  }
}
