/**
 * The pick-and-place scenario over ROS 2 as an evaluation: per episode, set the simulator node's
 * layout seed and reset it, send the goal images to the planner — as a PickPlace action goal when
 * the planner serves the action (the default), else with SetGoal / SetGoalSequence — let it run
 * until the task succeeds, the goal ends (its budgets spent: REACHED / GOAL_REACHED) or a timeout
 * that follows from the budgets and the plan time it reports, then hold it (the action goal
 * cancelled if it still runs, ~/clear_goal) and judge the outcome from the
 * cube, target and tool poses and the finger opening — the task definition of sim/tasks.ts (the
 * cube picked, i.e. lifted at some point, then within 5 cm of the target, on the table, released,
 * gripper away).
 * Against the built-in simulator node every pose arrives as PoseStamped; against Gazebo the cube
 * comes from the ros_gz bridge as a TFMessage (one transform per child frame), the target is a
 * fixed point of the world, and the tool position is the forward kinematics of the joint states.
 */
import type { Logger } from '../log.js';
import type { RgbImage } from '../model/image.js';
import type { JointStateMsg, PoseStampedMsg } from './convert.js';
import type { RclActionClient, RclClientGoalHandle, RclModule, RclNode } from './rcl-types.js';
import { PICK_PLACE_TYPE } from './pick-place-server.js';
import { imageToMsg, pickPlaceGoalMsg } from './send-goal.js';
import { plannerService } from './topics.js';
import {
  episodeTimeoutS,
  fingerOpeningFromJointState,
  PickPlaceJudge,
  positionFromTransforms,
  tcpFromJointState,
  type SceneSnapshot,
  type TaskInfo,
  type TFMessageMsg,
} from '../scenario/judge.js';

/** What the runner listens to and whom it talks to. */
export interface ScenarioOptions {
  /** Planner node name, e.g. /jepa_mpc_planner. */
  readonly planner: string;
  /** Simulator node to seed and reset before each episode (its `seed` parameter and ~/reset Trigger), or undefined. */
  readonly sim?: string;
  /** Layout seeds, one episode each. */
  readonly seeds: readonly number[];
  /** The goal images of an episode's seed. */
  readonly goalsFor: (seed: number) => Promise<readonly RgbImage[]>;
  /** A budget per goal image; may be empty with stageNames (the planner's proposer's budgets). */
  readonly steps: readonly number[];
  /**
   * The proposer's stage each goal image shows, sent with a sequence of images: the planner then
   * fills in the stages no image was given for (msg/srv/SetGoalSequence.srv stage_names).
   */
  readonly stageNames?: readonly string[];
  /** The budgets of the stages the planner plans through, for the timeout (default: steps). */
  readonly plannedSteps?: readonly number[];
  /** Seconds per control step (the model's control period): sizes the timeout. */
  readonly periodS: number;
  /** Fixed timeout per episode (s); default: from the budgets and the plan time the planner reports. */
  readonly timeoutS?: number;
  readonly topics: { readonly cube: string; readonly target: string; readonly pose: string; readonly joints: string };
  /** Cube centre height when resting on the table (m). */
  readonly cubeRestZ: number;
  /** When set, topics.cube carries tf2_msgs/TFMessage and the cube is the transform with this child frame. */
  readonly cubeFrame?: string;
  /** A fixed target point [3] (m, base frame) instead of the topics.target PoseStamped. */
  readonly target?: readonly number[];
  /** Take the tool position from the arm joints of topics.joints (forward kinematics), not topics.pose. */
  readonly tcpFromJoints?: boolean;
  /** Called after each episode. */
  readonly onEpisode?: (e: ScenarioEpisode) => void;
  /** Records the graph's topics and the episodes (`scenario --mcap`; default none). */
  readonly recorder?: ScenarioRecorder;
  /** Send goals through the PickPlace action when the planner serves it (default true); false: the goal services. */
  readonly useAction?: boolean;
}

/**
 * Where `scenario --mcap` puts what it hears: every message of its topics as it arrives (a node of
 * its own subscribes to them), stamped with the ROS clock on arrival as `ros2 bag record` stamps
 * them, and each episode's goal images and verdict. src/record implements it.
 */
