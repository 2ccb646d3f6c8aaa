/**
 * `scenario --mcap`: what the scenario runner hears over ROS 2 (src/ros/scenario.ts), written as
 * the direct loop's recordings are — the same channels and layout — from the messages themselves:
 * the simulator node's readings and the planner node's commands, status and plan path as they
 * arrive; TF from the tool and cube poses; each plan's energy and the active goal image from the
 * status; the episodes' goal images and verdicts from the runner.
 */
import type { TaskInfo } from '../../sim/tasks.js';
import type { RgbImage } from '../model/image.js';
import type { ScenarioEpisode, ScenarioRecorder } from '../ros/scenario.js';
import type { ToolPose } from '../robot/commands.js';
import type { Point3 } from '../loop/recorder.js';
import { CHANNELS, type ChannelKey } from './channels.js';
import type { McapRecorder } from './mcap-recorder.js';
import { FRAMES, poseTfMsg, sceneMarkersMsg } from './messages.js';

/** The channels the nodes publish (recorded as they arrive). */
const SIM_KEYS = ['image', 'wristImage', 'pose', 'jointStates', 'cubePose', 'targetPose', 'task', 'twist', 'poseTarget', 'jointTrajectory'] as const;
const PLANNER_KEYS = { status: 'status', planPath: 'plan_path' } as const;

interface PoseMsg {
  readonly pose: { readonly position: { x: number; y: number; z: number }; readonly orientation: ToolPose['orientation'] };
}
interface StatusMsg {
  readonly energy: number;
  readonly step: number;
  readonly subgoal_index: number;
}

/** The task metrics of an episode whose poses never arrived. */
const UNKNOWN_TASK: TaskInfo = {
  name: 'pick-place',
  success: false,
  tcpToTarget: NaN,
  cubeToTarget: NaN,
  cubeLift: NaN,
  cubeToTcp: NaN,
  held: false,
  lifted: false,
};

/**
 * The scenario runner's recorder over `mcap`: the planner node is `planner` (e.g. /jepa_mpc_planner;
 * its topics are recorded under the default name, so the layout finds them), the goal images are
 * the stages `stageNames`.
 */
export function scenarioRecorder(mcap: McapRecorder, o: { readonly planner: string; readonly stageNames: readonly string[] }): ScenarioRecorder {
  const byTopic = new Map<string, ChannelKey>(SIM_KEYS.map((k) => [CHANNELS[k].topic, k]));
  for (const [key, name] of Object.entries(PLANNER_KEYS)) byTopic.set(`${o.planner}/${name}`, key as ChannelKey);
  let lastStep = 0;
  let lastStage = 0;
  let lastFeedbackStep = 0;
  let target: Point3 | undefined; // the target pose's latest position: the scene markers need it with the cube
  return {
    topics: [...byTopic].map(([topic, key]) => ({ topic, type: CHANNELS[key].type })),
    message(topic, msg, stampS) {
      const key = byTopic.get(topic);
      if (!key) return;
      mcap.write(key, msg, stampS);
      if (key === 'targetPose') {
        const p = (msg as PoseMsg).pose.position;
        target = [p.x, p.y, p.z];
      } else if (key === 'pose' || key === 'cubePose') {
        const { position: p, orientation } = (msg as PoseMsg).pose;
        const pose: ToolPose = { position: [p.x, p.y, p.z], orientation };
        mcap.write('tf', poseTfMsg(key === 'pose' ? FRAMES.tool : FRAMES.cube, pose, stampS), stampS);
        // The cube and the target disc for a 3D panel, as the direct loop draws them (the planned path has its own topic).
        if (key === 'cubePose' && target) mcap.write('sceneMarkers', sceneMarkersMsg({ stampS, cube: pose, target }, undefined), stampS);
      } else if (key === 'status') {
        const s = msg as StatusMsg;
        if (s.step > lastStep) mcap.plan({ stampS, energy: s.energy, latentDistance: NaN });
        if (s.subgoal_index !== lastStage) mcap.stage(s.subgoal_index, stampS);
        lastStep = s.step;
        lastStage = s.subgoal_index;
      }
    },
    feedback(f, stampS) {
      // The action's feedback after each plan carries the node's latent distance (the status topic does not).
      const step = Number(f['steps']);
      const distance = Number(f['latent_distance']);
      if (step > lastFeedbackStep && Number.isFinite(distance)) mcap.write('latentDistance', { data: distance }, stampS);
      if (step > lastFeedbackStep) lastFeedbackStep = step;
    },
    begin(seed: number, goals: readonly RgbImage[], stampS: number) {
      lastStep = 0;
      lastStage = 0;
      lastFeedbackStep = 0;
      const goalList = goals.map((image, i) => ({ name: o.stageNames[i] ?? `goal ${i + 1}`, image }));
      mcap.begin({ stampS, seed, task: 'pick-place', stageNames: goalList.map((g) => g.name), goals: goalList });
    },
    end(e: ScenarioEpisode, stampS: number) {
      mcap.end({ seed: e.seed, success: e.success, steps: e.steps, successStep: null, lifted: e.lifted, final: e.info ?? UNKNOWN_TASK }, stampS);
    },
  };
}
