/**
 * `jepa-mpc scenario pick-place`: pick-and-place over ROS 2 as an evaluation, against a running
 * planner node and simulator (the built-in one via sim_mujoco.launch.py, or Gazebo). Per episode
 * it seeds and resets the simulator node, sends the goal images (a PickPlace action goal when the
 * planner serves it, else the goal services; --services forces them), waits, holds the planner and
 * judges the cube; it prints the same summary fields as `eval` (successRate, lifted, per-episode
 * results). Camera size, shadows, goal scheme and budgets default to what the model's manifest
 * says it was trained and measured with (as `eval`'s do); the timeout follows from the budgets and
 * the plan time the planner reports. Goal images come from --goals DIR (e.g. `jepa-mpc
 * capture-goals`) or, for the built-in simulator, are rendered by the scripted expert from each
 * episode's seed. `--gazebo` switches the topics to the Gazebo harness's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { TABLE_TOP_Z, SCENE_DEFAULTS } from '../../sim/scene.js';
import { createLogger } from '../log.js';
import { defaultSubgoalSteps, expertGoals, SUBGOAL_PLANS } from '../loop/goals.js';
import type { RgbImage } from '../model/image.js';
import { loadManifest } from '../model/manifest.js';
import { modelDir } from '../paths.js';
import { goalFiles } from '../scenario/goal-capture.js';
import { runScenario, type ScenarioEpisode } from '../ros/scenario.js';
import { GAZEBO_SCENARIO } from '../scenario/judge.js';
import { intFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { precisionFlag } from './model-flags.js';
import { episodeSimOptions, PERTURBATION_OPTIONS, perturbationFlagValues, SIM_MODEL, runSettings } from './planned-run.js';
import { readPngFiles } from './png-file.js';
import { initRclnodejs } from './ros-cli.js';
import { round } from './table.js';
import { PLANNER_NODE, SIM_NODE, simTopic } from '../ros/topics.js';
import { scenarioRecorder } from '../record/scenario-recording.js';
import type { McapRecorder } from '../record/mcap-recorder.js';
import { MCAP_OPTION, mcapHelp, openRecording } from './mcap-flag.js';

/** File names of the paper scheme's three subgoal images in a --goals folder (goalFiles(scheme) for any scheme). */
export const GOAL_FILES = goalFiles('paper');

