/**
 * The pick-and-place scenario runner over ROS 2: send the three subgoal images to the planner with
 * SetGoalSequence, let it run until its budgets are spent (GOAL_REACHED) or a timeout, and judge
 * the outcome from the cube, target and tool poses and the finger opening — the same criterion as
 * the built-in simulator's (cube within 5 cm of the target, on the table, released, gripper away).
 */
import { evaluateTask, type TaskInfo } from '../../sim/tasks.js';
import type { Logger } from '../log.js';
import type { RgbImage } from '../model/image.js';
import { FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import type { JointStateMsg, PoseStampedMsg } from './convert.js';
import type { RclModule } from './rcl-types.js';
import { imageToMsg } from './send-goal.js';

/** What the runner listens to and whom it talks to. */
export interface ScenarioOptions {
  /** Planner node name, e.g. /jepa_mpc_planner. */
  readonly planner: string;
  /** Simulator node to reset first (its ~/reset Trigger), or undefined. */
  readonly sim?: string;
  readonly goals: readonly RgbImage[];
  readonly steps: readonly number[];
  readonly timeoutS: number;
  readonly topics: { readonly cube: string; readonly target: string; readonly pose: string; readonly joints: string };
  /** Cube centre height when resting on the table (m). */
  readonly cubeRestZ: number;
}

/** The latest poses the verdict is made from. */
export interface SceneSnapshot {
  tcp?: readonly number[];
  cube?: readonly number[];
  target?: readonly number[];
  /** Mean finger opening per finger (m). */
  fingerOpening?: number;
}

/** Judges pick-and-place from a snapshot; undefined while a pose is still missing. */
export function judgePickPlace(s: SceneSnapshot, cubeRestZ: number): TaskInfo | undefined {
  if (!s.tcp || !s.cube || !s.target || s.fingerOpening === undefined) return undefined;
  const closedness = 1 - Math.min(1, Math.max(0, s.fingerOpening / FINGER_TRAVEL));
  return evaluateTask('pick-place', { tcp: s.tcp, cube: s.cube, target: s.target, restZ: cubeRestZ, gripperCommand: closedness });
}

const position = (m: PoseStampedMsg) => [m.pose.position.x, m.pose.position.y, m.pose.position.z];

/** Runs the scenario; resolves with the verdict (undefined info when poses never arrived). */
export async function runScenario(rcl: RclModule, o: ScenarioOptions, log: Logger): Promise<{ success: boolean; info?: TaskInfo; lastStatus?: string; elapsedS: number }> {
  const node = rcl.createNode('jepa_mpc_scenario');
  const snapshot: SceneSnapshot = {};
  let lastStatus: { code_name: string; message: string; subgoal_index: number; subgoal_count: number } | undefined;
  const opts = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };
  node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.cube, opts, (m: PoseStampedMsg) => (snapshot.cube = position(m)));
  node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.target, opts, (m: PoseStampedMsg) => (snapshot.target = position(m)));
  node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.pose, opts, (m: PoseStampedMsg) => (snapshot.tcp = position(m)));
  node.createSubscription('sensor_msgs/msg/JointState', o.topics.joints, opts, (m: JointStateMsg) => {
    const fingers = m.name.map((n, i) => (n.includes('finger') ? (m.position[i] as number) : NaN)).filter(Number.isFinite);
    if (fingers.length) snapshot.fingerOpening = fingers.reduce((a, b) => a + b, 0) / fingers.length;
  });
  node.createSubscription('jepa_mpc_interfaces/msg/PlannerStatus', `${o.planner}/status`, { enableTypedArray: true }, (m: typeof lastStatus) => (lastStatus = m));
  rcl.spin(node);
  const t0 = Date.now();
  try {
    if (o.sim) {
      const reset = node.createClient('std_srvs/srv/Trigger', `${o.sim}/reset`);
      if (await reset.waitForService(5000)) log.info(await reset.sendRequestAsync({}), 'simulator reset');
      else log.warn({ sim: o.sim }, 'simulator reset service not available; running from its current state');
    }
    const client = node.createClient('jepa_mpc_interfaces/srv/SetGoalSequence', `${o.planner}/set_goal_sequence`);
    if (!(await client.waitForService(10_000))) throw new Error(`${o.planner}/set_goal_sequence is not available (is the planner running?)`);
    const response = await client.sendRequestAsync({ images: o.goals.map((g) => imageToMsg(g)), file_names: [], max_steps: [...o.steps], energy_thresholds: [] });
    if (response['accepted'] !== true) throw new Error(`the planner refused the goals: ${String(response['message'])}`);
    log.info({ goals: o.goals.length, steps: o.steps }, 'goal sequence sent');
    const deadline = t0 + o.timeoutS * 1000;
    while (Date.now() < deadline && lastStatus?.code_name !== 'GOAL_REACHED') await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 500)); // let the last poses arrive
    const info = judgePickPlace(snapshot, o.cubeRestZ);
    return { success: info?.success ?? false, ...(info ? { info } : {}), ...(lastStatus ? { lastStatus: `${lastStatus.code_name}: ${lastStatus.message}` } : {}), elapsedS: (Date.now() - t0) / 1000 };
  } finally {
    node.destroy();
  }
}
