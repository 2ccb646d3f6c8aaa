/**
 * One connection to an inference worker thread: numbered requests, exactly one reply each, and a
 * watchdog per request. The link is lost — once — when the worker exits, throws, or leaves a
 * request unanswered past the timeout (a hung run: the worker is then terminated); every waiting
 * request is rejected with the reason and the owner is told, so it can start a fresh worker.
 */
import type { Worker } from 'node:worker_threads';
import { ModelError } from './errors.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** A request's deadline: milliseconds, or 0 for none (loading a model may take as long as it takes). */
export type RequestTimeoutMs = number;

export class WorkerLink {
  private nextId = 1;
  private readonly pending = new Map<number, Waiter>();
  private lostWith: ModelError | undefined;

  constructor(
    private readonly worker: Worker,
    /** Called once when the link is lost for a reason other than {@link end}. */
    private readonly onLost: (error: ModelError) => void,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.lose(new ModelError('WORKER_FAILED', `inference worker crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.lose(new ModelError('WORKER_FAILED', `inference worker exited with code ${code}`)));
  }

  /** Why the link is lost, if it is. */
  get lost(): ModelError | undefined {
    return this.lostWith;
  }

  /** Sends a request; rejects with WORKER_TIMEOUT when no reply comes within `timeoutMs` (0: no deadline). */
  request(message: WorkerRequest, transfer: ArrayBuffer[], timeoutMs: RequestTimeoutMs): Promise<unknown> {
    if (this.lostWith) return Promise.reject(this.lostWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.lose(new ModelError('WORKER_TIMEOUT', `inference worker did not answer '${message.type}' within ${timeoutMs} ms; terminating it`));
              void this.worker.terminate().catch(() => undefined);
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  /**
   * Ends the worker on purpose: asks it to release its sessions, waiting at most `graceMs`
   * (undefined: as long as a run in progress takes), then terminates it. The owner is not told.
   */
  async end(graceMs?: number): Promise<void> {
    if (!this.lostWith) {
      const asked = this.request({ type: 'close' }, [], 0).catch(() => undefined); // it may lose the race to terminate()
      let timer: NodeJS.Timeout | undefined;
      await (graceMs === undefined ? asked : Promise.race([asked, new Promise((r) => (timer = setTimeout(r, graceMs)))]));
      clearTimeout(timer);
    }
    this.lose(new ModelError('CLOSED', 'the world model was closed'), false);
    await this.worker.terminate();
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    clearTimeout(waiter.timer);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new ModelError(reply.error.code, reply.error.message));
  }

  private lose(error: ModelError, tell = true): void {
    if (this.lostWith) return;
    this.lostWith = error;
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.pending.clear();
    if (tell) this.onLost(error);
  }
}
