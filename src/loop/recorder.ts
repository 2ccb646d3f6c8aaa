/**
 * The recording hook of the loops (`demo`, `eval`, `eval --through-node`, `stress`): what they
 * hand a recorder, as plain data stamped with the loop's clock (simulated seconds; real seconds on
 * the real-time loop). A recorder's methods return at once (a writer queues its output), so the
 * loops stay as they are with or without one. src/record/mcap-recorder.ts writes MCAP files.
 */
import type { Observation, TabletopSim } from '../../sim/tabletop.js';
import type { TaskInfo, TaskName } from '../../sim/tasks.js';
import { ACTION_LAYOUT } from '../core/action-space.js';
import type { RawImage, RgbImage } from '../model/image.js';
import type { ArmCommand, NodeOutputs, StatusReport } from '../node/ports.js';
import { SIM_PARAMETERS } from '../node/sim-parameters.js';
import type { ToolPose } from '../robot/commands.js';
import { ARM_JOINT_SUFFIXES, FINGER_TRAVEL } from '../robot/panda-kinematics.js';
import { matrixToQuaternion } from '../robot/quaternion.js';

/** A point in the robot base frame (m). */
export type Point3 = readonly [number, number, number];

/** What the simulator shows at one instant: what the simulator node publishes, plus the cube and target truth. */
export interface WorldSnapshot {
  /** When (s, the loop's clock). */
  readonly stampS: number;
  /** The front camera's frame (rgb8). */
  readonly image: RawImage;
  /** The hand camera's frame, when the simulator draws it. */
  readonly wristImage?: RawImage;
  /** Tool-centre pose (base frame). */
  readonly tool: ToolPose;
  /** Arm joints then the two finger joints (rad, m). */
  readonly jointNames: readonly string[];
  readonly jointPositions: readonly number[];
  /** The task cube's centre and orientation (base frame). */
  readonly cube: ToolPose;
  /** The task's target point (base frame). */
  readonly target: Point3;
  /** The task's metrics after the simulator's latest step. */
  readonly task: TaskInfo;
  /** Control steps the simulator took since its reset. */
  readonly simStep: number;
}

/** One plan's figures. */
export interface PlanFigures {
  readonly stampS: number;
  /** Energy of the plan to the stage it was made for. */
  readonly energy: number;
  /** Latent distance of the frame planned from to that stage's goal (NaN where the loop cannot see the latents). */
  readonly latentDistance: number;
}

/** What an episode starts with. */
export interface EpisodeStart {
  readonly stampS: number;
  readonly seed: number;
  readonly task: TaskName;
  /** The stages the planner steers through, in order. */
  readonly stageNames: readonly string[];
  /** The goal images given, with their stage names (a stage the model proposes has none). */
  readonly goals: readonly { readonly name: string; readonly image: RgbImage }[];
}

/** An episode's verdict, by the simulator's truth. */
export interface EpisodeVerdict {
  readonly seed: number;
  readonly success: boolean;
  /** Actions executed. */
  readonly steps: number;
  /** Step at which the task first succeeded, or null. */
  readonly successStep: number | null;
  /** The cube was held off the table at some point. */
  readonly lifted: boolean;
  /** The task's final metrics. */
  readonly final: TaskInfo;
}

/** Receives an episode as it runs (see the file comment). */
export interface EpisodeRecorder {
  begin(start: EpisodeStart): void;
  /** What the simulator shows now (after a reset or a step). */
  world(w: WorldSnapshot): void;
  /** The planner's status (every control cycle, as the node publishes it). */
  status(report: StatusReport, stampS: number): void;
  /** A plan's energy and latent distance. */
  plan(figures: PlanFigures): void;
  /** The tool path of the executed plan, from the pose planned from. */
  planPath(points: readonly Point3[], stampS: number): void;
  /** An arm command as the node publishes it (stamped). */
  command(command: ArmCommand): void;
  /** The planner now steers to stage `index` of {@link EpisodeStart}.stageNames. */
  stage(index: number, stampS: number): void;
  end(verdict: EpisodeVerdict, stampS: number): void;
}

/** Joint-name prefix and base frame of the simulator node (its parameter defaults). */
export const SIM_JOINT_PREFIX = SIM_PARAMETERS.joint_prefix.default;

/** The simulator's state now as a {@link WorldSnapshot} (the readings the simulator node publishes, and the cube and target). */
export function worldSnapshot(sim: TabletopSim, obs: Observation, stampS: number): WorldSnapshot {
  const tcp = sim.tcpPose();
  const opening = FINGER_TRAVEL * (1 - obs.fingerClosedness);
  const cube = sim.cubePose(0);
  const target = sim.targetPosition();
  const [qw, qx, qy, qz] = cube.quaternion as unknown as [number, number, number, number];
  const rgb = (data: Uint8Array): RawImage => ({ width: obs.width, height: obs.height, encoding: 'rgb8', step: obs.width * 3, data });
  return {
    stampS,
    image: rgb(obs.rgb),
    ...(obs.wristRgb ? { wristImage: rgb(obs.wristRgb) } : {}),
    tool: { position: point(tcp.position), orientation: matrixToQuaternion(tcp.rotation) },
    jointNames: [...ARM_JOINT_SUFFIXES.map((s) => `${SIM_JOINT_PREFIX}${s}`), `${SIM_JOINT_PREFIX}finger_joint1`, `${SIM_JOINT_PREFIX}finger_joint2`],
    jointPositions: [...sim.jointPositions(), opening, opening],
    cube: { position: point(cube.position), orientation: { w: qw, x: qx, y: qy, z: qz } },
    target: point(target),
    task: { ...obs.task },
    simStep: obs.step,
  };
}

function point(p: ArrayLike<number>): Point3 {
  return [p[0] as number, p[1] as number, p[2] as number];
}

/** The tool positions a plan [H, A] passes through from a start position (base frame, m): the node's ~/plan_path. */
export function toolPath(start: ArrayLike<number>, plan: Float32Array): Point3[] {
  const points: Point3[] = [point(start)];
  for (let h = 0; h + ACTION_LAYOUT.dim <= plan.length; h += ACTION_LAYOUT.dim) {
    const p = points.at(-1) as Point3;
    points.push([p[0] + (plan[h] as number), p[1] + (plan[h + 1] as number), p[2] + (plan[h + 2] as number)]);
  }
  return points;
}

/**
 * The planner node's outputs (a plain object of functions), also recorded: commands and plan paths as published, every status,
 * a plan's energy and the node's latent distance (`latentDistance`, read when the plan's status
 * comes) when its step is executed, and the stage the status names. `clock` stamps what the node
 * publishes unstamped.
 */
export function recordingOutputs(outputs: NodeOutputs, recorder: EpisodeRecorder, clock: () => number, latentDistance: () => number = () => NaN): NodeOutputs {
  let lastStep = 0;
  let lastStage = 0;
  return {
    ...outputs, // what is not recorded passes through as it is
    command(c) {
      recorder.command(c);
      outputs.command(c);
    },
    status(report) {
      const now = clock();
      recorder.status(report, now);
      if (report.step > lastStep) recorder.plan({ stampS: now, energy: report.energy, latentDistance: latentDistance() });
      if (report.step < lastStep || report.subgoalIndex !== lastStage) recorder.stage(report.subgoalIndex, now);
      lastStep = report.step;
      lastStage = report.subgoalIndex;
      outputs.status(report);
    },
    planPath(points) {
      recorder.planPath(points, clock());
      outputs.planPath(points);
    },
  };
}
