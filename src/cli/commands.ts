/**
 * The `jepa-mpc` commands: a one-line summary each and the module that runs it, loaded only when
 * asked for (so that e.g. `sim-eval` never loads onnxruntime-node). src/cli/main.ts dispatches.
 */

/** A command: a one-line summary and its entry point (returns the process exit code). */
export interface Command {
  summary: string;
  load: () => Promise<{ main(argv: string[]): Promise<number> }>;
}

export const COMMANDS: Record<string, Command> = {
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
  'quantize-check': {
    summary:
      "does a quantised variant (int8, fp16 weights) plan like the fp32 model? latent/energy error, Spearman and top-k of every batch's energies (--json)",
    load: () => import('./quantize-check.js'),
  },
  sweep: {
    summary: 'success against planning compute: CEM, iCEM and MPPI sizes on pick-place and reach, table + PNG plot (--json)',
    load: () => import('./sweep.js'),
  },
  stress: {
    summary: 'the planner and simulator nodes on real timers under camera floods, worker faults or a soak: RSS, plan rate, recovery (--json)',
    load: () => import('./stress.js'),
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
  inspect: {
    summary: "a recording's channels, message counts, duration and episode verdicts (MCAP from --mcap or ros2 bag; --json)",
    load: () => import('./inspect.js'),
  },
  plan: {
    summary: 'plan one action from a current and a goal image with a world model',
    load: () => import('./plan.js'),
  },
};
