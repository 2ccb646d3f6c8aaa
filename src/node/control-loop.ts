/**
 * The planner node's control cycle ({@link ControlLoop.tick}, called at the control rate): hold
 * with a reason, or let the running command go on, or start a plan from inputs taken after the
 * last command finished; a status is published every cycle and at once when a plan ends.
 */
import { PlannerStatus } from '../core/status.js';
import type { WorldModel } from '../model/world-model.js';
import type { CommandExecutor } from './command-executor.js';
import type { GoalBook } from './goal-services.js';
import type { Hold, NodeInputs } from './node-inputs.js';
import type { NodeSettings } from './node-settings.js';
import { planAndAct, type CycleHost } from './plan-cycle.js';
import type { PlannerNodeDeps, StatusReport } from './ports.js';
import type { StatusBoard } from './status-board.js';

/** The node's parts the loop works with (owned by the node). */
export interface NodeParts {
  readonly deps: PlannerNodeDeps;
  readonly model: WorldModel | undefined;
  readonly settings: NodeSettings;
  readonly executor: CommandExecutor;
  readonly inputs: NodeInputs;
  readonly goals: GoalBook;
  readonly status: StatusBoard;
}

export class ControlLoop {
  /** Holding on request (~/stop, shutdown). */
  stopped = false;
  /** After shutdown: nothing is published any more. */
  closed = false;
  /** Actions executed since the goals were set, and the last one. */
  stepCount = 0;
  /** Called after every plan, once its status is published (the action's feedback). */
  onPlanEnd: (() => void) | undefined;
  private lastAction: number[] = [];
  private planning: { done: Promise<void>; frameStamp: number } | undefined;

  constructor(private readonly parts: NodeParts) {}

  /** Whether a plan is running. */
  get planInFlight(): boolean {
    return this.planning !== undefined;
  }

  /** Waits for a plan in flight. */
  async idle(): Promise<void> {
    await this.planning?.done;
  }

  /** One control cycle (see the file comment). */
  tick(): void {
    if (this.closed) return;
    const { deps, executor, inputs, settings, status } = this.parts;
    const now = deps.clock();
    const hold = this.holdReason(now);
    if (hold) {
      status.set(hold.code, hold.message);
      // Done or without a goal, a running command finishes as planned; faults and stops halt it.
      if (hold.code === PlannerStatus.GOAL_REACHED || hold.code === PlannerStatus.WAITING_FOR_GOAL) executor.tick(now);
      else executor.hold(now, inputs.pose?.value, inputs.joints?.value);
    } else {
      executor.tick(now);
      if (this.planning) {
        status.set(PlannerStatus.PLANNING, `planning from the frame stamped ${this.planning.frameStamp.toFixed(3)} s; holding`);
      } else if (now >= executor.busyUntil) {
        const waiting = inputs.takenBefore(executor.busyUntil + settings.params.settle_s);
        if (waiting) status.set(PlannerStatus.WAITING_FOR_OBSERVATION, waiting);
        else this.startPlan();
      }
    }
    this.publishStatus();
  }

  /** Publishes the status (not after shutdown). */
  publishStatus(): void {
    if (this.closed) return;
    this.parts.deps.outputs.status(this.report());
  }

  /** The status report of now. */
  report(): StatusReport {
    const { goals, model, status } = this.parts;
    const sequencer = goals.sequencer;
    return status.report({
      step: this.stepCount,
      subgoalIndex: sequencer?.current?.index ?? sequencer?.count ?? 0,
      subgoalCount: sequencer?.count ?? 0,
      lastAction: this.lastAction,
      provider: model?.provider ?? 'none',
    });
  }

  /** Why the arm holds this cycle, if it does: no usable model, a stop, no goal or goals done, stale or bad inputs. */
  private holdReason(now: number): Hold | undefined {
    const { deps, goals, inputs, model, settings } = this.parts;
    if (!model) return { code: PlannerStatus.MODEL_ERROR, message: `no world model loaded: ${(deps.model as { error: string }).error}` };
    const health = model.health;
    if (health && health.state !== 'ok') {
      const what = health.state === 'restarting' ? 'being restarted' : 'given up after repeated failures';
      return { code: PlannerStatus.MODEL_ERROR, message: `model worker ${what} (${health.lastFault ?? 'fault'}); holding` };
    }
    if (settings.configError) return { code: PlannerStatus.MODEL_ERROR, message: `planner settings do not fit the model: ${settings.configError}` };
    if (this.stopped) return { code: PlannerStatus.HOLDING, message: 'stopped by request' };
    if (!goals.sequencer) return { code: PlannerStatus.WAITING_FOR_GOAL, message: 'no goal set' };
    if (goals.sequencer.done) return { code: PlannerStatus.GOAL_REACHED, message: `all ${goals.sequencer.count} goals done` };
    return inputs.staleness(now);
  }

  private startPlan(): void {
    const { deps, executor, goals, inputs, settings, status } = this.parts;
    const frames = inputs.frames() as NonNullable<ReturnType<NodeInputs['frames']>>;
    const pose = inputs.pose as NonNullable<NodeInputs['pose']>;
    const planner = settings.planner as NonNullable<NodeSettings['planner']>;
    const host: CycleHost = {
      model: this.parts.model as WorldModel,
      planner,
      limits: settings.safetyLimits(planner),
      goals,
      executor,
      status,
      outputs: deps.outputs,
      log: deps.log,
      joints: () => inputs.joints?.value,
      executed: (action) => {
        this.lastAction = Array.from(action);
        return ++this.stepCount;
      },
    };
    const done = planAndAct(
      host,
      frames.map((f) => f.value),
      pose.value,
      goals.generation,
    )
      .catch((error: unknown) => {
        // Nothing may escape into the timer: an unexpected failure holds with a status.
        status.set(PlannerStatus.INVALID_INPUT, `planning cycle failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.planning = undefined;
        this.publishStatus(); // report the plan's outcome at once, not a cycle later
        if (!this.closed) this.onPlanEnd?.();
      });
    this.planning = { done, frameStamp: Math.min(...frames.map((f) => f.stamp)) };
  }
}
