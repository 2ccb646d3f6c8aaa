/**
 * The thin ROS 2 shell over the planner node (src/node): declares the parameters from the one
 * schema, loads the world model, wires subscriptions (latest-only), services, the PickPlace
 * action, publishers, the franka_gripper action clients and the fixed-rate timer, and converts
 * messages. The only code that talks to rclnodejs — which it
 * receives as an argument, so tests can pass a double of the same shape.
 */
import type { WorldModel } from '../model/world-model.js';
import { isAbsolute, join } from 'node:path';
import type { Logger } from '../log.js';
import { OnnxWorldModel } from '../model/onnx-world-model.js';
import { modelViews } from '../model/manifest.js';
import { DEFAULT_VIEWS } from '../model/views.js';
import { PARAMETERS, updateParameters, validateParameters, defaultParameters, type ParamValues } from '../node/parameters.js';
import { PlannerNode } from '../node/planner-node.js';
import type { ArmCommand, GripperOutput, NodeOutputs, StatusReport } from '../node/ports.js';
import { modelDir } from '../paths.js';
import {
  type CompressedImageMsg,
  type ImageMsg,
  type JointStateMsg,
  type PoseStampedMsg,
  commandToMsg,
  frameFromMsg,
  gripperToMsg,
  headerSeconds,
  imageFromMsg,
  pathToMarker,
  poseFromMsg,
  secondsToTime,
  statusToMsg,
} from './convert.js';
import type { RclModule, RclNode, RclParameter, RclPublisher, RosHeader, RosTime } from './rcl-types.js';
import { NAMES, PLANNER_NODE } from './topics.js';
import { declareParameters, normaliseValue } from './declare-parameters.js';
import { frankaGripper } from './franka-gripper.js';
import { servePickPlace } from './pick-place-server.js';

/** Default node name (the params file's top-level key). */
export const NODE_NAME = PLANNER_NODE;

/** The shell's handle: the rclnodejs node, the planner logic, and a way to stop. */
export interface PlannerShell {
  readonly node: RclNode;
  readonly planner: PlannerNode;
  close(): Promise<void>;
}

/** Options of {@link startPlannerShell}. */
export interface ShellOptions {
  readonly log: Logger;
  readonly nodeName?: string;
  /** Loads the world model (default: OnnxWorldModel from model_dir / the shipped sim model). */
  readonly loadModel?: (params: ParamValues) => Promise<WorldModel & { close?(options?: { graceMs?: number }): Promise<void> }>;
}

/** At shutdown, how long the model's worker may take to finish a run before it is terminated (ms). */
const SHUTDOWN_GRACE_MS = 300;

/**
 * Starts the planner node on an initialised rclnodejs.
 * @throws Error when the start-up parameters are invalid, or gripper_mode is franka and franka_msgs is missing.
 */
