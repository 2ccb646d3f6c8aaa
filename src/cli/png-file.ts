/** Reading PNG files named on the command line. */
import { readFile } from 'node:fs/promises';
import { decodePng, type RgbImage } from '../model/image.js';
import { CliError } from './cli-error.js';

/**
 * Reads and decodes a PNG file.
 * @param what what the image is for, in the error message (e.g. "a goal image").
 * @throws CliError naming the file when it is unreadable or not a PNG.
 */
export async function readPngFile(path: string, what: string): Promise<RgbImage> {
  try {
    return decodePng(await readFile(path));
  } catch (error) {
    throw new CliError(`cannot read ${path} as ${what}: ${(error as Error).message}`);
  }
}

/**
 * Reads several PNG files one after another, so the first unreadable one (in the given order) is
 * the one reported.
 * @throws CliError naming that file.
 */
export async function readPngFiles(paths: readonly string[], what: string): Promise<RgbImage[]> {
  const images: RgbImage[] = [];
  for (const path of paths) images.push(await readPngFile(path, what));
  return images;
}
