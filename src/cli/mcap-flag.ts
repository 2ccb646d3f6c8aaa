/**
 * `--mcap FILE`, shared by `demo`, `eval`, `stress` and `scenario`: the recording a run writes
 * (src/record/mcap-recorder.ts) and the description it carries.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { McapRecorder } from '../record/mcap-recorder.js';
import { CliError } from './cli-error.js';

/** parseArgs spec of --mcap. */
export const MCAP_OPTION = { mcap: { type: 'string' } } as const;

/** Help line of --mcap (`what`: what the file holds). */
export function mcapHelp(what: string, defaultPath?: string): string {
  const dflt = defaultPath === undefined ? '' : ` (default ${defaultPath}; --mcap '' for none)`;
  return `  --mcap FILE.mcap     record ${what} as ROS 2 messages for Foxglove (camera, poses, TF, commands, plan path, energy, status; 'jepa-mpc inspect FILE')${dflt}`;
}

/**
 * Creates the recording `path` names (its folder too), described by `info`; undefined for no path or ''.
 * @throws CliError for a name that does not end in .mcap or a file that cannot be created.
 */
export async function openRecording(path: string | undefined, info: Record<string, string | number>): Promise<McapRecorder | undefined> {
  if (path === undefined || path === '') return undefined;
  if (!path.endsWith('.mcap')) throw new CliError(`--mcap must name a .mcap file, got '${path}'`);
  const file = resolve(path);
  try {
    await mkdir(dirname(file), { recursive: true });
    return await McapRecorder.create(file, { info: Object.fromEntries(Object.entries(info).map(([k, v]) => [k, String(v)])) });
  } catch (error) {
    throw new CliError(`cannot write --mcap ${path}: ${(error as Error).message}`);
  }
}
