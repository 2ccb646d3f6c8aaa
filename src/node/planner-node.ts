/**
 * The planner node's behaviour, free of ROS, as the shell and the through-node loop see it:
 * callbacks store the latest inputs ({@link NodeInputs}); `tick()` runs one control cycle
 * ({@link ControlLoop}: observe → plan → step → act once, a status every cycle); services set,
 * sequence, clear, start and stop goals ({@link GoalBook}); live parameter updates go through
 * {@link NodeSettings}; the PickPlace action runs goals through the same goal book
 * ({@link PickPlaceAction}). While the model's worker is restarted after a crash or a hung run the node
 * holds with MODEL_ERROR and plans again once it is back. Nothing here throws into the caller.
 */
import { modelViews } from '../model/manifest.js';
import { DEFAULT_VIEWS } from '../model/views.js';
import type { WorldModel } from '../model/world-model.js';
import { PlannerStatus } from '../core/status.js';
import type { Subgoal } from '../core/subgoals.js';
import type { Latents } from '../core/types.js';
import { CommandExecutor } from './command-executor.js';
import { ControlLoop, type NodeParts } from './control-loop.js';
import * as goalServices from './goal-services.js';
import { GoalBook, type SetGoalRequest, type SetGoalResponse, type SetGoalSequenceRequest, type SetGoalSequenceResponse } from './goal-services.js';
import { NodeInputs } from './node-inputs.js';
import { NodeSettings } from './node-settings.js';
import type { ParamValues, UpdateResult } from './parameters.js';
import type { PlannerNodeDeps } from './ports.js';
import { StatusBoard } from './status-board.js';
import { PickPlaceAction, type ActionHost, type GoalSession } from './pick-place-action.js';
import { checkPickPlaceGoal, encodeGoal, PickPlaceOutcome, type CheckedGoal, type PickPlaceGoalRequest, type PickPlaceResult } from './pick-place-goal.js';

export type { SetGoalRequest, SetGoalResponse, SetGoalSequenceRequest, SetGoalSequenceResponse } from './goal-services.js';
export type { PlannerNodeDeps } from './ports.js';

/** A std_srvs/Trigger response. */
export interface TriggerResponse {
  readonly success: boolean;
  readonly message: string;
}

/** The planner node (see the file comment). */
export class PlannerNode {
  private readonly parts: NodeParts;
  private readonly loop: ControlLoop;
  private readonly action: PickPlaceAction;

  constructor(deps: PlannerNodeDeps) {
    const model = 'error' in deps.model ? undefined : deps.model;
    const settings = new NodeSettings(model, deps.params, deps.log);
    const executor = new CommandExecutor(
      deps,
      () => settings.params,
      () => settings.periodS,
    );
    const views = model ? modelViews(model.manifest).views : DEFAULT_VIEWS;
    const inputs = new NodeInputs(
      () => settings.params,
      (position) => executor.observeFingers(position),
      () => views,
    );
    this.parts = { deps, model, settings, executor, inputs, goals: new GoalBook(), status: new StatusBoard(deps.log) };
    this.loop = new ControlLoop(this.parts);
    this.action = new PickPlaceAction(this.actionHost());
    this.loop.onPlanEnd = () => this.action.afterPlan();
  }

  /** The parameters in force. */
  get parameters(): ParamValues {
    return this.parts.settings.params;
  }

  /** Seconds per control step: 1 / control_rate_hz, or the model's control period when that is 0. */
  get periodS(): number {
    return this.parts.settings.periodS;
  }

  /** The camera's latent distance to the active goal at the last plan (NaN before one, and after a new goal until it plans). */
  get latentDistance(): number {
    return this.parts.status.latentDistance;
  }

  /** Whether a plan is running (tests and virtual-clock harnesses wait for it with {@link idle}). */
  get planInFlight(): boolean {
    return this.loop.planInFlight;
  }

  /** Camera, pose and joint state callbacks: store the latest only. */
  onImage: NodeInputs['onImage'] = (frame, stamp, view) => this.parts.inputs.onImage(frame, stamp, view);
  onPose: NodeInputs['onPose'] = (pose, stamp) => this.parts.inputs.onPose(pose, stamp);
  onJointState: NodeInputs['onJointState'] = (names, positions, stamp) => this.parts.inputs.onJointState(names, positions, stamp);

  /** One control cycle. Returns once the cycle's decisions are published (a started plan runs on). */
  tick(): void {
    this.loop.tick();
    if (!this.loop.closed) this.action.afterTick();
  }

  /** Waits for a plan in flight (tests, shutdown and virtual-clock harnesses). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** SetGoal: one goal from an image, a file in the goal folder, or the current frame. */
  async setGoal(req: SetGoalRequest): Promise<SetGoalResponse> {
    const host = this.goalHost();
    if (typeof host === 'string') return { accepted: false, message: host, latentDistance: NaN };
    const r = await goalServices.setGoal(host, req).catch((error: Error) => ({ accepted: false, message: error.message, latentDistance: NaN }));
    if (r.accepted) this.action.preempt('replaced by a SetGoal service call');
    return r;
  }

  /** SetGoalSequence: several goals with a step budget (and optional energy threshold) each. */
  async setGoalSequence(req: SetGoalSequenceRequest): Promise<SetGoalSequenceResponse> {
    const host = goalServices.sequenceProblem(req) ?? this.goalHost();
    if (typeof host === 'string') return { accepted: false, message: host, goalCount: 0 };
    const r = await goalServices.setGoalSequence(host, req).catch((error: Error) => ({ accepted: false, message: error.message, goalCount: 0 }));
    if (r.accepted) this.action.preempt('replaced by a SetGoalSequence service call');
    return r;
  }

