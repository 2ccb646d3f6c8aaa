/**
 * What an MCAP file holds, read record by record from its start (McapStreamReader), so a file cut
 * short — a crash, a full disk, a copy interrupted — still says what it held up to the cut: its
 * channels (topic, schema, encodings, messages), the log-time span, the metadata records (the
 * run's description and each episode's verdict in files written by {@link McapRecorder}), and
 * where and why reading stopped. Never throws for a file's content; only for a file that cannot be
 * opened.
 */
import { open } from 'node:fs/promises';
import { hasMcapPrefix, McapStreamReader } from '@mcap/core';
import { METADATA } from './mcap-recorder.js';

/** One channel of a file. */
export interface ChannelReport {
  readonly topic: string;
  /** Schema name (e.g. sensor_msgs/msg/Image) and encoding (ros2msg), '' without a schema. */
  readonly schema: string;
  readonly schemaEncoding: string;
  readonly messageEncoding: string;
  readonly messages: number;
}

/** What {@link readMcapReport} found. */
export interface McapReport {
  readonly bytes: number;
  /** Bytes of the file read as whole records (the rest was an unfinished or damaged record). */
  readonly bytesRead: number;
  /** Whether the file starts with the MCAP magic. */
  readonly isMcap: boolean;
  /** Whether reading reached the footer and closing magic: a complete file. */
  readonly complete: boolean;
  /** Why reading stopped early (undefined for a complete file). */
  readonly problem?: string;
  readonly profile: string;
  readonly library: string;
  readonly channels: ChannelReport[];
  readonly messages: number;
  /** First and last log time (ns), undefined without messages. */
  readonly startNs?: bigint;
  readonly endNs?: bigint;
  /** Metadata records in file order. */
  readonly metadata: { readonly name: string; readonly fields: Record<string, string> }[];
}

/** Bytes read from the file at a time. */
const READ_BYTES = 1 << 20;
/** Length of the MCAP magic. */
const MAGIC_BYTES = 8;

/** Reads `path` (see the file comment). @throws Error when the file cannot be opened or read. */
export async function readMcapReport(path: string): Promise<McapReport> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(MAGIC_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    const isMcap = head.length === MAGIC_BYTES && hasMcapPrefix(new DataView(head.buffer));
    const channels = new Map<number, { topic: string; schemaId: number; messageEncoding: string; messages: number }>();
    const schemas = new Map<number, { name: string; encoding: string }>();
    const metadata: { name: string; fields: Record<string, string> }[] = [];
    let profile = '';
    let library = '';
    let messages = 0;
    let startNs: bigint | undefined;
    let endNs: bigint | undefined;
    let problem: string | undefined;
    let appended = 0;
    const reader = new McapStreamReader();
    const buffer = new Uint8Array(READ_BYTES);
    if (!isMcap) problem = size === 0 ? 'the file is empty' : 'it does not start with the MCAP magic bytes';
    while (!problem && !reader.done()) {
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, appended);
      if (bytesRead === 0) break;
      appended += bytesRead;
      try {
        reader.append(buffer.slice(0, bytesRead));
        for (let r = reader.nextRecord(); r; r = reader.nextRecord()) {
          if (r.type === 'Header') [profile, library] = [r.profile, r.library];
          else if (r.type === 'Schema') schemas.set(r.id, { name: r.name, encoding: r.encoding });
          else if (r.type === 'Channel' && !channels.has(r.id))
            channels.set(r.id, { topic: r.topic, schemaId: r.schemaId, messageEncoding: r.messageEncoding, messages: 0 });
          else if (r.type === 'Metadata') metadata.push({ name: r.name, fields: Object.fromEntries(r.metadata) });
          else if (r.type === 'Message') {
            messages++;
            const c = channels.get(r.channelId);
            if (c) c.messages++;
            if (startNs === undefined || r.logTime < startNs) startNs = r.logTime;
            if (endNs === undefined || r.logTime > endNs) endNs = r.logTime;
          }
        }
      } catch (error) {
        problem = `damaged record: ${(error as Error).message}`;
      }
    }
    const complete = !problem && reader.done();
    const unread = complete ? 0 : reader.bytesRemaining();
    if (!complete && !problem) problem = unread > 0 ? `it ends inside a record (${unread} bytes of an unfinished record)` : 'it ends before the footer';
    return {
      bytes: size,
      bytesRead: isMcap ? appended - unread : 0,
      isMcap,
      complete,
      ...(problem ? { problem } : {}),
      profile,
      library,
      channels: [...channels.values()].map((c) => {
        const s = schemas.get(c.schemaId);
        return { topic: c.topic, schema: s?.name ?? '', schemaEncoding: s?.encoding ?? '', messageEncoding: c.messageEncoding, messages: c.messages };
      }),
      messages,
      ...(startNs !== undefined ? { startNs } : {}),
      ...(endNs !== undefined ? { endNs } : {}),
      metadata,
    };
  } finally {
    await handle.close();
  }
}

/** The episode verdicts of a report (metadata records named {@link METADATA}.episode), in file order. */
export function episodeVerdicts(report: McapReport): Record<string, string>[] {
  return report.metadata.filter((m) => m.name === METADATA.episode).map((m) => m.fields);
}

/** The run's description (the {@link METADATA}.run record), if any. */
export function runInfo(report: McapReport): Record<string, string> | undefined {
  return report.metadata.find((m) => m.name === METADATA.run)?.fields;
}
