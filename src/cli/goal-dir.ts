/**
 * Writing a goals folder all at once: every PNG (and a capture.json describing them) goes into a
 * temporary sibling folder that is renamed to the final name only when complete, so a failed or
 * interrupted capture never leaves a folder that looks like a full set of goal images.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { encode } from 'fast-png';
import type { RgbImage } from '../model/image.js';
import { CliError } from './cli-error.js';

/** One file of the folder. */
export interface GoalImageFile {
  readonly file: string;
  readonly image: RgbImage;
}

/** Bytes of random suffix of the temporary folder names. */
const SUFFIX_BYTES = 4;

async function entries(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes the images and `capture.json` (the given metadata plus the file list) as folder `dir`.
 * An existing empty folder is replaced; a non-empty one only with `force`.
 * @throws CliError when `dir` exists with files and `force` is off (nothing is written then).
 */
export async function writeGoalDir(dir: string, images: readonly GoalImageFile[], metadata: object, force = false): Promise<void> {
  const final = resolve(dir);
  const existing = await entries(final);
  if (existing && existing.length > 0 && !force) throw new CliError(`${dir} already exists and is not empty (pass --force to replace it)`);
  const suffix = `${process.pid}-${randomBytes(SUFFIX_BYTES).toString('hex')}`;
  const temp = join(dirname(final), `.${basename(final)}.partial-${suffix}`);
  await mkdir(dirname(final), { recursive: true });
  await mkdir(temp);
  try {
    for (const { file, image } of images) {
      await writeFile(join(temp, file), encode({ width: image.width, height: image.height, data: image.data, channels: 3, depth: 8 }));
    }
    await writeFile(join(temp, 'capture.json'), `${JSON.stringify({ ...metadata, files: images.map((i) => i.file) }, null, 2)}\n`);
    if (existing) {
      const old = join(dirname(final), `.${basename(final)}.old-${suffix}`);
      await rename(final, old);
      await rename(temp, final);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, final);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
