/**
 * Worker thread of `collect`: receives shard jobs from the parent, records them with its own
 * simulators and answers with progress and the shard's manifest entry.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { collectShard, SimPool, type PoolSpec, type ShardJob } from './shard.js';
import type { ShardEntry } from './format.js';

/** Messages from the parent. */
export type ToWorker = { type: 'job'; job: ShardJob } | { type: 'close' };
/** Messages to the parent. */
export type FromWorker =
  { type: 'episode'; shardIndex: number; kind: string } | { type: 'done'; entry: ShardEntry } | { type: 'error'; shardIndex: number; message: string };

const port = parentPort;
if (port) {
  const pool = new SimPool(workerData as PoolSpec);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      pool.close();
      port.close();
      return;
    }
    const { job } = msg;
    collectShard(job, pool, (rec) => port.postMessage({ type: 'episode', shardIndex: job.shardIndex, kind: rec.plan.kind } satisfies FromWorker)).then(
      (entry) => port.postMessage({ type: 'done', entry } satisfies FromWorker),
      (error: unknown) =>
        port.postMessage({
          type: 'error',
          shardIndex: job.shardIndex,
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies FromWorker),
    );
  });
}