const HELP = `usage: jepa-mpc scenario pick-place [options] [--ros-args ...]

options:
  --episodes N        episodes, seeds S, S+1, … (default 1); the simulator node is seeded and reset for each
  --seed S            first layout seed (default 0)
  --model DIR         the model the planner node runs (default models/${SIM_MODEL}): camera size, shadows and goal scheme default to its manifest's
  --precision P       read the folder's manifest of that precision (its settings above are every precision's; the node plans with its model_precision)
  --image-size N      camera size of the simulator node (default: the model's input size; must match the node's image_size)
  --shadows on|off    whether the simulator node draws shadows (default: the model's simulator.shadows; must match the node's)
  --subgoals NAME     paper|waypoints|final (default: the model's simulator.subgoals; paper: ${goalFiles('paper').join(', ')}; waypoints: ${goalFiles('waypoints').join(', ')}; final: ${goalFiles('final').join(', ')}, the planner's proposer makes the stages)
  --subgoal-steps LIST step budget per subgoal (default paper ${defaultSubgoalSteps('pick-place', 'paper').join(',')}, waypoints ${defaultSubgoalSteps('pick-place', 'waypoints').join(',')})
  --propose on|off    send the images' stage names so that the planner's subgoal proposer fills in the
                      stages no image was given for, with its budgets unless --subgoal-steps (default on
                      when the model has a proposer whose stages the --subgoals images fit; the planner's
                      propose_stages must be on, as it is by default)
  --light-azimuth DEG, --light-elevation DEG, --light-intensity X, --camera-jitter CM,DEG,
  --cube-colour C, --table-colour C, --distractors N
                      draw the goal images in a perturbed world, as eval does (the camera moved per seed);
                      launch the simulator node with the same appearance (sim_mujoco.launch.py
                      light_azimuth_deg:=90 camera_jitter_cm:=2 camera_jitter_deg:=2 ...)
  --goals DIR         use the scheme's images in DIR for every episode (e.g. from 'jepa-mpc capture-goals --out DIR') instead of rendering them
  --save-goals DIR    write the goal images used (seed-N-NAME.png)
  --timeout S         seconds per episode (default: the budgets x (the reported plan time + 3 control periods) + 30 s)
  --planner NAME      planner node (default /jepa_mpc_planner)
  --sim NAME          simulator node to seed and reset (default /jepa_mpc_sim; '' for none)
  --cube-topic T      cube PoseStamped (default /sim/cube_pose)
  --target-topic T    target PoseStamped (default /sim/target_pose)
  --pose-topic T      tool PoseStamped (default /sim/current_pose)
  --joints-topic T    JointState with the finger joints (default /sim/joint_states)
  --cube-rest-z Z     cube centre height on the table (default ${TABLE_TOP_Z + SCENE_DEFAULTS.cubeSize / 2} m)
  --cube-frame NAME   the cube topic is a tf2_msgs/TFMessage; use the transform with this child_frame_id
  --target-xyz=X,Y,Z  fixed target point (m, base frame) instead of --target-topic
  --tcp-from-joints   tool position from forward kinematics of the arm joints in --joints-topic
  --gazebo            the Gazebo harness (launch/sim_gazebo.launch.py): --cube-topic ${GAZEBO_SCENARIO.cubeTopic}
                      --cube-frame ${GAZEBO_SCENARIO.cubeFrame} --target-xyz=${GAZEBO_SCENARIO.target.join(',')} --tcp-from-joints
                      --joints-topic ${GAZEBO_SCENARIO.jointsTopic} --sim ''; needs --goals (images from Gazebo's camera)
${mcapHelp("what the scenario hears: the simulator's and the planner's topics as they arrive (stamped on arrival, as ros2 bag record does), TF, energy, the goal images and each episode's verdict")}
  --services          send the goals with SetGoal / SetGoalSequence even when the planner serves the
                      PickPlace action (the default uses the action when it is there)
  --json              print one JSON object (the summary and per-episode results)`;

/** Parses --target-xyz: three finite numbers separated by commas. */
export function pointFlag(value: string): number[] {
  const parts = value.split(',');
  const xyz = parts.map(Number);
  if (parts.length !== 3 || parts.some((v) => v.trim() === '') || !xyz.every(Number.isFinite)) {
    throw new CliError(`--target-xyz must be X,Y,Z (three numbers, metres), got '${value}'`);
  }
  return xyz;
}

