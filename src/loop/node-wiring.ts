/**
 * The wiring `ros2 launch jepa_mpc sim_mujoco.launch.py` does with remappings, as plain calls:
 * the planner node's arm and finger commands into the simulator node, and the simulator node's
 * readings (camera, tool pose, joint states) into the planner node. Both loops that run the two
 * nodes without ROS use it: on a virtual clock (through-node.ts) and on real timers (real-time.ts).
 */
import type { PlannerNode } from '../node/planner-node.js';
import type { NodeOutputs } from '../node/ports.js';
import type { SimNodeCore, SimReadings } from '../node/sim-node.js';

/** The planner's command and gripper outputs, executed by the simulator node. */
export function commandsToSim(simNode: SimNodeCore): Pick<NodeOutputs, 'command' | 'gripper'> {
  return {
    command(c) {
      if (c.kind === 'twist') simNode.onTwist(c.twist.linear, c.twist.angular, c.stampS);
      else if (c.kind === 'pose') simNode.onPoseTarget(c.pose);
      else simNode.onJointTarget(c.positions);
    },
    gripper(g) {
      if (g.kind === 'position') simNode.onFinger(g.position);
    },
  };
}

/** Hands the simulator node's current readings to the planner node (its camera frame too unless `camera` is false); returns them. */
export function deliverReadings(simNode: SimNodeCore, node: PlannerNode, jointPrefix: string, camera = true): SimReadings {
  const r = simNode.readings(jointPrefix);
  if (camera) node.onImage({ kind: 'raw', image: r.image }, r.stampS);
  if (r.wristImage) node.onImage({ kind: 'raw', image: r.wristImage }, r.stampS, 'wrist');
  node.onPose(r.pose, r.stampS);
  node.onJointState(r.jointNames, r.jointPositions, r.stampS);
  return r;
}
