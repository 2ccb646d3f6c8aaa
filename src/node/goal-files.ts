/**
 * Goal images named by file in a service call, resolved strictly inside the configured goal
 * folder: no absolute paths, no `..`, no symbolic link that leads out. Reads PNG files.
 */
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { decodePng, type RgbImage } from '../model/image.js';

/** Why a goal file was refused or unreadable. */
export class GoalFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GoalFileError';
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Resolves `name` inside `goalDir` and returns the real path.
 * @throws GoalFileError when the name is empty, absolute, escapes the folder (also via links) or does not exist.
 */
export async function resolveGoalFile(goalDir: string, name: string): Promise<string> {
  if (name.trim() === '') throw new GoalFileError('goal file name is empty');
  if (name.includes('\0')) throw new GoalFileError('goal file name contains a NUL byte');
  if (isAbsolute(name)) throw new GoalFileError(`goal file '${name}' must be relative to the goal folder`);
  const root = resolve(goalDir);
  const candidate = resolve(root, name);
  if (!inside(root, candidate)) throw new GoalFileError(`goal file '${name}' is outside the goal folder ${root}`);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
  } catch (cause) {
    throw new GoalFileError(`goal file '${name}' not found in ${root}`, { cause });
  }
  if (!inside(realRoot, real)) throw new GoalFileError(`goal file '${name}' links outside the goal folder ${root}`);
  return real;
}

/** Reads a goal PNG from the goal folder. @throws GoalFileError for refused, missing or undecodable files. */
export async function readGoalFile(goalDir: string, name: string): Promise<RgbImage> {
  const path = await resolveGoalFile(goalDir, name);
  try {
    return decodePng(await readFile(path));
  } catch (cause) {
    throw new GoalFileError(`goal file '${name}' is not a readable PNG: ${(cause as Error).message}`, { cause });
  }
}
