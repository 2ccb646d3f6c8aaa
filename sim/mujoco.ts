/**
 * Loads the mujoco-js WebAssembly module once per process and compiles MJCF strings into models
 * through its in-memory file system. The only module besides the simulator that touches mujoco-js.
 */
import loadMujoco, { type MainModule, type MjModel } from 'mujoco-js';

export type { MainModule, MjModel, MjData } from 'mujoco-js';

/** MuJoCo object types used with `mj_name2id` (values of mjtObj). */
export const MJ_OBJ = { body: 1, joint: 3, geom: 5, site: 6, actuator: 19 } as const;

let modulePromise: Promise<MainModule> | undefined;
let fileCounter = 0;

/** The shared mujoco-js module (loaded on first use, ~0.3 s). */
export function mujoco(): Promise<MainModule> {
  modulePromise ??= loadMujoco();
  return modulePromise;
}

/**
 * Compiles an MJCF document. The caller owns the model and must `.delete()` it.
 * @throws Error with MuJoCo's message when the XML does not compile.
 */
export function compileModel(mj: MainModule, xml: string): MjModel {
  const path = `/jepa-mpc-scene-${process.pid}-${fileCounter++}.xml`;
  mj.FS.writeFile(path, xml);
  try {
    // On failure mujoco-js prints MuJoCo's message to stderr and returns null.
    const model = mj.MjModel.loadFromXML(path) as MjModel | null;
    if (model === null) throw new Error('MuJoCo could not compile the scene XML (its message is on stderr)');
    return model;
  } finally {
    mj.FS.unlink(path);
  }
}
