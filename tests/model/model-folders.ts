/**
 * Helpers for tests of bad model folders: a changed copy of a model folder, and the assertion
 * that loading (or a call) fails with a given ModelError.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ModelError } from '../../src/model/errors.js';
import { OnnxWorldModel } from '../../src/model/onnx-world-model.js';

/** A fresh copy of the model folder `from` at `<tmp>/<name>`, its manifest changed by `edit`. */
export async function modelVariant(from: string, tmp: string, name: string, edit: (m: Record<string, unknown>) => void = () => {}): Promise<string> {
  const dir = join(tmp, name);
  await cp(from, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** Asserts that `promise` rejects with a ModelError of `code` whose message matches (a model it resolves to is closed). */
export async function expectModelError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    const m = await promise;
    if (m instanceof OnnxWorldModel) await m.close();
    expect.unreachable(`expected ModelError ${code}`);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
  }
}
