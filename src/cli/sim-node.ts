/**
 * `jepa-mpc sim-node [--ros-args …]`: the built-in simulator as a ROS 2 node (camera, pose,
 * joint states, cube/target poses out; twist/pose/joint/gripper commands in).
 */
import { createLogger } from '../log.js';
import { startSimShell } from '../ros/sim-shell.js';
import { initRclnodejs } from './ros-cli.js';

/** Entry point of `jepa-mpc sim-node`. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: jepa-mpc sim-node [--ros-args -p task:=pick-place -p seed:=0 -p image_size:=128 ...]');
    return 0;
  }
  const rcl = await initRclnodejs();
  rcl.removeSignalHandlers?.();
  const shell = await startSimShell(rcl, { log: createLogger('sim-node') });
  const stop = () => {
    shell.close();
    rcl.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  rcl.spin(shell.node);
  return new Promise<number>(() => {
    // Runs until a signal stops the process.
  });
}
