/**
 * `jepa-mpc run [--ros-args …]`: starts the planner as a ROS 2 node (what the launch file runs).
 * Without a sourced ROS 2 it fails at once, saying what to source.
 */
import { createLogger } from '../log.js';
import { startPlannerShell } from '../ros/shell.js';
import { signalShutdown } from '../ros/shutdown.js';
import { initRclnodejs } from './ros-cli.js';

/** Entry point of `jepa-mpc run`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      'usage: jepa-mpc run [--ros-args -p name:=value --params-file config/planner.yaml -r image:=/camera/image_raw ...]\n\n' +
        'Starts the planner node. Parameters: `jepa-mpc params`. Topics, services: README "ROS 2 node".',
    );
    return 0;
  }
  const rcl = await initRclnodejs(); // reads --ros-args (remaps, params files) from process.argv
  const log = createLogger('ros');
  rcl.removeSignalHandlers?.();
  const shell = await startPlannerShell(rcl, { log });
  const stop = signalShutdown({ close: () => shell.close(), rclShutdown: () => rcl.shutdown(), exit: (code) => process.exit(code), log });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  rcl.spin(shell.node);
  return new Promise<number>(() => {
    // Runs until a signal stops the process.
  });
}
