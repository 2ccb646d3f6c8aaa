/** Start-up shared by the commands that talk ROS 2 (run, sim-node, send-goal, scenario). */
import { loadRclnodejs } from '../ros/load-rclnodejs.js';
import type { RclModule } from '../ros/rcl-types.js';
import { CliError } from './cli-error.js';

/** Loads and initialises rclnodejs (reading --ros-args from the command line), or explains what is missing. */
export async function initRclnodejs(): Promise<RclModule> {
  let rcl: RclModule;
  try {
    rcl = await loadRclnodejs();
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  await rcl.init();
  return rcl;
}
