import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoalFileError, readGoalFile } from '../../src/node/goal-files.js';

describe('goal files', () => {
  let root: string;
  let goals: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'jepa-goals-'));
    goals = join(root, 'goals');
    await mkdir(join(goals, 'pick'), { recursive: true });
    const png = encode({ width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]), channels: 3, depth: 8 });
    await writeFile(join(goals, 'a.png'), png);
    await writeFile(join(goals, 'pick', 'b.png'), png);
    await writeFile(join(root, 'secret.png'), png);
    await writeFile(join(goals, 'broken.png'), 'not a png');
    await symlink(join(root, 'secret.png'), join(goals, 'link.png'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(['a.png', 'pick/b.png', './pick/../a.png'])('reads %s inside the goal folder', async (name) => {
    const img = await readGoalFile(goals, name);
    expect([img.width, img.height]).toEqual([2, 1]);
  });

  it.each([
    ['../secret.png', /outside the goal folder/],
    ['pick/../../secret.png', /outside the goal folder/],
    ['/etc/passwd', /must be relative/],
    ['link.png', /links outside the goal folder/],
    ['', /empty/],
    ['.', /outside the goal folder/],
    ['missing.png', /not found/],
    ['broken.png', /not a readable PNG/],
    ['a\0.png', /NUL/],
  ])('refuses %j', async (name, message) => {
    await expect(readGoalFile(goals, name)).rejects.toThrow(GoalFileError);
    await expect(readGoalFile(goals, name)).rejects.toThrow(message);
  });
});
