/**
 * `jepa-mpc scenario pick-place`: runs pick-and-place over ROS 2 against a running planner node
 * and simulator (the built-in one via sim_mujoco.launch.py, or Gazebo), and prints a verdict.
 * Goal images come from --goals DIR (the --subgoals scheme's files, e.g. from `jepa-mpc
 * capture-goals`: grasped.png, near.png, placed.png for the paper scheme) or, for the built-in
 * simulator, are rendered here by the scripted expert from the same seed. `--gazebo` switches the
 * topics to the Gazebo harness's (cube as TFMessage, fixed target, tool from joint states).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { TABLE_TOP_Z, SCENE_DEFAULTS } from '../../sim/scene.js';
import { createLogger } from '../log.js';
import { defaultSubgoalSteps, expertGoals, SUBGOAL_SCHEMES } from '../loop/goals.js';
import type { RgbImage } from '../model/image.js';
import { goalFiles } from '../ros/goal-capture.js';
import { GAZEBO_SCENARIO, runScenario } from '../ros/scenario.js';
import { choiceFlag, intFlag, numberFlag, onOffFlag } from './args.js';
import { CliError } from './cli-error.js';
import { readPngFiles } from './png-file.js';
import { initRclnodejs } from './ros-cli.js';

/** File names of the paper scheme's three subgoal images in a --goals folder (goalFiles(scheme) for any scheme). */
export const GOAL_FILES = goalFiles('paper');

const HELP = `usage: jepa-mpc scenario pick-place [options] [--ros-args ...]

options:
  --seed S            layout seed of the built-in simulator node (default 0; must match its seed)
  --image-size N      camera size of the simulator node (default 128)
  --shadows on|off    whether the simulator node draws shadows (default on, as sim_mujoco.launch.py and the shipped model; must match the node's 'shadows' parameter)
  --subgoals NAME     ${SUBGOAL_SCHEMES.join('|')} (default paper: ${goalFiles('paper').join(', ')}; waypoints: ${goalFiles('waypoints').join(', ')})
  --goals DIR         use the scheme's images in DIR (e.g. from 'jepa-mpc capture-goals --out DIR') instead of rendering goals
  --save-goals DIR    write the goal images used
  --steps LIST        step budget per subgoal (default paper ${defaultSubgoalSteps('pick-place', 'paper').join(',')}, waypoints ${defaultSubgoalSteps('pick-place', 'waypoints').join(',')})
  --timeout S         seconds to wait for the planner to finish (default 120)
  --planner NAME      planner node (default /jepa_mpc_planner)
  --sim NAME          simulator node to reset first (default /jepa_mpc_sim; '' for none)
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
  --json              print the verdict as JSON`;

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
      seed: { type: 'string' },
      'image-size': { type: 'string' },
      shadows: { type: 'string' },
      subgoals: { type: 'string' },
      goals: { type: 'string' },
      'save-goals': { type: 'string' },
      steps: { type: 'string' },
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
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals[0] !== 'pick-place') throw new CliError(`unknown scenario '${positionals[0] ?? ''}' (available: pick-place)`);
  const seed = intFlag('seed', values.seed, 0);
  const size = intFlag('image-size', values['image-size'], 128, 64, 256);
  const shadows = onOffFlag('shadows', values.shadows, true);
  const scheme = choiceFlag('subgoals', values.subgoals, SUBGOAL_SCHEMES, 'paper');
  const files = goalFiles(scheme);
  const steps = (values.steps ?? defaultSubgoalSteps('pick-place', scheme).join(',')).split(',').map((s, i) => intFlag(`steps[${i}]`, s.trim(), 1, 1, 1000));
  if (steps.length !== files.length) throw new CliError(`--steps needs ${files.length} values (${files.join(', ')}), got ${steps.length}`);
  // Goals rendered by the built-in simulator would not look like Gazebo's camera.
  if (values.gazebo && !values.goals) throw new CliError(`--gazebo needs --goals DIR with ${files.join(', ')} from the Gazebo camera ('jepa-mpc capture-goals --gazebo --out DIR'; docs/gazebo.md)`);
  const gazebo = values.gazebo ? GAZEBO_SCENARIO : undefined;
  const targetFlag = values['target-xyz'] ?? gazebo?.target.join(',');
  const target = targetFlag === undefined ? undefined : pointFlag(targetFlag);
  const cubeFrame = values['cube-frame'] ?? gazebo?.cubeFrame;
  let goals: RgbImage[];
  if (values.goals) {
    const dir = values.goals;
    goals = await readPngFiles(files.map((f) => join(dir, f)), 'a goal image');
  } else {
    console.error(`rendering the goal images: scripted expert, pick-place, seed ${seed}, ${size}x${size}${shadows ? ', shadows' : ''}`);
    // The node's planners pin the wrist rotation, so the expert keeps its yaw too.
    goals = (await expertGoals({ task: 'pick-place', camera: { width: size, height: size }, shadows }, 'pick-place', seed, { alignYaw: false }, scheme)).frames;
  }
  if (values['save-goals']) {
    await mkdir(values['save-goals'], { recursive: true });
    await Promise.all(goals.map((g, i) => writeFile(join(values['save-goals'] as string, files[i] as string), encode({ width: g.width, height: g.height, data: g.data, channels: 3, depth: 8 }))));
  }
  const rcl = await initRclnodejs();
  try {
    const sim = values.sim ?? (gazebo ? '' : '/jepa_mpc_sim');
    const verdict = await runScenario(
      rcl,
      {
        planner: values.planner ?? '/jepa_mpc_planner',
        ...(sim ? { sim } : {}),
        goals,
        steps,
        timeoutS: numberFlag('timeout', values.timeout, 120, 1, 36_000),
        topics: {
          cube: values['cube-topic'] ?? gazebo?.cubeTopic ?? '/sim/cube_pose',
          target: values['target-topic'] ?? '/sim/target_pose',
          pose: values['pose-topic'] ?? '/sim/current_pose',
          joints: values['joints-topic'] ?? gazebo?.jointsTopic ?? '/sim/joint_states',
        },
        cubeRestZ: numberFlag('cube-rest-z', values['cube-rest-z'], TABLE_TOP_Z + SCENE_DEFAULTS.cubeSize / 2),
        ...(cubeFrame ? { cubeFrame } : {}),
        ...(target ? { target } : {}),
        tcpFromJoints: values['tcp-from-joints'] || values.gazebo,
      },
      createLogger('scenario'),
    );
    if (values.json) console.log(JSON.stringify(verdict));
    else {
      const i = verdict.info;
      console.log(
        `pick-place: ${verdict.success ? 'SUCCESS' : 'FAILURE'} after ${verdict.elapsedS.toFixed(1)} s` +
          (i ? ` — cube ${(i.cubeToTarget * 100).toFixed(1)} cm from the target, lift ${(i.cubeLift * 100).toFixed(1)} cm, tool ${(i.cubeToTcp * 100).toFixed(1)} cm from the cube` : ' — poses never arrived') +
          (verdict.lastStatus ? `; planner: ${verdict.lastStatus}` : ''),
      );
    }
    return verdict.success ? 0 : 1;
  } catch (error) {
    throw new CliError((error as Error).message);
  } finally {
    rcl.shutdown();
  }
}
