/**
 * Goal images named by file in a service call, resolved strictly inside the configured goal
 * folder: no absolute paths, no `..`, no symbolic link that leads out. Reads PNG files — also
 * synchronously, for checks that must answer at once (an action's goal callback).
 */
import { readFileSync, realpathSync } from 'node:fs';
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
  const { root, candidate } = lexicalGoalPath(goalDir, name);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(candidate), realpath(root)]);
  } catch (cause) {
    throw new GoalFileError(`goal file '${name}' not found in ${root}`, { cause });
  }
  return checkedReal(root, realRoot, real, name);
}

/** {@link resolveGoalFile} without waiting. @throws GoalFileError as it does. */
export function resolveGoalFileSync(goalDir: string, name: string): string {
  const { root, candidate } = lexicalGoalPath(goalDir, name);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = [realpathSync(candidate), realpathSync(root)];
  } catch (cause) {
    throw new GoalFileError(`goal file '${name}' not found in ${root}`, { cause });
  }
  return checkedReal(root, realRoot, real, name);
}

/** The goal folder and the named file in it, checked on the names alone. */
function lexicalGoalPath(goalDir: string, name: string): { root: string; candidate: string } {
  if (name.trim() === '') throw new GoalFileError('goal file name is empty');
  if (name.includes('\0')) throw new GoalFileError('goal file name contains a NUL byte');
  if (isAbsolute(name)) throw new GoalFileError(`goal file '${name}' must be relative to the goal folder`);
  const root = resolve(goalDir);
  const candidate = resolve(root, name);
  if (!inside(root, candidate)) throw new GoalFileError(`goal file '${name}' is outside the goal folder ${root}`);
  return { root, candidate };
}

function checkedReal(root: string, realRoot: string, real: string, name: string): string {
  if (!inside(realRoot, real)) throw new GoalFileError(`goal file '${name}' links outside the goal folder ${root}`);
  return real;
}

/** Reads a goal PNG from the goal folder. @throws GoalFileError for refused, missing or undecodable files. */
export async function readGoalFile(goalDir: string, name: string): Promise<RgbImage> {
  const path = await resolveGoalFile(goalDir, name);
  return decodeGoal(name, await readFile(path).catch((cause: unknown) => unreadable(name, cause)));
}

/** {@link readGoalFile} without waiting (a small PNG). @throws GoalFileError as it does. */
export function readGoalFileSync(goalDir: string, name: string): RgbImage {
  const path = resolveGoalFileSync(goalDir, name);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    return unreadable(name, cause);
  }
  return decodeGoal(name, bytes);
}

function decodeGoal(name: string, bytes: Uint8Array): RgbImage {
  try {
    return decodePng(bytes);
  } catch (cause) {
    return unreadable(name, cause);
  }
}

function unreadable(name: string, cause: unknown): never {
  throw new GoalFileError(`goal file '${name}' is not a readable PNG: ${(cause as Error).message}`, { cause });
}
