/**
 * `jepa-mpc send-goal`: sends goal images to a running planner node, through the SetGoal services
 * or, with --action, as a PickPlace action goal: the feedback is shown as a progress line and the
 * result printed when the goal ends (Ctrl-C cancels it).
 *   jepa-mpc send-goal goal.png
 *   jepa-mpc send-goal --current-frame
 *   jepa-mpc send-goal --file pick/grasped.png          (a file inside the node's goal_dir)
 *   jepa-mpc send-goal --sequence a.png b.png c.png --steps 4,10,4 [--thresholds 0,0,0.2]
 *   jepa-mpc send-goal --sequence grasped.png near.png placed.png --stages "grasped,near target,placed"
 *   jepa-mpc send-goal --action placed.png [--goal-timeout 60]
 */
import { parseArgs } from 'node:util';
import { feedbackLine, pickPlaceGoalMsg, sendActionGoal, sendGoal, type GoalRequest } from '../ros/send-goal.js';
import { intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { readPngFile, readPngFiles } from './png-file.js';
import { initRclnodejs } from './ros-cli.js';
import { PLANNER_NODE } from '../ros/topics.js';

const HELP = `usage: jepa-mpc send-goal [--action] IMAGE.png | --current-frame | --file NAME | --sequence A.png B.png ... --steps 4,10,4

options:
  --action           send a PickPlace action goal (~/pick_place): a progress line per plan, then the
                     result as JSON; Ctrl-C cancels the goal; exit 0 only when it is REACHED
  --goal-timeout S   with --action: the goal's own timeout on the node's clock (default 0 = none;
                     --steps optional: without them one goal takes the node's defaults)
  --node NAME        planner node (default /jepa_mpc_planner)
  --steps LIST       step budget per goal of a sequence (required with --sequence, unless --stages)
  --stages LIST      with --sequence: the subgoal proposer's stage each image shows, e.g.
                     "grasped,near target,placed" (the model's manifest lists them); the node's
                     proposer fills in the stages between (without --steps: the proposer's budgets)
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
      stages: { type: 'string' },
      file: { type: 'string' },
      'current-frame': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      action: { type: 'boolean', default: false },
      'goal-timeout': { type: 'string' },
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
    const names = (values.stages ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (values.stages !== undefined && names.length !== positionals.length)
      throw new CliError(`--stages needs ${positionals.length} names (one per image), got ${names.length}`);
    // the action takes the node's default budgets; named stages the proposer's
    const optional = (values.action || names.length > 0) && steps.length === 0;
    if (!optional && steps.length !== positionals.length) throw new CliError(`--steps needs ${positionals.length} values (one per image), got ${steps.length}`);
    const thresholds = list('thresholds', values.thresholds, (n, v) => numberFlag(n, v, 0, 0));
    if (thresholds.length !== 0 && thresholds.length !== positionals.length) throw new CliError(`--thresholds needs none or ${positionals.length} values`);
    request = { kind: 'sequence', images: await readPngFiles(positionals, 'a goal image'), steps, thresholds, ...(names.length ? { names } : {}) };
  } else {
    if (values.stages !== undefined) throw new CliError('--stages names the images of a --sequence');
    const sources = [positionals.length > 0, !!values.file, values['current-frame']].filter(Boolean).length;
    if (sources !== 1 || positionals.length > 1) throw new CliError('give one goal: an IMAGE.png, --file NAME or --current-frame (see --help)');
    request = positionals[0]
      ? { kind: 'single', image: await readPngFile(positionals[0], 'a goal image') }
      : values.file
        ? { kind: 'single', fileName: values.file }
        : { kind: 'single', useCurrentFrame: true };
  }
  if (values['goal-timeout'] !== undefined && !values.action) throw new CliError('--goal-timeout needs --action');
  const goalTimeoutS = numberFlag('goal-timeout', values['goal-timeout'], 0, 0, 86_400);
  const rcl = await initRclnodejs();
  try {
    const timeoutMs = numberFlag('timeout', values.timeout, 10, 0.1, 3600) * 1000;
    if (values.action) return await runAction(rcl, values.node ?? `/${PLANNER_NODE}`, pickPlaceGoalMsg(request, goalTimeoutS), timeoutMs);
    const response = await sendGoal(rcl, values.node ?? `/${PLANNER_NODE}`, request, timeoutMs);
    console.log(JSON.stringify(response));
    return response['accepted'] === true ? 0 : 1;
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    rcl.shutdown();
  }
}

/** Sends the action goal: a progress line per feedback on stderr, the result as JSON on stdout. */
async function runAction(rcl: Awaited<ReturnType<typeof initRclnodejs>>, node: string, goal: object, waitMs: number): Promise<number> {
  const tty = process.stderr.isTTY;
  const abort = new AbortController();
  const onInt = () => abort.abort();
  rcl.removeSignalHandlers?.(); // Ctrl-C cancels the goal; the result still arrives before rclnodejs shuts down
  process.once('SIGINT', onInt);
  try {
    const outcome = await sendActionGoal(rcl, node, goal, {
      waitMs,
      signal: abort.signal,
      onFeedback: (f) => process.stderr.write(tty ? `\r\x1b[K${feedbackLine(f)}` : `${feedbackLine(f)}\n`),
    });
    if (tty) process.stderr.write('\n');
    if (!outcome.accepted) {
      console.log(JSON.stringify({ accepted: false, message: "goal rejected (the planner's log says why)" }));
      return 1;
    }
    console.log(JSON.stringify({ accepted: true, status: outcome.status, ...outcome.result }));
    return outcome.result['outcome_name'] === 'REACHED' ? 0 : 1;
  } finally {
    process.off('SIGINT', onInt);
  }
}
