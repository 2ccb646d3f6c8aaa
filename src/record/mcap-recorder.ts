/**
 * Writes what a loop records ({@link EpisodeRecorder}) to an MCAP file as ROS 2 messages: CDR
 * (`@foxglove/rosmsg2-serialization`) under each channel's `ros2msg` schema (msg-definitions.ts),
 * profile `ros2` as rosbag2 writes it, so Foxglove and `ros2 bag` tools read it without the
 * project's packages. Log time is the loop's clock (simulated seconds); a file with several
 * episodes (`eval`) places each after the previous one on the timeline, a second apart, and
 * holds an `episode` metadata record with each one's verdict, and a `jepa_mpc` record describing
 * the run. Messages are encoded at once and written in order behind a queue: the loop never waits.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import type { EpisodeRecorder, EpisodeStart, EpisodeVerdict, PlanFigures, Point3, WorldSnapshot } from '../loop/recorder.js';
import type { ArmCommand, StatusReport } from '../node/ports.js';
import { CHANNELS, type ChannelKey, type ChannelSpec } from './channels.js';
import { schemaText } from './msg-definitions.js';
import { offeredQosProfiles, QOS_METADATA_KEY } from './qos.js';
import { commandMessage, FRAMES, imageMsg, planPathMessage, sceneMarkersMsg, statusMessage, verdictFields, worldMessages } from './messages.js';

/** The MCAP profile rosbag2 writes. */
export const MCAP_PROFILE = 'ros2';
/** Schema encoding of ROS 2 .msg definitions, and the message encoding of CDR. */
export const SCHEMA_ENCODING = 'ros2msg';
export const MESSAGE_ENCODING = 'cdr';
/** Metadata record names: the run's description and each episode's verdict. */
export const METADATA = { run: 'jepa_mpc', episode: 'episode' } as const;
/** Chunk size (bytes): a file cut short (a crash, a full disk) loses at most the chunk being written. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Gap on the timeline between the episodes of one file (s). */
const EPISODE_GAP_S = 1;
const NS_PER_S = 1e9;

/** Options of {@link McapRecorder.create}. */
export interface McapRecorderOptions {
  /** Describes the run (command, model, task…): the `jepa_mpc` metadata record. */
  readonly info: Readonly<Record<string, string>>;
  /** Chunk size in bytes (default {@link DEFAULT_CHUNK_BYTES}). */
  readonly chunkBytes?: number;
}

