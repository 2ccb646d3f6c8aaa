/**
 * The client side of the goal services, for people who would otherwise paste pixels into
 * `ros2 service call`: reads PNG files here and sends them as sensor_msgs/Image (rgb8).
 */
import type { RgbImage } from '../model/image.js';
import type { RclModule } from './rcl-types.js';
import { plannerService } from './topics.js';

/** A sensor_msgs/Image (rgb8) message of an RGB image. */
export function imageToMsg(img: RgbImage, frameId = 'goal'): object {
  return {
    header: { stamp: { sec: 0, nanosec: 0 }, frame_id: frameId },
    height: img.height,
    width: img.width,
    encoding: 'rgb8',
    is_bigendian: 0,
    step: img.width * 3,
    data: img.data,
  };
}

/** What to send. */
export type GoalRequest =
  | { kind: 'single'; image?: RgbImage; useCurrentFrame?: boolean; fileName?: string }
  | { kind: 'sequence'; images: RgbImage[]; steps: number[]; thresholds: number[] };

/** Calls ~/set_goal or ~/set_goal_sequence of a planner node and returns the response. */
export async function sendGoal(rcl: RclModule, nodeName: string, request: GoalRequest, timeoutMs: number): Promise<Record<string, unknown>> {
  const node = rcl.createNode('jepa_mpc_send_goal');
  try {
    const single = request.kind === 'single';
    const client = node.createClient(
      single ? 'jepa_mpc_interfaces/srv/SetGoal' : 'jepa_mpc_interfaces/srv/SetGoalSequence',
      plannerService(nodeName, single ? 'setGoal' : 'setGoalSequence'),
    );
    rcl.spin(node);
    if (!(await client.waitForService(timeoutMs)))
      throw new Error(
        `service ${plannerService(nodeName, single ? 'setGoal' : 'setGoalSequence')} not available after ${timeoutMs} ms (is the planner running?)`,
      );
    const msg = single
      ? {
          image: imageToMsg(request.image ?? { width: 0, height: 0, data: new Uint8Array(0) }),
          file_name: request.fileName ?? '',
          use_current_frame: request.useCurrentFrame ?? false,
        }
      : { images: request.images.map((i) => imageToMsg(i)), file_names: [], max_steps: request.steps, energy_thresholds: request.thresholds };
    return await client.sendRequestAsync(msg, { timeout: timeoutMs });
  } finally {
    node.destroy();
  }
}
