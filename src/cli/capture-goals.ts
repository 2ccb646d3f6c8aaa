/**
 * `jepa-mpc capture-goals --out DIR`: drives the arm through the scripted pick-and-place over
 * ROS 2 (JointTrajectory from the project's IK, finger position commands — what the planner node
 * sends in joint output mode), keeps the camera frame at each subgoal, and writes DIR/<subgoal>.png
 * in one go, ready for `jepa-mpc scenario pick-place --goals DIR`. Defaults fit the built-in
 * simulator node under the /sim namespace; `--gazebo` fits launch/sim_gazebo.launch.py.
 */
import { parseArgs } from 'node:util';
import { SCENE_DEFAULTS, TABLE_TOP_Z } from '../../sim/scene.js';
import { SUBGOAL_SCHEMES } from '../loop/goals.js';
import { startGoalCapture, type CapturedFrame, type CaptureTopics } from '../ros/capture-shell.js';
import { goalFiles } from '../scenario/goal-capture.js';
import { GAZEBO_SCENARIO } from '../scenario/judge.js';
import { choiceFlag, numberFlag } from './args.js';
import { CliError } from './cli-error.js';
import { writeGoalDir } from './goal-dir.js';
import { initRclnodejs } from './ros-cli.js';
import { pointFlag } from './scenario.js';
import { simTopic } from '../ros/topics.js';

/** Topics of the built-in simulator node started with `--ros-args -r __ns:=/sim` (the scenario's defaults). */
export const SIM_CAPTURE_TOPICS: CaptureTopics = {
  image: simTopic('image'),
  joints: simTopic('jointStates'),
  cube: simTopic('cubePose'),
  target: simTopic('targetPose'),
  trajectory: simTopic('jointTrajectory'),
  gripper: simTopic('gripper'),
};

/** Seconds allowed for the first message on every topic. */
const STARTUP_TIMEOUT_S = 20;
/** Control tick (s). */
const PERIOD_S = 0.1;
/** Default time_from_start of each trajectory point (s): 7.5 cm steps at 0.15 m/s. */
const MOVE_TIME_S = 0.5;
/** Default whole-capture limit (s). */
const TIMEOUT_S = 180;

const DEFAULT_PREFIX = 'fr3_';
const DEFAULT_REST_Z = TABLE_TOP_Z + SCENE_DEFAULTS.cubeSize / 2;

const HELP = `usage: jepa-mpc capture-goals --out DIR [options] [--ros-args ...]

Drives the arm through a scripted pick-and-place over ROS 2 and saves the subgoal camera frames
as DIR/${goalFiles('paper').join(', DIR/')} (--subgoals waypoints: ${goalFiles('waypoints').join(', ')}),
for 'jepa-mpc scenario pick-place --goals DIR'. Run it with the simulation only (no planner
commanding the arm); the cube is moved, so reset the simulation afterwards.

options:
  --out DIR             goals folder to create (written only when every frame is captured)
  --force               replace DIR if it exists and is not empty
  --subgoals NAME       ${SUBGOAL_SCHEMES.join('|')} (default paper)
  --gazebo              launch/sim_gazebo.launch.py (start_planner:=false): camera ${GAZEBO_SCENARIO.cameraTopic}, joints ${GAZEBO_SCENARIO.jointsTopic},
                        cube ${GAZEBO_SCENARIO.cubeTopic} (frame ${GAZEBO_SCENARIO.cubeFrame}), target ${GAZEBO_SCENARIO.target.join(',')},
                        /<prefix>${GAZEBO_SCENARIO.armControllerSuffix}/joint_trajectory, /<prefix>${GAZEBO_SCENARIO.gripperControllerSuffix}/commands
  --image-topic T       sensor_msgs/Image (default ${SIM_CAPTURE_TOPICS.image})
  --wrist-topic T       also the hand camera's sensor_msgs/Image, saved beside the front view: goals for a
                        two-view (front, wrist) model (the built-in simulator's: ${simTopic('wristImage')}, sim node wrist:=true)
  --joints-topic T      sensor_msgs/JointState, arm and fingers (default ${SIM_CAPTURE_TOPICS.joints})
  --cube-topic T        cube PoseStamped (default ${SIM_CAPTURE_TOPICS.cube})
  --cube-frame NAME     the cube topic is a tf2_msgs/TFMessage; use the transform with this child_frame_id
  --target-topic T      target PoseStamped (default ${SIM_CAPTURE_TOPICS.target})
  --target-xyz=X,Y,Z    fixed target point (m, base frame) instead of --target-topic
  --trajectory-topic T  JointTrajectory out (default ${SIM_CAPTURE_TOPICS.trajectory})
  --gripper-topic T     Float64MultiArray finger positions out (default ${SIM_CAPTURE_TOPICS.gripper})
  --joint-prefix P      arm joint name prefix in trajectories (default ${DEFAULT_PREFIX})
  --cube-rest-z Z       cube centre height on the table (default ${DEFAULT_REST_Z} m)
  --move-time S         time_from_start of each trajectory point (default ${MOVE_TIME_S})
  --timeout S           give up after S seconds, writing nothing (default ${TIMEOUT_S})`;

