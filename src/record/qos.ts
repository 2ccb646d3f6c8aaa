/**
 * The QoS a recording says each channel's publisher offered: MCAP's `ros2` profile requires an
 * `offered_qos_profiles` entry in every channel's metadata, and `ros2 bag play` re-publishes a
 * channel with it (a camera recorded best effort is played best effort). The text is what rosbag2
 * (metadata version 9, Jazzy) writes: a YAML list of one profile, policies by name, durations as
 * sec/nsec with "infinite" as RMW_DURATION_INFINITE.
 */

/** The QoS kinds the nodes publish with (src/ros/sim-shell.ts, shell.ts). */
export type QosKind = 'sensorData' | 'default' | 'tf';

interface Profile {
  readonly reliability: 'reliable' | 'best_effort';
  readonly depth: number;
}

/** rclnodejs's QoS.profileSensorData and profileDefault (rmw's), and tf2's TransformBroadcaster. */
const PROFILES: Record<QosKind, Profile> = {
  sensorData: { reliability: 'best_effort', depth: 5 },
  default: { reliability: 'reliable', depth: 10 },
  tf: { reliability: 'reliable', depth: 100 },
};

/** RMW_DURATION_INFINITE (INT64_MAX ns) as rosbag2 writes it. */
const INFINITE = ['    sec: 9223372036', '    nsec: 854775807'];

/** The `offered_qos_profiles` text of a channel published with `kind`. */
export function offeredQosProfiles(kind: QosKind): string {
  const p = PROFILES[kind];
  return [
    '- history: keep_last',
    `  depth: ${p.depth}`,
    `  reliability: ${p.reliability}`,
    '  durability: volatile',
    '  deadline:',
    ...INFINITE,
    '  lifespan:',
    ...INFINITE,
    '  liveliness: automatic',
    '  liveliness_lease_duration:',
    ...INFINITE,
    '  avoid_ros_namespace_conventions: false',
  ].join('\n');
}

/** The metadata key of MCAP's ros2 profile. */
export const QOS_METADATA_KEY = 'offered_qos_profiles';
