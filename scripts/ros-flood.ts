/**
 * A camera flood over a real ROS 2 — a verification tool for the README's reliability table, not
 * a node users run. Beside `ros2 launch jepa_mpc sim_mujoco.launch.py` (and `jepa-mpc scenario`),
 * it republishes the built-in simulator's camera frames scaled into RES (src/loop/flood-frame.ts)
 * on the same topic at HZ, stamped with the simulator frame's stamp (the time of the world they
 * show), while it samples the planner process's resident memory from /proc and counts the plans
 * that ended in an action from the planner's status topic. HZ 0 only measures. Prints one JSON line.
 *
 *   npx tsx scripts/ros-flood.ts --res 1080p --hz 60 --seconds 120 --pid <planner pid>
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { scaleIntoFrame } from '../src/loop/flood-frame.js';
import { imageFromMsg, type ImageMsg } from '../src/ros/convert.js';
import { loadRclnodejs } from '../src/ros/load-rclnodejs.js';
import { PLANNER_NODE, simTopic } from '../src/ros/topics.js';

const RESOLUTIONS: Record<string, readonly [number, number]> = { '1080p': [1920, 1080], '4k': [3840, 2160] };
/** Width of the simulator's own frames (its image_size): frames of other widths on the topic are the flood's own. */
const SIM_WIDTH_MAX = 256;
const RSS_SAMPLE_MS = 200;

const { values } = parseArgs({
  options: {
    res: { type: 'string', default: '1080p' },
    hz: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '60' },
    pid: { type: 'string' },
  },
});
const [width, height] = RESOLUTIONS[values.res as string] ?? [];
const hz = Number(values.hz);
const seconds = Number(values.seconds);
if (!width || !height || !(hz >= 0) || !(seconds > 0) || !values.pid)
  throw new Error(`usage: --res ${Object.keys(RESOLUTIONS).join('|')} --hz N --seconds N --pid PID`);
const statusPath = `/proc/${values.pid}/status`;
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(statusPath, 'utf8'))?.[1]) / 1024;

const rcl = await loadRclnodejs();
await rcl.init();
const node = rcl.createNode('jepa_mpc_flood');
const topic = simTopic('image');
const publisher = node.createPublisher('sensor_msgs/msg/Image', topic);
let latest: { msg: ImageMsg; frame: Uint8Array } | undefined;
// The simulator publishes its camera best-effort (sensor-data QoS): a reliable subscription would hear nothing.
node.createSubscription('sensor_msgs/msg/Image', topic, { qos: rcl.QoS.profileSensorData, enableTypedArray: true }, (m: ImageMsg) => {
  if (m.width > SIM_WIDTH_MAX) return; // our own frames
  latest = { msg: m, frame: scaleIntoFrame(imageFromMsg(m), width, height) };
});
let plans = 0;
let planMs = 0;
let lastStep = 0;
const statuses: Record<string, number> = {};
node.createSubscription(
  'jepa_mpc_interfaces/msg/PlannerStatus',
  `/${PLANNER_NODE}/status`,
  {},
  (s: { step: number; code_name: string; plan_time_ms: number }) => {
    statuses[s.code_name] = (statuses[s.code_name] ?? 0) + 1;
    if (s.step > lastStep) {
      plans++;
      planMs += s.plan_time_ms;
    }
    lastStep = s.step;
  },
);
rcl.spin(node);

const rss: number[] = [rssMb()];
let sent = 0;
const timers = [setInterval(() => rss.push(rssMb()), RSS_SAMPLE_MS)];
if (hz > 0)
  timers.push(
    setInterval(() => {
      if (!latest) return;
      const { msg, frame } = latest;
      publisher.publish({ header: msg.header, height, width, encoding: 'rgb8', is_bigendian: 0, step: width * 3, data: frame });
      sent++;
    }, 1000 / hz),
  );
const t0 = performance.now();
await new Promise((r) => setTimeout(r, 1000 * seconds));
for (const t of timers) clearInterval(t);
const elapsed = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    res: values.res,
    hz,
    seconds: elapsed,
    framesSent: sent,
    framesPerS: sent / elapsed,
    rssStartMb: rss[0],
    rssPeakMb: Math.max(...rss),
    rssEndMb: rss.at(-1),
    plans,
    planRateHz: plans / elapsed,
    meanPlanMs: plans ? planMs / plans : null,
    statuses,
  }),
);
node.destroy();
rcl.shutdown();
process.exit(0);