export interface ScenarioRecorder {
  /** The topics to record and their types. */
  readonly topics: readonly { readonly topic: string; readonly type: string }[];
  message(topic: string, msg: object, stampS: number): void;
  /** Each PickPlace feedback message (the action path), stamped on arrival. */
  feedback?(feedback: Record<string, unknown>, stampS: number): void;
  begin(seed: number, goals: readonly RgbImage[], stampS: number): void;
  end(episode: ScenarioEpisode, stampS: number): void;
}

/** One episode's verdict. */
export interface ScenarioEpisode {
  readonly seed: number;
  readonly success: boolean;
  /** The cube was lifted (held ≥ 5 cm above the table) at some point. */
  readonly lifted: boolean;
  /** Actions the planner executed. */
  readonly steps: number;
  /** The final task metrics (undefined when poses never arrived). */
  readonly info?: TaskInfo;
  readonly lastStatus?: string;
  /** Mean plan time the planner reported (ms). */
  readonly meanPlanMs: number;
  readonly elapsedS: number;
}

/** Plan time assumed before the planner has reported one (s). */
const INITIAL_PLAN_S = 2;
/** How often the runner looks at the verdict (ms). */
const POLL_MS = 100;
/** Wait for the last poses after the planner stops (ms). */
const SETTLE_MS = 500;
/** rcl_interfaces/msg/ParameterType INTEGER. */
const PARAMETER_INTEGER = 2;
/** How long the runner looks for the planner's PickPlace action server before it uses the services (ms). */
const ACTION_WAIT_MS = 3000;

const position = (m: PoseStampedMsg) => [m.pose.position.x, m.pose.position.y, m.pose.position.z];

interface StatusMsg {
  code_name: string;
  message: string;
  step: number;
  subgoal_index: number;
  subgoal_count: number;
  plan_time_ms: number;
}

