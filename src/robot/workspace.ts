/**
 * The box the tool centre stays in on the tabletop (m, robot base frame): fingertips above the
 * table top, within the Panda's comfortable reach. The built-in simulator clamps its targets to
 * it and the node's safety pipeline defaults to it, so the direct loop and the node agree.
 */
export const TABLETOP_WORKSPACE = Object.freeze({
  min: Object.freeze([0.2, -0.45, 0.015]) as readonly [number, number, number],
  max: Object.freeze([0.8, 0.45, 0.6]) as readonly [number, number, number],
});