/** An MCAP file being written (see the file comment). Call {@link close} to finish it. */
export class McapRecorder implements EpisodeRecorder {
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly channelIds = new Map<ChannelKey, number>();
  private readonly schemaIds = new Map<string, number>();
  private readonly encoders = new Map<string, MessageWriter>();
  private readonly sequences = new Map<ChannelKey, number>();
  /** Added to every stamp (ns): shifts later episodes of a file after the earlier ones. */
  private offsetNs = 0n;
  private lastNs = -1n;
  private episode: { index: number; start: EpisodeStart; path?: readonly Point3[] } | undefined;
  private episodes = 0;
  private written = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly writer: McapWriter,
    /** The file's path. */
    readonly path: string,
  ) {}

  /** Creates (or replaces) `path` and writes the file header and the run's description. */
  static async create(path: string, options: McapRecorderOptions): Promise<McapRecorder> {
    const handle = await open(path, 'w');
    const writer = new McapWriter({ writable: new FileHandleWritable(handle), chunkSize: options.chunkBytes ?? DEFAULT_CHUNK_BYTES });
    const recorder = new McapRecorder(handle, writer, path);
    recorder.enqueue(async () => {
      await writer.start({ profile: MCAP_PROFILE, library: 'jepa-mpc (@mcap/core)' });
      await writer.addMetadata({ name: METADATA.run, metadata: new Map(Object.entries(options.info)) });
    });
    return recorder;
  }

  /** Messages written so far. */
  get messageCount(): number {
    return this.written;
  }

  begin(start: EpisodeStart): void {
    const startNs = toNs(start.stampS);
    if (this.lastNs >= 0n && startNs + this.offsetNs <= this.lastNs) this.offsetNs = this.lastNs + toNs(EPISODE_GAP_S) - startNs;
    this.episode = { index: this.episodes++, start };
    this.write(
      'episode',
      { data: JSON.stringify({ event: 'start', index: this.episode.index, seed: start.seed, task: start.task, stages: start.stageNames }) },
      start.stampS,
    );
    this.stage(0, start.stampS);
  }

  world(w: WorldSnapshot): void {
    for (const [key, msg] of worldMessages(w)) this.write(key, msg, w.stampS);
    this.write('sceneMarkers', sceneMarkersMsg(w, this.episode?.path), w.stampS);
  }

  status(report: StatusReport, stampS: number): void {
    this.write('status', statusMessage(report, stampS), stampS);
  }

  plan(figures: PlanFigures): void {
    this.write('energy', { data: figures.energy }, figures.stampS);
    if (Number.isFinite(figures.latentDistance)) this.write('latentDistance', { data: figures.latentDistance }, figures.stampS);
  }

  planPath(points: readonly Point3[], stampS: number): void {
    if (this.episode) this.episode.path = points;
    this.write('planPath', planPathMessage(points, stampS), stampS);
  }

  command(command: ArmCommand): void {
    const [key, msg] = commandMessage(command);
    this.write(key, msg, command.stampS);
  }

  stage(index: number, stampS: number): void {
    const start = this.episode?.start;
    const name = start?.stageNames[index];
    if (!start || name === undefined) return; // all stages done
    // A stage the model proposed has no image: the final goal stands for it.
    const goal = start.goals.find((g) => g.name === name) ?? start.goals.at(-1);
    this.write('episode', { data: JSON.stringify({ event: 'stage', index, name, image: goal?.name === name ? name : (goal?.name ?? null) }) }, stampS);
    if (goal) this.write('goalImage', imageMsg(goal.image, FRAMES.camera, stampS), stampS);
  }

  end(verdict: EpisodeVerdict, stampS: number): void {
    const e = this.episode;
    if (!e) return;
    const fields = verdictFields(e.index, verdict, e.start.stampS + Number(this.offsetNs) / NS_PER_S, stampS + Number(this.offsetNs) / NS_PER_S);
    this.write('episode', { data: JSON.stringify({ event: 'end', ...fields }) }, stampS);
    this.enqueue(() => this.writer.addMetadata({ name: METADATA.episode, metadata: new Map(Object.entries(fields)) }));
    this.episode = undefined;
  }

  /** Writes what is queued, the summary and index, and closes the file (once: later calls wait for the same). @throws the first write error. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.enqueue(() => this.writer.end());
      await this.queue;
      await this.handle.close();
      if (this.failure) throw this.failure;
    })();
    return this.closing;
  }

  /** Encodes a message (a ROS message object of the channel's type) now and queues it on its channel at `stampS` (shifted by the episode offset). */
  write(key: ChannelKey, msg: object, stampS: number): void {
    const { type } = CHANNELS[key];
    const data = this.encoder(type).writeMessage(msg);
    const logTime = toNs(stampS) + this.offsetNs;
    if (logTime > this.lastNs) this.lastNs = logTime;
    const sequence = this.sequences.get(key) ?? 0;
    this.sequences.set(key, sequence + 1);
    this.written++;
    this.enqueue(async () => {
      const channelId = await this.channel(key);
      await this.writer.addMessage({ channelId, sequence, logTime, publishTime: logTime, data });
    });
  }

  private encoder(type: string): MessageWriter {
    let e = this.encoders.get(type);
    if (!e) {
      e = new MessageWriter(parse(schemaText(type), { ros2: true }));
      this.encoders.set(type, e);
    }
    return e;
  }

  /** The channel's id, registering it (and its schema) on first use. Runs inside the queue. */
  private async channel(key: ChannelKey): Promise<number> {
    const known = this.channelIds.get(key);
    if (known !== undefined) return known;
    const spec: ChannelSpec = CHANNELS[key];
    const { topic, type } = spec;
    let schemaId = this.schemaIds.get(type);
    if (schemaId === undefined) {
      schemaId = await this.writer.registerSchema({ name: type, encoding: SCHEMA_ENCODING, data: new TextEncoder().encode(schemaText(type)) });
      this.schemaIds.set(type, schemaId);
    }
    const id = await this.writer.registerChannel({
      topic,
      schemaId,
      messageEncoding: MESSAGE_ENCODING,
      metadata: new Map([[QOS_METADATA_KEY, offeredQosProfiles(spec.qos ?? 'default')]]),
    });
    this.channelIds.set(key, id);
    return id;
  }

  /** Runs `task` after everything queued before it; after a failure nothing more is written. */
  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await task();
      } catch (error) {
        this.failure = error as Error;
      }
    });
  }
}

/** Seconds → nanoseconds (bigint, ≥ 0). */
function toNs(s: number): bigint {
  return BigInt(Math.max(0, Math.round(s * NS_PER_S)));
}
