/**
 * Loads rclnodejs at run time. It is an optional dependency that needs a sourced ROS 2 to install
 * and to import, so everything else in the project runs without it; here a missing ROS 2 is
 * reported at once with what to source.
 */
import type { RclModule } from './rcl-types.js';

/** Why ROS 2 cannot be used, or undefined when the environment looks sourced. */
export function rosEnvironmentProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env['ROS_DISTRO'] || !env['AMENT_PREFIX_PATH']) {
    return (
      'ROS 2 is not sourced in this shell. Source it first, e.g.\n' +
      '  source /opt/ros/jazzy/setup.bash        # or humble\n' +
      '  source <your_ws>/install/setup.bash     # for jepa_mpc_interfaces\n' +
      'then install the ROS binding: npm install rclnodejs@2.2.0 (with ROS 2 sourced).'
    );
  }
  return undefined;
}

/**
 * Imports rclnodejs. @throws Error with instructions when ROS 2 is not sourced or rclnodejs is not
 * installed / not built for this ROS 2.
 */
export async function loadRclnodejs(): Promise<RclModule> {
  const problem = rosEnvironmentProblem();
  if (problem) throw new Error(problem);
  const name = 'rclnodejs'; // a variable, so bundlers and tsc do not try to resolve it
  try {
    const mod = (await import(name)) as { default?: RclModule } & RclModule;
    return mod.default ?? mod;
  } catch (cause) {
    throw new Error(
      `rclnodejs could not be loaded for ROS_DISTRO=${process.env['ROS_DISTRO']}: ${(cause as Error).message}\n` +
        'Install it with ROS 2 sourced: npm install rclnodejs@2.2.0; after building jepa_mpc_interfaces, run npx generate-ros-messages.',
      { cause },
    );
  }
}
