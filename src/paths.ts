/**
 * Where the project's own files are, whether running from `src/` (tests, tsx) or `dist/src/`
 * (the built CLI, an installed ROS package): found by walking up to the package.json named
 * jepa-mpc.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Absolute path of the project (package) root. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'jepa-mpc') {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no jepa-mpc package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Folder of a shipped model, e.g. modelDir('test-tiny'). */
export function modelDir(name: string): string {
  return join(projectRoot(), 'models', name);
}