/** Runs the scenario's episodes; resolves with one verdict each. */
export async function runScenario(rcl: RclModule, o: ScenarioOptions, log: Logger): Promise<ScenarioEpisode[]> {
  const node = rcl.createNode('jepa_mpc_scenario');
  const snapshot: SceneSnapshot = o.target ? { target: [...o.target] } : {};
  let judge = new PickPlaceJudge(o.cubeRestZ);
  const status: { latest?: StatusMsg } = {};
  /** The latest status (a function: the subscription sets it between awaits). */
  const latestStatus = (): StatusMsg | undefined => status.latest;
  const opts = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };
  const look = () => judge.update(snapshot);
  const cubeFrame = o.cubeFrame;
  if (cubeFrame) {
    node.createSubscription('tf2_msgs/msg/TFMessage', o.topics.cube, opts, (m: TFMessageMsg) => {
      snapshot.cube = positionFromTransforms(m, cubeFrame) ?? snapshot.cube;
      look();
    });
  } else {
    node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.cube, opts, (m: PoseStampedMsg) => {
      snapshot.cube = position(m);
      look();
    });
  }
  if (!o.target) node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.target, opts, (m: PoseStampedMsg) => (snapshot.target = position(m)));
  if (!o.tcpFromJoints) node.createSubscription('geometry_msgs/msg/PoseStamped', o.topics.pose, opts, (m: PoseStampedMsg) => (snapshot.tcp = position(m)));
  node.createSubscription('sensor_msgs/msg/JointState', o.topics.joints, opts, (m: JointStateMsg) => {
    snapshot.fingerOpening = fingerOpeningFromJointState(m.name, m.position) ?? snapshot.fingerOpening;
    if (o.tcpFromJoints) snapshot.tcp = tcpFromJointState(m.name, m.position) ?? snapshot.tcp;
  });
  node.createSubscription('jepa_mpc_interfaces/msg/PlannerStatus', `${o.planner}/status`, { enableTypedArray: true }, (m: StatusMsg) => (status.latest = m));
  rcl.spin(node);
  const recording = o.recorder ? recordTopics(rcl, o.recorder) : undefined;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const setInteger = async (target: string, name: string, value: number): Promise<boolean> => {
    const client = node.createClient('rcl_interfaces/srv/SetParameters', `${target}/set_parameters`);
    if (!(await client.waitForService(5000))) return false;
    const r = await client.sendRequestAsync({ parameters: [{ name, value: { type: PARAMETER_INTEGER, integer_value: BigInt(value) } }] });
    const result = (r['results'] as { successful: boolean; reason: string }[] | undefined)?.[0];
    if (result && !result.successful) log.warn({ target, name, value, reason: result.reason }, 'parameter refused');
    return result?.successful ?? false;
  };
  const trigger = async (name: string, timeoutMs = 5000): Promise<boolean> => {
    const client = node.createClient('std_srvs/srv/Trigger', name);
    if (!(await client.waitForService(timeoutMs))) return false;
    await client.sendRequestAsync({});
    return true;
  };
  const results: ScenarioEpisode[] = [];
  try {
    const goalClient = node.createClient('jepa_mpc_interfaces/srv/SetGoalSequence', plannerService(o.planner, 'setGoalSequence'));
    if (!(await goalClient.waitForService(10_000)))
      throw new Error(`${plannerService(o.planner, 'setGoalSequence')} is not available (is the planner running?)`);
    // One goal image goes by SetGoal: a planner whose model has a subgoal proposer makes the stages itself.
    const singleClient = node.createClient('jepa_mpc_interfaces/srv/SetGoal', plannerService(o.planner, 'setGoal'));
    const action = o.useAction === false ? undefined : await pickPlaceClient(rcl, node, o.planner, log);
    for (const seed of o.seeds) {
      const goals = await o.goalsFor(seed);
      if (o.sim) {
        if (!(await setInteger(o.sim, 'seed', seed))) log.warn({ sim: o.sim, seed }, "could not set the simulator's seed; resetting to its own");
        if (!(await trigger(`${o.sim}/reset`))) log.warn({ sim: o.sim }, 'simulator reset service not available; running from its current state');
      }
      await setInteger(o.planner, 'planner_seed', seed); // the same planner sampling as `eval` on this seed
      await sleep(SETTLE_MS); // the reset scene's poses arrive
      judge = new PickPlaceJudge(o.cubeRestZ);
      delete status.latest;
      recording?.begin(seed, goals);
      const t0 = Date.now();
      // The action goal and its result once it ends (the services: none).
      const goal: { handle?: RclClientGoalHandle; result?: Record<string, unknown> } = {};
      if (action) {
        // One goal image without budgets: the planner makes its stages with the model's proposer, as SetGoal does.
        const request =
          goals.length === 1
            ? { kind: 'single' as const, image: goals[0] as RgbImage }
            : { kind: 'sequence' as const, images: [...goals], steps: [...o.steps], thresholds: [], ...(o.stageNames ? { names: [...o.stageNames] } : {}) };
        const onFeedback = recording ? (f: Record<string, unknown>) => recording.feedback(f) : undefined;
        const handle = await action.sendGoal(pickPlaceGoalMsg(request, 0), onFeedback as ((f: never) => void) | undefined);
        if (!handle.accepted) throw new Error('the planner rejected the PickPlace goal (its log says why)');
        goal.handle = handle;
        void handle.getResult().then((r) => (goal.result = r));
        log.info({ seed, goals: goals.length, steps: o.steps, ...(o.stageNames ? { stageNames: o.stageNames } : {}) }, 'PickPlace goal sent');
      } else {
        const response =
          goals.length === 1
            ? await singleClient.sendRequestAsync({ image: imageToMsg(goals[0] as RgbImage), file_name: '', use_current_frame: false })
            : await goalClient.sendRequestAsync({
                images: goals.map((g) => imageToMsg(g)),
                file_names: [],
                max_steps: [...o.steps],
                energy_thresholds: [],
                stage_names: [...(o.stageNames ?? [])],
              });
        if (response['accepted'] !== true) throw new Error(`the planner refused the goals: ${String(response['message'])}`);
        log.info({ seed, goals: goals.length, steps: o.steps, message: response['message'] }, goals.length === 1 ? 'goal sent' : 'goal sequence sent');
      }
      let running = false;
      let planS = INITIAL_PLAN_S;
      const planTimes: number[] = [];
      let seenStep = 0;
      let success = false;
      for (;;) {
        await sleep(POLL_MS);
        const st = latestStatus();
        if (st && st.code_name !== 'GOAL_REACHED') running = true;
        if (st && st.step > seenStep) {
          seenStep = st.step;
          planTimes.push(st.plan_time_ms);
          planS = Math.max(planS === INITIAL_PLAN_S ? 0 : planS, st.plan_time_ms / 1000);
        }
        success = judge.info?.success ?? false;
        const timeout = o.timeoutS ?? episodeTimeoutS(o.plannedSteps ?? o.steps, o.periodS, planS);
        // An action goal's status says GOAL_REACHED before its last motion ends: its result follows that motion.
        const reached = !goal.handle && running && st?.code_name === 'GOAL_REACHED';
        if (success || goal.result || reached || Date.now() - t0 > timeout * 1000) break;
      }
      const last = latestStatus(); // the planner's word on the episode, before it is told to hold
      const ended = goal.result; // the action's result when the goal ended by itself (not by the cancel below)
      if (goal.handle && !ended) await goal.handle.cancelGoal(); // the arm holds at once
      await trigger(`${o.planner}/clear_goal`, 1000); // hold until the next episode
      await sleep(SETTLE_MS); // the last poses
      const info = judge.info;
      const episode: ScenarioEpisode = {
        seed,
        success: success || (info?.success ?? false),
        lifted: info?.lifted ?? false,
        steps: last?.step ?? seenStep,
        ...(info ? { info } : {}),
        ...(ended
          ? { lastStatus: `${String(ended['outcome_name'])}: ${String(ended['message'])}` }
          : last
            ? { lastStatus: `${last.code_name}: ${last.message}` }
            : {}),
        meanPlanMs: planTimes.length ? planTimes.reduce((a, b) => a + b, 0) / planTimes.length : NaN,
        elapsedS: (Date.now() - t0) / 1000,
      };
      results.push(episode);
      recording?.end(episode);
      o.onEpisode?.(episode);
    }
    return results;
  } finally {
    recording?.node.destroy();
    node.destroy();
  }
}

