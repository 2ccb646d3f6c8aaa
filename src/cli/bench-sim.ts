/**
 * `jepa-mpc bench-sim`: throughput of the built-in simulator on this machine — raw physics
 * substeps, rendered frames, and full control steps (IK + physics + rendering) while the scripted
 * expert does pick-and-place. Prints a table, or one JSON object with --json.
 */
import { cpus, loadavg } from 'node:os';
import { ScriptedExpert } from '../../sim/expert.js';
import { TabletopSim } from '../../sim/tabletop.js';
import { commandFlags, intFlag } from './args.js';
import { formatTable, round } from './table.js';

const HELP = `usage: jepa-mpc bench-sim [options]

Measures the built-in simulator: physics steps/s, rendered frames/s and control steps/s
(IK + physics + rendering per action) while the scripted expert picks and places. Rates are
given per wall-clock second and per CPU second of this process (the latter does not drop when
other processes share the cores).

options:
  --size PX          camera image side (default 128)
  --steps N          timed control steps (default 400)
  --frames N         timed rendered frames (default 2000)
  --physics-steps N  timed physics substeps (default 50000)
  --json             print one JSON object instead of a table`;

/** Control steps run before timing, so the JIT has warmed up. */
const WARMUP_STEPS = 40;

function parse(argv: string[]) {
  return commandFlags('bench-sim', argv, {
    size: { type: 'string' },
    steps: { type: 'string' },
    frames: { type: 'string' },
    'physics-steps': { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
}

/** Runs scripted pick-and-place episodes (seed 0, 1, …) for `steps` control steps. */
function runControlSteps(sim: TabletopSim, steps: number): void {
  let seed = 0;
  let expert = new ScriptedExpert(sim);
  let obs = sim.reset(seed);
  for (let i = 0; i < steps; i++) {
    if (obs.done) {
      expert = new ScriptedExpert(sim);
      obs = sim.reset(++seed);
    }
    obs = sim.step(expert.act(obs));
  }
}

/** Rates per wall-clock second and per second of this process's CPU time (load-independent). */
function perSecond(count: number, run: () => void): { wall: number; cpu: number } {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: count / ((performance.now() - start) / 1000), cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

/** Entry point of `jepa-mpc bench-sim`. */
export async function main(argv: string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const size = intFlag('size', values.size, 128, 16, 1024);
  const steps = intFlag('steps', values.steps, 400, 1, 1_000_000);
  const frames = intFlag('frames', values.frames, 2000, 1, 1_000_000);
  const physicsSteps = intFlag('physics-steps', values['physics-steps'], 50_000, 1, 100_000_000);

  const sim = await TabletopSim.create({ task: 'pick-place', camera: { width: size, height: size } });
  try {
    runControlSteps(sim, WARMUP_STEPS);
    const controlStepsPerSec = perSecond(steps, () => runControlSteps(sim, steps));
    sim.reset(0);
    const renderFramesPerSec = perSecond(frames, () => {
      for (let i = 0; i < frames; i++) sim.renderFrame();
    });
    sim.reset(0);
    const physicsStepsPerSec = perSecond(physicsSteps, () => sim.stepPhysics(physicsSteps));
    const result = {
      physicsStepsPerSec: round(physicsStepsPerSec.wall, 0),
      renderFramesPerSec: round(renderFramesPerSec.wall, 0),
      controlStepsPerSec: round(controlStepsPerSec.wall, 1),
      physicsStepsPerCpuSec: round(physicsStepsPerSec.cpu, 0),
      renderFramesPerCpuSec: round(renderFramesPerSec.cpu, 0),
      controlStepsPerCpuSec: round(controlStepsPerSec.cpu, 1),
      loadAverage: round(loadavg()[0] ?? 0, 2),
      imageSize: size,
      substepsPerControlStep: sim.substeps,
      physicsTimestep: 0.002,
      triangles: sim.triangleCount,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(
        formatTable(
          ['measure', 'per second', 'per CPU second', 'note'],
          [
            ['physics steps', result.physicsStepsPerSec, result.physicsStepsPerCpuSec, `2 ms MuJoCo substeps, ${physicsSteps} timed`],
            [`rendered frames ${size}x${size}`, result.renderFramesPerSec, result.renderFramesPerCpuSec, `${result.triangles} triangles, ${frames} timed`],
            ['control steps', result.controlStepsPerSec, result.controlStepsPerCpuSec, `IK + ${sim.substeps} substeps + render, ${steps} timed`],
          ],
        ),
      );
      console.log(`${result.cpu}, ${result.cores} cores, load average ${result.loadAverage}, node ${result.node}`);
    }
  } finally {
    sim.close();
  }
  return 0;
}