  /** ~/clear_goal: forget the goals and hold. */
  clearGoal(): TriggerResponse {
    this.action.preempt('goal cleared by ~/clear_goal');
    this.parts.goals.clear();
    this.parts.status.set(PlannerStatus.WAITING_FOR_GOAL, 'goal cleared');
    return { success: true, message: 'goal cleared; holding' };
  }

  /** ~/stop: hold the arm (goals kept). */
  stop(): TriggerResponse {
    this.loop.stopped = true;
    this.parts.goals.generation++;
    this.parts.status.set(PlannerStatus.HOLDING, 'stopped by request');
    this.parts.deps.outputs.gripperHalt?.();
    return { success: true, message: 'holding' };
  }

  /** ~/start: resume planning. */
  start(): TriggerResponse {
    this.loop.stopped = false;
    return { success: true, message: this.parts.goals.sequencer ? 'planning resumed' : 'started; waiting for a goal' };
  }

  /**
   * Shutdown: hold the arm at once (a zero twist, or the current pose / joints), drop a plan in
   * flight, report HOLDING, and publish nothing afterwards (the shell then ends the model's worker).
   */
  shutdown(): void {
    if (this.loop.closed) return;
    const { deps, executor, goals, inputs, status } = this.parts;
    this.loop.stopped = true;
    this.action.preempt('the planner node shut down');
    goals.generation++;
    executor.halt(deps.clock(), inputs.pose?.value, inputs.joints?.value);
    deps.outputs.gripperHalt?.();
    status.set(PlannerStatus.HOLDING, 'shutting down');
    this.loop.publishStatus();
    this.loop.closed = true;
  }

  /** PickPlace goal callback: the goal to run, or why it is rejected (answered at once; never throws). */
  checkActionGoal(req: PickPlaceGoalRequest): { goal: CheckedGoal } | { reason: string } {
    const { deps, model, inputs } = this.parts;
    return checkPickPlaceGoal(req, {
      manifest: model?.manifest,
      ...('error' in deps.model ? { modelProblem: deps.model.error } : {}),
      goalDir: deps.goalDir,
      currentFrames: inputs.frames()?.map((f) => f.value),
      closed: this.loop.closed,
    });
  }

  /** Runs an accepted PickPlace goal; resolves with its result when it ends (never rejects). */
  runActionGoal(goal: CheckedGoal, session: GoalSession): Promise<PickPlaceResult> {
    if (this.loop.closed) return Promise.resolve(refused('the planner node is shutting down'));
    return this.action.run(goal, session);
  }

  /** PickPlace cancel callback: when `session`'s goal is running, the arm holds at once and it ends CANCELLED. Returns whether it was running. */
  cancelActionGoal(session?: GoalSession): boolean {
    return this.action.cancel(session);
  }

  /** Whether a PickPlace goal is running. */
  get actionGoalRunning(): boolean {
    return this.action.running;
  }

  /** A live parameter update: all accepted or none, with the reason (planner settings must fit the model). */
  updateParameters(changes: Record<string, unknown>): UpdateResult {
    return this.parts.settings.update(changes);
  }

  /** The action's view of the node. */
  private actionHost(): ActionHost {
    const { deps, model, settings, executor, inputs, goals, status } = this.parts;
    return {
      log: deps.log,
      clock: deps.clock,
      encode: (goal) => encodeGoal(model as WorldModel, settings.params, goal),
      install: ({ subgoals, proposeFrom }) => {
        goals.install(subgoals, proposeFrom);
        this.loop.stepCount = 0;
        settings.planner?.reset();
        status.latentDistance = NaN;
        status.set(PlannerStatus.OK, 'action goal set; planning', NaN);
      },
      holdNow: (message) => {
        goals.clear();
        executor.halt(deps.clock(), inputs.pose?.value, inputs.joints?.value);
        deps.outputs.gripperHalt?.();
        status.set(PlannerStatus.HOLDING, message);
        this.loop.publishStatus();
      },
      clearGoals: (message) => {
        goals.clear();
        status.set(PlannerStatus.WAITING_FOR_GOAL, message);
      },
      report: () => this.loop.report(),
      latentDistance: () => status.latentDistance,
      goalsDone: () => goals.sequencer?.done ?? false,
      busyUntil: () => executor.busyUntil,
      modelFault: () => {
        if (settings.configError) return `planner settings do not fit the model: ${settings.configError}`;
        const health = model?.health;
        return health?.state === 'failed' ? `model worker given up after repeated failures (${health.lastFault ?? 'fault'})` : undefined;
      },
      modelRestarting: () => model?.health?.state === 'restarting',
    };
  }

  /** The goal services' view of the node, or why goals cannot be set. */
  private goalHost(): goalServices.GoalHost | string {
    const { deps, model, settings, inputs, goals, status } = this.parts;
    if (!model) return `no world model loaded: ${(deps.model as { error: string }).error}`;
    const install = (subgoals: Subgoal<Latents>[], proposeFrom?: goalServices.PendingStages) => {
      goals.install(subgoals, proposeFrom);
      this.loop.stepCount = 0;
      settings.planner?.reset();
      status.set(PlannerStatus.OK, 'goal set; planning', NaN);
    };
    const frames = inputs.frames();
    return { model: model as WorldModel, params: settings.params, goalDir: deps.goalDir, currentFrames: frames?.map((f) => f.value), log: deps.log, install };
  }
}

/** The result of a goal accepted but not run. */
function refused(message: string): PickPlaceResult {
  return { outcome: PickPlaceOutcome.REFUSED, outcomeName: 'REFUSED', message, steps: 0, elapsedS: 0, finalEnergy: NaN };
}
