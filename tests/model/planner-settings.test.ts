/**
 * One resolved planner configuration: the settings schema gives the ROS parameters and the CLI
 * flags alike, and unset means the model manifest's value for every setting.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PLANNER_FLAG_OPTIONS, plannerFromFlags, plannerSettingsFromFlags } from '../../src/cli/planner-flags.js';
import { CliError } from '../../src/cli/cli-error.js';
import { loadManifest, type Manifest } from '../../src/model/manifest.js';
import { PLANNER_SETTINGS, PlannerSettingsError, flagName, resolvePlannerConfig, unsetPlannerSettings } from '../../src/model/planner-settings.js';
import { PARAMETERS } from '../../src/node/parameters.js';
import { activeOptimizer } from '../../src/core/mpc.js';
import { modelDir } from '../../src/paths.js';

let m0: Manifest;
const shipped = async (): Promise<Manifest> => m0;
beforeAll(async () => {
  m0 = (await loadManifest(modelDir('sim-jepa-ac'))).manifest;
});

describe('planner settings', () => {
  it('are ROS parameters and CLI flags from the same specs', () => {
    for (const [name, spec] of Object.entries(PLANNER_SETTINGS)) {
      expect((PARAMETERS as Record<string, unknown>)[name], name).toBe(spec);
      expect(PLANNER_FLAG_OPTIONS[flagName(name as keyof typeof PLANNER_SETTINGS)], name).toEqual({ type: 'string' });
    }
  });

  it("resolve to the model's planner when unset", async () => {
    const m = await shipped();
    const c = resolvePlannerConfig(m, unsetPlannerSettings());
    expect(c.optimizer).toBe(m.planning.optimizer);
    const o = activeOptimizer(c);
    expect([o.samples, o.iterations, o.elites, o.horizon]).toEqual([m.planning.samples, m.planning.iterations, m.planning.elites, m.planning.horizon]);
    expect(c.goalGripperWeight).toBe(m.planning.goalGripperWeight);
    expect(c.warmStart).toBe(m.planning.warmStart);
    expect(c.cem.space).toEqual({
      lower: m.planning.lower,
      upper: m.planning.upper,
      pinned: m.planning.pinned,
      gripperIndex: m.planning.gripperIndex,
      gripperSnap: m.planning.gripperSnap,
      gripperMargin: m.planning.gripperMargin,
    });
    expect([c.cem.momentumMean, c.cem.momentumStd]).toEqual([m.planning.momentumMean, m.planning.momentumStd]);
  });

  it.each([
    [{ samples: 64 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.cem.samples, 64],
    [{ samples: 10 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.mppi.elites, 10], // the model's 64 elites capped by 10 samples
    [{ optimizer: 'cem' as const }, (c: ReturnType<typeof resolvePlannerConfig>) => [c.optimizer, c.cem.elites, c.icem.elites], ['cem', 10, 10]], // the model's elites are MPPI's: CEM starts from the paper's 10
    [{ optimizer: 'icem' as const, elites: 8 }, (c: ReturnType<typeof resolvePlannerConfig>) => [c.icem.elites, c.mppi.elites], [8, 8]],
    [{ warm_start: 'on' as const }, (c: ReturnType<typeof resolvePlannerConfig>) => c.warmStart, true],
    [{ horizon: 3 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.mppi.horizon, 3],
    [{ goal_gripper_weight: 0 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.goalGripperWeight, 0],
    [{ max_step_xyz: 0.05 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.cem.space.lower.slice(0, 3), [-0.05, -0.05, -0.05]],
    [{ max_step_rotation: 0.1 }, (c: ReturnType<typeof resolvePlannerConfig>) => [c.cem.space.upper[5], c.cem.space.pinned], [0.1, []]],
    [{ max_step_gripper: 0.5 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.cem.space.upper[6], 0.5],
    [{ gripper_margin: 0.2 }, (c: ReturnType<typeof resolvePlannerConfig>) => c.cem.space.gripperMargin, 0.2],
  ])('take an explicit %j', async (settings, read, expected) => {
    expect(read(resolvePlannerConfig(await shipped(), settings))).toEqual(expected);
  });

  it.each([
    [{ horizon: 2 }, /horizon 2: model 'sim-jepa-ac' has rollout graphs for 1, 3 only/],
    [{ samples: 10, elites: 20 }, /elites \(20\) must not exceed samples \(10\)/],
  ])('refuse %j, which the model cannot run', async (settings, message) => {
    expect(() => resolvePlannerConfig(m0, settings)).toThrow(PlannerSettingsError);
    expect(() => resolvePlannerConfig(m0, settings)).toThrow(message);
  });
  it('refuse a goal-gripper term for a model without a goal readout', () => {
    const { goalReadout: _readout, ...withoutReadout } = m0;
    expect(() => resolvePlannerConfig(withoutReadout, { goal_gripper_weight: 0.1 })).toThrow(/has no goal readout/);
  });
});

describe('planner flags', () => {
  it('parse to settings, absent flags unset', () => {
    expect(plannerSettingsFromFlags({ samples: '40', 'warm-start': 'on', 'goal-gripper-weight': '0' })).toEqual({
      samples: 40,
      warm_start: 'on',
      goal_gripper_weight: 0,
    });
    expect(plannerSettingsFromFlags({})).toEqual({});
  });

  it.each([
    [{ samples: '-5' }, /--samples: must be in \[0, 100000\], got -5/],
    [{ samples: '0' }, /--samples: must be >= 1, got 0/],
    [{ samples: 'many' }, /--samples: must be a finite number/],
    [{ 'warm-start': 'maybe' }, /--warm-start: must be one of \|on\|off, got 'maybe'/],
    [{ 'goal-gripper-weight': '-1' }, /--goal-gripper-weight: must be >= 0, got -1/],
    [{ optimizer: '' }, /--optimizer: needs a value/],
  ])('refuse %j with one line naming the flag', (values, message) => {
    expect(() => plannerSettingsFromFlags(values)).toThrow(CliError);
    expect(() => plannerSettingsFromFlags(values)).toThrow(message);
  });

  it('turn a setting the model cannot run into a CLI error', async () => {
    expect(() => plannerFromFlags(m0, { horizon: '2' })).toThrow(CliError);
  });
});
