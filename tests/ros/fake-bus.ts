/**
 * The rclnodejs double of fake-rclnodejs.ts with a message bus: whatever one node publishes is
 * delivered (a structured clone) to every node's subscription on the same topic name, and a
 * publisher/subscriber type mismatch on a topic throws — so two shells (e.g. the simulator node
 * and the goal capture) can talk as they would over ROS. Timers fire only when a test ticks them.
 */
import type { RclPublisher } from '../../src/ros/rcl-types.js';
import { fakeRclnodejs, type FakeNode } from './fake-rclnodejs.js';

/** A fake rclnodejs whose nodes share topics; `setTime` moves every node's clock. */
export function fakeBus(overrides: Record<string, unknown> = {}): ReturnType<typeof fakeRclnodejs> & { setTime(seconds: number): void } {
  const rcl = fakeRclnodejs(overrides);
  const create = rcl.createNode.bind(rcl);
  rcl.createNode = (name: string) => {
    const node = create(name) as FakeNode;
    const createPublisher = node.createPublisher.bind(node);
    node.createPublisher = (type: string, topic: string): RclPublisher => {
      const own = createPublisher(type, topic);
      return {
        publish(message: object) {
          own.publish(message);
          for (const other of rcl.nodes) {
            const sub = other.subscriptions.get(topic);
            if (!sub) continue;
            if (sub.type !== type) throw new Error(`${topic}: published as ${type}, subscribed as ${sub.type}`);
            sub.callback(structuredClone(message) as never);
          }
        },
      };
    };
    return node;
  };
  return Object.assign(rcl, {
    setTime(seconds: number) {
      for (const n of rcl.nodes) n.nowNs = BigInt(Math.round(seconds * 1e9));
    },
  });
}
