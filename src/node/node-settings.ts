/**
 * The planner node's parameters in force and the planner built from them: a live update is
 * accepted whole or not at all (planner settings must fit the model), the control period, and
 * the safety limits for that period.
 */
import { MpcPlanner, type PlannerConfig } from '../core/mpc.js';
import { createRng } from '../core/rng.js';
import { safetyLimitsFor, type SafetyLimits } from '../core/safety.js';
import type { Logger } from '../log.js';
import { PLANNER_SETTINGS, resolvePlannerConfig, type PlannerSettings } from '../model/planner-settings.js';
import type { WorldModel } from '../model/world-model.js';
import { type ParamValues, safetySettingsOf, updateParameters, type UpdateResult } from './parameters.js';

/** Control period when neither the parameters nor a model give one (s). */
const FALLBACK_PERIOD_S = 0.25;

/** The planner settings among the node's parameters (the same names, {@link PLANNER_SETTINGS}). */
export function plannerSettingsOf(p: ParamValues): PlannerSettings {
  return Object.fromEntries(Object.keys(PLANNER_SETTINGS).map((name) => [name, p[name as keyof PlannerSettings]])) as unknown as PlannerSettings;
}

export class NodeSettings {
  private values: ParamValues;
  private built: MpcPlanner | undefined;
  /** Why the parameters' planner settings cannot run on the model, if they cannot. */
  private error: string | undefined;

  constructor(
    private readonly model: WorldModel | undefined,
    params: ParamValues,
    private readonly log: Logger,
  ) {
    this.values = params;
    this.rebuild();
  }

  /** The parameters in force. */
  get params(): ParamValues {
    return this.values;
  }

  /** The planner for the parameters in force (undefined without a model or when they do not fit it). */
  get planner(): MpcPlanner | undefined {
    return this.built;
  }

  /** Why the planner settings do not fit the model, if they do not. */
  get configError(): string | undefined {
    return this.error;
  }

  /** Seconds per control step: 1 / control_rate_hz, or the model's control period when that is 0. */
  get periodS(): number {
    if (this.values.control_rate_hz > 0) return 1 / this.values.control_rate_hz;
    return this.model?.manifest.controlPeriodS ?? FALLBACK_PERIOD_S;
  }

  /** The safety limits of a planner's action space at the control period. */
  safetyLimits(planner: MpcPlanner): SafetyLimits {
    return safetyLimitsFor(planner.optimizerConfig.space, this.periodS, safetySettingsOf(this.values));
  }

  /** A live parameter update: all accepted or none, with the reason. */
  update(changes: Record<string, unknown>): UpdateResult {
    const result = updateParameters(this.values, changes);
    if (!result.ok) return result;
    let config: PlannerConfig | undefined;
    if (this.model) {
      try {
        config = resolvePlannerConfig(this.model.manifest, plannerSettingsOf(result.values));
      } catch (error) {
        return { ok: false, reason: (error as Error).message, values: this.values };
      }
    }
    this.values = result.values;
    this.rebuild(config);
    return result;
  }

  /** A new planner for the parameters in force (`resolved`: already resolved from them). */
  private rebuild(resolved?: PlannerConfig): void {
    const model = this.model;
    if (!model) return;
    try {
      const config = resolved ?? resolvePlannerConfig(model.manifest, plannerSettingsOf(this.values));
      this.built = new MpcPlanner(model, config, { rng: createRng(this.values.planner_seed), clock: () => performance.now() });
      this.error = undefined;
    } catch (error) {
      this.built = undefined;
      this.error = (error as Error).message;
      this.log.error({ reason: this.error }, 'planner settings do not fit the model; holding');
    }
  }
}
