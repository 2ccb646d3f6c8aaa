/** The planner core: pure planning math, no ROS, ONNX or MuJoCo. */
export * from './action-space.js';
export * from './cem.js';
export * from './mpc.js';
export * from './mppi.js';
export * from './optimizer.js';
export * from './rng.js';
export * from './status.js';
export * from './subgoals.js';
export * from './types.js';
export * from './safety.js';