/** Entry point of `jepa-mpc capture-goals`. */
export async function main(argv: string[]): Promise<number> {
  const rosArgs = argv.indexOf('--ros-args');
  const { values } = parseArgs({
    args: rosArgs >= 0 ? argv.slice(0, rosArgs) : argv,
    options: {
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      subgoals: { type: 'string' },
      gazebo: { type: 'boolean', default: false },
      'image-topic': { type: 'string' },
      'wrist-topic': { type: 'string' },
      'joints-topic': { type: 'string' },
      'cube-topic': { type: 'string' },
      'cube-frame': { type: 'string' },
      'target-topic': { type: 'string' },
      'target-xyz': { type: 'string' },
      'trajectory-topic': { type: 'string' },
      'gripper-topic': { type: 'string' },
      'joint-prefix': { type: 'string' },
      'cube-rest-z': { type: 'string' },
      'move-time': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = values.out;
  if (!out) throw new CliError('--out DIR is required (the goals folder to create)');
  const scheme = choiceFlag('subgoals', values.subgoals, SUBGOAL_SCHEMES, 'paper');
  const prefix = values['joint-prefix'] ?? DEFAULT_PREFIX;
  const g = values.gazebo;
  const topics: CaptureTopics = {
    image: values['image-topic'] ?? (g ? GAZEBO_SCENARIO.cameraTopic : SIM_CAPTURE_TOPICS.image),
    ...(values['wrist-topic'] ? { wristImage: values['wrist-topic'] } : {}),
    joints: values['joints-topic'] ?? (g ? GAZEBO_SCENARIO.jointsTopic : SIM_CAPTURE_TOPICS.joints),
    cube: values['cube-topic'] ?? (g ? GAZEBO_SCENARIO.cubeTopic : SIM_CAPTURE_TOPICS.cube),
    target: values['target-topic'] ?? SIM_CAPTURE_TOPICS.target,
    trajectory: values['trajectory-topic'] ?? (g ? `/${prefix}${GAZEBO_SCENARIO.armControllerSuffix}/joint_trajectory` : SIM_CAPTURE_TOPICS.trajectory),
    gripper: values['gripper-topic'] ?? (g ? `/${prefix}${GAZEBO_SCENARIO.gripperControllerSuffix}/commands` : SIM_CAPTURE_TOPICS.gripper),
  };
  const targetFlag = values['target-xyz'] ?? (g ? GAZEBO_SCENARIO.target.join(',') : undefined);
  const target = targetFlag === undefined ? undefined : pointFlag(targetFlag);
  const cubeFrame = values['cube-frame'] ?? (g ? GAZEBO_SCENARIO.cubeFrame : undefined);
  const restZ = numberFlag('cube-rest-z', values['cube-rest-z'], DEFAULT_REST_Z);
  const timeoutS = numberFlag('timeout', values.timeout, TIMEOUT_S, 1, 36_000);
  const moveTimeS = numberFlag('move-time', values['move-time'], MOVE_TIME_S, 0.05, 10);

  const rcl = await initRclnodejs();
  try {
    console.error(`capture-goals: ${scheme} subgoals (${goalFiles(scheme).join(', ')}) → ${out}; commands on ${topics.trajectory} and ${topics.gripper}`);
    const run = startGoalCapture(rcl, {
      topics,
      scheme,
      ...(cubeFrame ? { cubeFrame } : {}),
      ...(target ? { target } : {}),
      restZ,
      jointPrefix: prefix,
      timeoutS,
      startupTimeoutS: Math.min(STARTUP_TIMEOUT_S, timeoutS),
      periodS: PERIOD_S,
      moveTimeS,
      onProgress: (line) => console.error(`capture-goals: ${line}`),
    });
    let frames: CapturedFrame[];
    try {
      frames = await run.done;
    } finally {
      run.close();
    }
    await writeGoalDir(
      out,
      frames,
      { scheme, topics, target: target ?? null, frames: frames.map((f) => ({ name: f.name, file: f.file, tcp: f.tcp })), capturedAt: new Date().toISOString() },
      values.force,
    );
    console.log(`wrote ${out}: ${frames.map((f) => f.file).join(', ')}`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`capture-goals: ${(error as Error).message}`);
  } finally {
    rcl.shutdown();
  }
}