export async function startPlannerShell(rcl: RclModule, options: ShellOptions): Promise<PlannerShell> {
  const log = options.log;
  const node = rcl.createNode(options.nodeName ?? NODE_NAME);
  const declared = declareParameters(rcl, node, PARAMETERS, defaultParameters()) as ParamValues;
  const problems = validateParameters(declared);
  if (problems.length) throw new Error(`invalid parameters: ${problems.join('; ')}`);
  const params = updateParameters(defaultParameters(), declared, false).values;
  const secondsNow = () => Number(node.now().nanoseconds) / 1e9;
  const stampNow = (): RosTime => secondsToTime(secondsNow());
  const franka = frankaGripper(rcl, node, { namespace: params.gripper_namespace, timeoutS: () => planner.parameters.gripper_timeout_s, log });
  if (params.gripper_mode === 'franka') {
    const problem = franka.problem();
    if (problem) throw new Error(problem);
  }

  let model: (WorldModel & { close?(options?: { graceMs?: number }): Promise<void> }) | { error: string };
  try {
    model = await (options.loadModel ?? loadPlannerModel)(params);
  } catch (error) {
    model = { error: (error as Error).message };
    log.error({ error: (error as Error).message }, 'world model failed to load; the node runs and holds (MODEL_ERROR)');
  }

  const publishers: Record<'twist' | 'pose' | 'joint', RclPublisher> = {
    twist: node.createPublisher('geometry_msgs/msg/TwistStamped', NAMES.twist),
    pose: node.createPublisher('geometry_msgs/msg/PoseStamped', NAMES.poseTarget),
    joint: node.createPublisher('trajectory_msgs/msg/JointTrajectory', NAMES.jointTrajectory),
  };
  const statusPub = node.createPublisher('jepa_mpc_interfaces/msg/PlannerStatus', NAMES.status);
  const markerPub = node.createPublisher('visualization_msgs/msg/Marker', NAMES.planPath);
  const fingerPub = node.createPublisher('std_msgs/msg/Float64MultiArray', NAMES.gripperPosition);

  const outputs: NodeOutputs = {
    command(command: ArmCommand) {
      const { msg } = commandToMsg(command, secondsToTime(command.stampS));
      publishers[command.kind].publish(msg);
    },
    gripper(command: GripperOutput) {
      const { kind, msg } = gripperToMsg(command);
      if (kind === 'position') {
        fingerPub.publish(msg);
        return;
      }
      franka.goals()?.send(kind, msg);
    },
    gripperHalt() {
      if (planner.parameters.gripper_mode === 'franka') franka.goals()?.halt('the arm holds');
    },
    status(report: StatusReport) {
      statusPub.publish(statusToMsg(report, stampNow()));
    },
    planPath(points) {
      markerPub.publish(pathToMarker(points, planner.parameters.command_frame, stampNow()));
    },
  };

  const goalDir = isAbsolute(params.goal_dir) ? params.goal_dir : join(process.cwd(), params.goal_dir);
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (delayS: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, delayS * 1000);
    timers.add(t);
  };
  const planner = new PlannerNode({ model, params, outputs, clock: secondsNow, schedule, goalDir, log });
  // Inputs are timed by their header stamps (when the picture was taken), or on arrival when unstamped.
  const stampOf = (m: { header: RosHeader }) => headerSeconds(m.header) ?? secondsNow();

  // Inputs: sensor-data QoS (best effort, shallow) for camera and pose; callbacks only store.
  const sensor = { qos: rcl.QoS.profileSensorData, enableTypedArray: true };
  // One camera topic per view the model takes: the front camera's, and the hand camera's for a two-view model.
  const views = 'error' in model ? DEFAULT_VIEWS : modelViews(model.manifest).views;
  for (const view of views) {
    const [raw, compressed] = view === 'front' ? [NAMES.image, NAMES.compressedImage] : [NAMES.wristImage, NAMES.wristCompressedImage];
    if (params.compressed_image) {
      node.createSubscription('sensor_msgs/msg/CompressedImage', compressed, sensor, (m: CompressedImageMsg) =>
        planner.onImage(frameFromMsg(m), stampOf(m), view),
      );
    } else {
      node.createSubscription('sensor_msgs/msg/Image', raw, sensor, (m: ImageMsg) => planner.onImage(frameFromMsg(m), stampOf(m), view));
    }
  }
  node.createSubscription('geometry_msgs/msg/PoseStamped', NAMES.pose, sensor, (m: PoseStampedMsg) => planner.onPose(poseFromMsg(m), stampOf(m)));
  node.createSubscription('sensor_msgs/msg/JointState', NAMES.jointStates, sensor, (m: JointStateMsg) => planner.onJointState(m.name, m.position, stampOf(m)));

  // Services.
  const plain = { enableTypedArray: true };
  node.createService(
    'jepa_mpc_interfaces/srv/SetGoal',
    NAMES.setGoal,
    plain,
    async (req: { image: ImageMsg; file_name: string; use_current_frame: boolean }) => {
      const hasImage = req.image.width > 0 || req.image.data.length > 0;
      const r = await planner.setGoal({
        ...(hasImage ? { image: imageFromMsg(req.image) } : {}),
        ...(req.file_name ? { fileName: req.file_name } : {}),
        useCurrentFrame: req.use_current_frame,
      });
      return { accepted: r.accepted, message: r.message, latent_distance: r.latentDistance };
    },
  );
  node.createService(
    'jepa_mpc_interfaces/srv/SetGoalSequence',
    NAMES.setGoalSequence,
    plain,
    async (req: { images: ImageMsg[]; file_names: string[]; max_steps: ArrayLike<number>; energy_thresholds: ArrayLike<number>; stage_names?: string[] }) => {
      const r = await planner.setGoalSequence({
        images: req.images.map(imageFromMsg),
        fileNames: req.file_names,
        maxSteps: Array.from(req.max_steps, Number),
        energyThresholds: Array.from(req.energy_thresholds, Number),
        stageNames: [...(req.stage_names ?? [])],
      });
      return { accepted: r.accepted, message: r.message, goal_count: r.goalCount };
    },
  );
  node.createService('std_srvs/srv/Trigger', NAMES.start, plain, () => planner.start());
  node.createService('std_srvs/srv/Trigger', NAMES.stop, plain, () => planner.stop());
  node.createService('std_srvs/srv/Trigger', NAMES.clearGoal, plain, () => planner.clearGoal());

  // Live parameter updates go through the schema; rejected ones keep the old values.
  node.addOnSetParametersCallback((parameters: RclParameter[]) => {
    const changes = Object.fromEntries(parameters.map((p) => [p.name, normaliseValue(p.value)]));
    const frankaProblem = changes['gripper_mode'] === 'franka' ? franka.problem() : undefined;
    if (frankaProblem) return { successful: false, reason: frankaProblem };
    const r = planner.updateParameters(changes);
    if (!r.ok) log.warn({ changes: Object.keys(changes), reason: r.reason }, 'parameter update rejected');
    return { successful: r.ok, reason: r.reason };
  });

  const pickPlace = servePickPlace(rcl, node, planner, log);

  const periodNs = BigInt(Math.round(1e9 * planner.periodS));
  const timer = node.createTimer(periodNs, () => planner.tick());
  log.info(
    { node: node.name(), rateHz: 1 / planner.periodS, output: params.output_mode, provider: 'error' in model ? 'none' : model.provider },
    'planner node started',
  );

  return {
    node,
    planner,
    async close() {
      timer.cancel();
      for (const t of timers) clearTimeout(t);
      planner.shutdown(); // holds the arm now; a plan in flight is dropped, not waited for
      await pickPlace?.close(); // the goal the shutdown ended sends its result first
      if (!('error' in model)) await model.close?.({ graceMs: SHUTDOWN_GRACE_MS });
      node.destroy();
    },
  };
}

/** The shell's default model loader: model_dir (empty = the shipped sim model) at model_precision (empty = the folder's default manifest). */
export async function loadPlannerModel(p: ParamValues): Promise<OnnxWorldModel> {
  const dir = p.model_dir === '' ? modelDir('sim-jepa-ac') : isAbsolute(p.model_dir) ? p.model_dir : join(process.cwd(), p.model_dir);
  return OnnxWorldModel.load(dir, {
    precision: p.model_precision === '' ? undefined : p.model_precision,
    provider: p.provider,
    fallback: p.provider_fallback,
    deviceId: p.device_id,
    runTimeoutMs: 1000 * p.model_timeout_s,
  });
}