/** Entry point of `jepa-mpc scenario`. */
export async function main(argv: string[]): Promise<number> {
  const rosArgs = argv.indexOf('--ros-args');
  const { values, positionals } = parseArgs({
    args: rosArgs >= 0 ? argv.slice(0, rosArgs) : argv,
    allowPositionals: true,
    options: {
      episodes: { type: 'string' },
      seed: { type: 'string' },
      model: { type: 'string' },
      precision: { type: 'string' },
      'image-size': { type: 'string' },
      shadows: { type: 'string' },
      subgoals: { type: 'string' },
      'subgoal-steps': { type: 'string' },
      propose: { type: 'string' },
      ...PERTURBATION_OPTIONS,
      goals: { type: 'string' },
      'save-goals': { type: 'string' },
      timeout: { type: 'string' },
      planner: { type: 'string' },
      sim: { type: 'string' },
      'cube-topic': { type: 'string' },
      'target-topic': { type: 'string' },
      'pose-topic': { type: 'string' },
      'joints-topic': { type: 'string' },
      'cube-rest-z': { type: 'string' },
      'cube-frame': { type: 'string' },
      'target-xyz': { type: 'string' },
      'tcp-from-joints': { type: 'boolean', default: false },
      gazebo: { type: 'boolean', default: false },
      ...MCAP_OPTION,
      services: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals[0] !== 'pick-place') throw new CliError(`unknown scenario '${positionals[0] ?? ''}' (available: pick-place)`);
  const episodes = intFlag('episodes', values.episodes, 1, 1, 100_000);
  let manifest;
  try {
    manifest = (await loadManifest(values.model ?? modelDir(SIM_MODEL), precisionFlag(values.precision))).manifest;
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  // The same settings as `eval` for this model: camera, shadows, goal scheme, budgets.
  const s = runSettings(
    {
      task: 'pick-place',
      seed: values.seed,
      'image-size': values['image-size'],
      shadows: values.shadows,
      subgoals: values.subgoals,
      'subgoal-steps': values['subgoal-steps'],
      propose: values.propose,
      ...perturbationFlagValues(values),
    },
    { manifest },
    'pick-place',
  );
  const files = goalFiles(s.subgoals);
  // Several images and the proposer on: named by stage, the planner fills in the others (its budgets unless given).
  const proposer = s.propose && files.length > 1 ? manifest.subgoalProposer : undefined;
  const steps = s.subgoalSteps ?? (proposer ? [] : defaultSubgoalSteps('pick-place', s.subgoals));
  if (steps.length !== files.length && !(proposer && steps.length === 0))
    throw new CliError(`--subgoal-steps needs ${files.length} values (${files.join(', ')}), got ${steps.length}`);
  // Goals rendered by the built-in simulator would not look like Gazebo's camera.
  if (values.gazebo && !values.goals)
    throw new CliError(
      `--gazebo needs --goals DIR with ${files.join(', ')} from the Gazebo camera ('jepa-mpc capture-goals --gazebo --out DIR'; docs/gazebo.md)`,
    );
  const gazebo = values.gazebo ? GAZEBO_SCENARIO : undefined;
  const targetFlag = values['target-xyz'] ?? gazebo?.target.join(',');
  const target = targetFlag === undefined ? undefined : pointFlag(targetFlag);
  const cubeFrame = values['cube-frame'] ?? gazebo?.cubeFrame;
  const fixedGoals = values.goals
    ? await readPngFiles(
        files.map((f) => join(values.goals as string, f)),
        'a goal image',
      )
    : undefined;
  const goalsFor = async (seed: number): Promise<readonly RgbImage[]> => {
    const size = s.sim.camera?.width ?? 0;
    if (!fixedGoals)
      console.error(`rendering the goal images: scripted expert, pick-place, seed ${seed}, ${size}x${size}${s.sim.shadows ? ', shadows' : ''}, ${s.subgoals}`);
    // The node's planners pin the wrist rotation, so the expert keeps its yaw too (the settings say so).
    const goals = fixedGoals ?? (await expertGoals(episodeSimOptions(s, seed), 'pick-place', seed, s.expert, s.subgoals)).frames;
    const dir = values['save-goals'];
    if (dir) {
      await mkdir(dir, { recursive: true });
      await Promise.all(
        goals.map((g, i) =>
          writeFile(join(dir, `seed-${seed}-${files[i] as string}`), encode({ width: g.width, height: g.height, data: g.data, channels: 3, depth: 8 })),
        ),
      );
    }
    return goals;
  };
  const planner = values.planner ?? `/${PLANNER_NODE}`;
  const recorder: McapRecorder | undefined = await openRecording(values.mcap, {
    command: 'scenario',
    model: manifest.name,
    task: 'pick-place',
    seed: s.seed,
    episodes,
    controlPeriodS: manifest.controlPeriodS,
    loop: 'ros',
  });
  const rcl = await initRclnodejs().catch(async (error: unknown) => {
    await recorder?.close();
    throw error;
  });
  try {
    const sim = values.sim ?? (gazebo ? '' : `/${SIM_NODE}`);
    const timeoutS = values.timeout === undefined ? undefined : numberFlag('timeout', values.timeout, 0, 1, 36_000);
    const results = await runScenario(
      rcl,
      {
        planner,
        ...(sim ? { sim } : {}),
        seeds: Array.from({ length: episodes }, (_, k) => s.seed + k),
        goalsFor,
        steps,
        ...(proposer ? { stageNames: SUBGOAL_PLANS['pick-place'][s.subgoals].map((g) => g.name), plannedSteps: proposer.steps } : {}),
        periodS: manifest.controlPeriodS,
        ...(timeoutS !== undefined ? { timeoutS } : {}),
        topics: {
          cube: values['cube-topic'] ?? gazebo?.cubeTopic ?? simTopic('cubePose'),
          target: values['target-topic'] ?? simTopic('targetPose'),
          pose: values['pose-topic'] ?? simTopic('pose'),
          joints: values['joints-topic'] ?? gazebo?.jointsTopic ?? simTopic('jointStates'),
        },
        cubeRestZ: numberFlag('cube-rest-z', values['cube-rest-z'], TABLE_TOP_Z + SCENE_DEFAULTS.cubeSize / 2),
        ...(cubeFrame ? { cubeFrame } : {}),
        ...(target ? { target } : {}),
        tcpFromJoints: values['tcp-from-joints'] || values.gazebo,
        useAction: !values.services,
        onEpisode: (e) => {
          if (!values.json) console.log(episodeLine(e));
        },
        ...(recorder ? { recorder: scenarioRecorder(recorder, { planner, stageNames: files.map((f) => f.replace(/\.png$/, '')) }) } : {}),
      },
      createLogger('scenario'),
    );
    const summary = scenarioSummary(results, { seed: s.seed, subgoals: s.subgoals, steps });
    if (values.json) console.log(JSON.stringify(summary));
    else
      console.log(
        `pick-place over ROS: ${summary.successes}/${summary.episodes} successful (${(summary.successRate * 100).toFixed(1)}%), lifted ${summary.lifted}, mean steps ${summary.meanSteps}, ${summary.meanPlanMs} ms per plan`,
      );
    return summary.successes === summary.episodes ? 0 : 1;
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    await recorder?.close();
    rcl.shutdown();
  }
}

/** One episode's line. */
function episodeLine(e: ScenarioEpisode): string {
  const i = e.info;
  return (
    `seed ${String(e.seed).padStart(6)}  ${e.success ? 'success' : 'failure'}  steps ${String(e.steps).padStart(3)}  ${e.elapsedS.toFixed(1)} s` +
    (i
      ? `  cube→target ${(i.cubeToTarget * 100).toFixed(1)} cm  lift ${(i.cubeLift * 100).toFixed(1)} cm  tool→cube ${(i.cubeToTcp * 100).toFixed(1)} cm${e.lifted ? '  lifted' : ''}`
      : '  poses never arrived') +
    (e.lastStatus ? `  planner: ${e.lastStatus}` : '')
  );
}

/** The summary `scenario --json` prints: `eval`'s fields where they apply. */
export function scenarioSummary(results: readonly ScenarioEpisode[], o: { seed: number; subgoals: string; steps: readonly number[] }) {
  const n = results.length;
  const successes = results.filter((r) => r.success).length;
  const planned = results.filter((r) => Number.isFinite(r.meanPlanMs));
  return {
    task: 'pick-place',
    loop: 'ros',
    episodes: n,
    successes,
    successRate: n ? successes / n : 0,
    lifted: results.filter((r) => r.lifted).length,
    subgoals: o.subgoals,
    subgoalSteps: [...o.steps],
    meanPlanMs: round(planned.reduce((a, r) => a + r.meanPlanMs, 0) / Math.max(1, planned.length), 1),
    meanSteps: round(results.reduce((a, r) => a + r.steps, 0) / Math.max(1, n), 2),
    seed: o.seed,
    results: results.map((r) => ({
      seed: r.seed,
      success: r.success,
      lifted: r.lifted,
      steps: r.steps,
      ...(r.info ? { cubeToTarget: round(r.info.cubeToTarget, 4), cubeLift: round(r.info.cubeLift, 4), tcpToCube: round(r.info.cubeToTcp, 4) } : {}),
      meanPlanMs: round(r.meanPlanMs, 1),
      elapsedS: round(r.elapsedS, 1),
      ...(r.lastStatus ? { lastStatus: r.lastStatus } : {}),
    })),
  };
}
