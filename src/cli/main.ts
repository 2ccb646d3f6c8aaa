#!/usr/bin/env node
/**
 * `jepa-mpc <command> [options]`: the command-line entry point. Each command lives in its own
 * module, loaded only when asked for, so that e.g. `sim-eval` never loads onnxruntime-node.
 */
import { userErrorMessage } from './cli-error.js';

/** A command: a one-line summary and its entry point (returns the process exit code). */
interface Command {
  summary: string;
  load: () => Promise<{ main(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  bench: {
    summary: 'benchmark one planning step: batched vs per-candidate rollout (--json)',
    load: () => import('./bench.js'),
  },
  'sim-eval': { summary: 'run the scripted expert or random actions on the built-in simulator (--json)', load: () => import('./sim-eval.js') },
  'bench-sim': { summary: 'benchmark the built-in simulator: physics, rendering, control steps/s (--json)', load: () => import('./bench-sim.js') },
  'collect-goals': {
    summary: "record goal sets (first frame + the expert's subgoal frames) for training a subgoal proposer",
    load: () => import('./collect-goals.js'),
  },
  collect: { summary: 'record a training dataset in the built-in simulator (docs/dataset-format.md)', load: () => import('./collect.js') },
  demo: {
    summary: 'one planned pick-and-place episode in the built-in simulator: GIF, energy plot, landscape',
    load: () => import('./demo.js'),
  },
  'provider-check': {
    summary: "compare an execution provider's latents and energies with the CPU's on the same inputs (--json)",
    load: () => import('./provider-check.js'),
  },
  sweep: {
    summary: 'success against planning compute: CEM, iCEM and MPPI sizes on pick-place and reach, table + PNG plot (--json)',
    load: () => import('./sweep.js'),
  },
  eval: {
    summary: 'planner success rate over seeded simulator episodes (--json)',
    load: () => import('./eval.js'),
  },
  params: {
    summary: "the planner node's parameters (--yaml: a ROS 2 params file)",
    load: () => import('./params.js'),
  },
  run: {
    summary: 'start the planner as a ROS 2 node (needs a sourced ROS 2 and rclnodejs)',
    load: () => import('./run.js'),
  },
  'sim-node': {
    summary: 'the built-in simulator as a ROS 2 node (needs ROS 2)',
    load: () => import('./sim-node.js'),
  },
  scenario: {
    summary: 'pick-and-place over ROS 2 against a running planner and simulator, with a verdict',
    load: () => import('./scenario.js'),
  },
  'capture-goals': {
    summary: 'drive a scripted pick-and-place over ROS 2 and save the subgoal camera frames (needs ROS 2)',
    load: () => import('./capture-goals.js'),
  },
  'send-goal': {
    summary: 'send goal image(s) to a running planner node (needs ROS 2)',
    load: () => import('./send-goal.js'),
  },
  plan: {
    summary: 'plan one action from a current and a goal image with a world model',
    load: () => import('./plan.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: jepa-mpc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` + `Run 'jepa-mpc <command> --help' for a command's options.`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`jepa-mpc: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = userErrorMessage(error);
    if (message !== undefined) {
      console.error(`jepa-mpc: ${message}`);
      process.exitCode = 2;
    } else {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    }
  },
);