/** The planner's PickPlace action client, or undefined (logged) when the action type or server is missing: then the services. */
async function pickPlaceClient(rcl: RclModule, node: RclNode, planner: string, log: Logger): Promise<RclActionClient | undefined> {
  const name = plannerService(planner, 'pickPlace');
  let client: RclActionClient;
  try {
    client = new rcl.ActionClient(node, PICK_PLACE_TYPE, name);
  } catch (error) {
    log.info({ error: (error as Error).message.split('\n')[0] }, `${PICK_PLACE_TYPE} is not built here; sending goals with the services`);
    return undefined;
  }
  if (await client.waitForServer(ACTION_WAIT_MS)) return client;
  log.info({ action: name }, 'the planner serves no PickPlace action; sending goals with the services');
  return undefined;
}

/** A node of its own that hands every message of the recorder's topics to it, stamped on arrival. */
function recordTopics(rcl: RclModule, recorder: ScenarioRecorder) {
  const node = rcl.createNode('jepa_mpc_scenario_recorder');
  const nowS = () => Number(node.now().nanoseconds) / 1e9;
  // Best effort takes the sensor-data publishers (camera, pose) and the reliable ones alike.
  const opts = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };
  for (const { topic, type } of recorder.topics) node.createSubscription(type, topic, opts, (m: object) => recorder.message(topic, m, nowS()));
  rcl.spin(node);
  return {
    node,
    begin: (seed: number, goals: readonly RgbImage[]) => recorder.begin(seed, goals, nowS()),
    feedback: (f: Record<string, unknown>) => recorder.feedback?.(f, nowS()),
    end: (episode: ScenarioEpisode) => recorder.end(episode, nowS()),
  };
}
