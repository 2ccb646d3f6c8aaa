/**
 * `collect --preview`: the contact sheet shows each episode's first frame exactly as the
 * collection draws it (its layout and randomised appearance).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RANDOMISABLE } from '../../sim/randomise.js';
import { main as collectMain } from '../../src/cli/collect.js';
import { collectDataset } from '../../src/data/collect.js';
import { previewSheet } from '../../src/data/preview.js';
import { decodePng } from '../../src/model/image.js';
import { captureStdout } from '../capture-stdout.js';
import { tempDirs } from './temp-dirs.js';

const tempDir = tempDirs('jepa-preview-');
const GAP = 2;

describe('collect --preview', () => {
  it("draws each episode's first frame as the collection records it", async () => {
    const dir = await tempDir();
    const options = { seed: 5, size: 64, mix: 'general' as const, shadows: true, randomise: [...RANDOMISABLE] };
    await collectDataset({ ...options, outDir: dir, episodes: 3, steps: 2, workers: 1 });
    const frames = await readFile(join(dir, 'shard-00000.frames.u8'));
    const sheet = await previewSheet({ ...options, episodes: 3, scale: 1 });
    expect([sheet.width, sheet.height]).toEqual([3 * (64 + GAP) + GAP, 64 + 2 * GAP]);
    const pixels = 64 * 64 * 3;
    for (let k = 0; k < 3; k++) {
      const first = frames.subarray(k * 3 * pixels, k * 3 * pixels + pixels); // episodes of 3 frames
      for (let y = 0; y < 64; y++) {
        const row = sheet.data.subarray(3 * ((GAP + y) * sheet.width + GAP + k * (64 + GAP)), 3 * ((GAP + y) * sheet.width + GAP + k * (64 + GAP) + 64));
        expect(Buffer.from(row).equals(first.subarray(y * 64 * 3, (y + 1) * 64 * 3)), `episode ${k} row ${y}`).toBe(true);
      }
    }
  });

  it('writes the sheet as a PNG from the command line, and refuses another format', async () => {
    const file = join(await tempDir(), 'sheet.png');
    const out = captureStdout();
    expect(await collectMain(['--preview', file, '--episodes', '4', '--randomise', 'all', '--shadows'])).toBe(0);
    expect(out.lines.at(-1)).toMatch(/^wrote .*sheet\.png \(522x132\)$/);
    vi.restoreAllMocks();
    const png = decodePng(await readFile(file));
    expect([png.width, png.height]).toEqual([4 * (128 + GAP) + GAP, 128 + 2 * GAP]);
    await expect(collectMain(['--preview', 'sheet.jpg'])).rejects.toThrow(/--preview must name a .png file/);
  });
});
