/**
 * How the planner node turns an executed 7-D delta into commands, exactly once:
 * - twist: delta/period streamed for exactly one period (re-published each cycle to keep a servo
 *   fed), then one zero twist stamped at the period's end — no ramp after a completed command,
 *   so a simulator or servo that integrates the stream moves by the delta itself;
 * - pose / joint: one target (current pose ⊕ delta), published once;
 * - gripper: the commanded closedness tracked here, a franka_gripper goal or a finger position.
 * Holding (stale inputs, stop) decelerates a running twist stream (smooth halt) or commands the
 * current pose / joints once. `busyUntil` says when the last command finishes: the node plans
 * only from observations stamped after it.
 */
import { rampDown } from '../core/safety.js';
import { fingerPosition, gripperStep, jointTargetFromDelta, poseTarget, twistFromDelta, type ToolPose, type Twist } from '../robot/commands.js';
import { ARM_JOINT_SUFFIXES } from '../robot/panda-kinematics.js';
import type { ParamValues } from './parameters.js';
import type { ArmCommand, NodeOutputs, SecondsClock } from './ports.js';
import { ACTION_LAYOUT } from '../core/action-space.js';

/** Re-sends closer than this to a stream's end are skipped (s): the stop follows at once. */
const EPS_S = 1e-6;
/** Angular deceleration relative to the linear one in the smooth halt (rad/s² per m/s²). */
const ANGULAR_DECEL_RATIO = 4;

/** What the executor needs from the node. */
export interface ExecutorDeps {
  readonly outputs: NodeOutputs;
  readonly clock: SecondsClock;
  /** Runs `fn` after `delayS` seconds of the node's clock (ends a twist stream on time); without it the next cycle ends it, stamped at the period's end. */
  readonly schedule?: (delayS: number, fn: () => void) => void;
}

/** The node's command output (see the file comment). */
export class CommandExecutor {
  /** Commanded gripper closedness [0, 1] (the state's gripper entry). */
  closedness = 0;
  private closednessKnown = false;
  /** When the last executed command finishes (s, node clock). */
  busyUntil = -Infinity;
  private stream: { twist: Twist; until: number } | undefined;
  private velocity: number[] = [0, 0, 0, 0, 0, 0];
  private holdPublished = false;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly params: () => ParamValues,
    private readonly periodS: () => number,
  ) {}

  /** The finger opening seen once at start-up sets the initial closedness (later the commanded one is tracked). */
  observeFingers(opening: number): void {
    if (this.closednessKnown || !Number.isFinite(opening)) return;
    this.closedness = 1 - Math.min(1, Math.max(0, opening / (this.params().gripper_max_width / 2)));
    this.closednessKnown = true;
  }

  /** Executes one delta [7] from the observed pose (and joints, for joint output). */
  execute(action: Float32Array, pose: ToolPose, joints: readonly number[] | undefined): void {
    const p = this.params();
    const now = this.deps.clock();
    const period = this.periodS();
    this.busyUntil = now + period;
    this.holdPublished = false;
    switch (p.output_mode) {
      case 'twist': {
        const stream = { twist: twistFromDelta(action, period), until: now + period };
        this.stream = stream;
        this.publishVelocity([...stream.twist.linear, ...stream.twist.angular], now);
        this.deps.schedule?.(period, () => this.endStream(stream));
        this.scheduleResends(stream, now, p.twist_rate_hz);
        break;
      }
      case 'pose':
        this.emit({ kind: 'pose', frameId: p.command_frame, pose: poseTarget(pose, action), stampS: now });
        break;
      case 'joint': {
        if (!joints) throw new Error('joint output needs joint states');
        const target = jointTargetFromDelta(joints, action);
        this.emit({ kind: 'joint', names: this.jointNames(), positions: target.positions, timeFromStartS: period, stampS: now });
        break;
      }
    }
    const g = gripperStep(this.closedness, action[ACTION_LAYOUT.gripper] as number, {
      maxWidth: p.gripper_max_width,
      speed: p.gripper_speed,
      force: p.grasp_force,
      graspThreshold: p.grasp_threshold,
    });
    this.closedness = g.closedness;
    if (p.gripper_mode === 'franka' && g.command) this.deps.outputs.gripper(g.command);
    if (p.gripper_mode === 'joint') this.deps.outputs.gripper({ kind: 'position', position: fingerPosition(g.closedness) });
  }

  /** Every cycle while not holding: keeps a running twist stream fed, ends a finished one, else commands zero (or finishes a halt). */
  tick(now: number): void {
    if (this.params().output_mode !== 'twist') return;
    const s = this.stream;
    if (s && now >= s.until) this.endStream(s);
    else if (s) this.publishVelocity(this.velocity, now);
    else this.rampToZero(now);
  }

  /** Holding: a running twist decelerates (smooth halt); pose/joint modes command the current pose/joints once. */
  hold(now: number, pose: ToolPose | undefined, joints: readonly number[] | undefined): void {
    const p = this.params();
    if (p.output_mode === 'twist') {
      this.stream = undefined;
      this.rampToZero(now);
      return;
    }
    if (this.holdPublished) return;
    if (p.output_mode === 'pose' && pose) {
      this.emit({ kind: 'pose', frameId: p.command_frame, pose, stampS: now });
      this.holdPublished = true;
    } else if (p.output_mode === 'joint' && joints) {
      this.emit({ kind: 'joint', names: this.jointNames(), positions: joints, timeFromStartS: this.periodS(), stampS: now });
      this.holdPublished = true;
    }
  }

  private rampToZero(now: number): void {
    const p = this.params();
    const dt = this.periodS();
    const v = this.velocity;
    this.publishVelocity([...rampDown(v.slice(0, 3), p.max_decel, dt), ...rampDown(v.slice(3), p.max_decel * ANGULAR_DECEL_RATIO, dt)], now);
  }

  /** Re-sends a stream's twist every 1/rate s until its end (each stamped at its send time; the integral is unchanged). */
  private scheduleResends(stream: { twist: Twist; until: number }, start: number, rateHz: number): void {
    const schedule = this.deps.schedule;
    if (!schedule || !(rateHz > 0)) return;
    const interval = 1 / rateHz;
    for (let k = 1; start + k * interval < stream.until - EPS_S; k++) {
      schedule(k * interval, () => {
        if (this.stream === stream) this.publishVelocity([...stream.twist.linear, ...stream.twist.angular], start + k * interval);
      });
    }
  }

  /** Stops now (shutdown): a zero twist at once, or the current pose / joints commanded once more. */
  halt(now: number, pose: ToolPose | undefined, joints: readonly number[] | undefined): void {
    const p = this.params();
    this.stream = undefined;
    if (p.output_mode === 'twist') this.publishVelocity([0, 0, 0, 0, 0, 0], now);
    else if (p.output_mode === 'pose' && pose) this.emit({ kind: 'pose', frameId: p.command_frame, pose, stampS: now });
    else if (p.output_mode === 'joint' && joints)
      this.emit({ kind: 'joint', names: this.jointNames(), positions: joints, timeFromStartS: this.periodS(), stampS: now });
  }

  /** Ends a stream once: one zero twist stamped at its end (a late cycle or timer still stamps the exact end). */
  private endStream(stream: { until: number }): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.publishVelocity([0, 0, 0, 0, 0, 0], stream.until);
  }

  private publishVelocity(v: readonly number[], stampS: number): void {
    this.velocity = [...v];
    this.emit({
      kind: 'twist',
      frameId: this.params().command_frame,
      twist: { linear: [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0], angular: [v[3] ?? 0, v[4] ?? 0, v[5] ?? 0] },
      stampS,
    });
  }

  private emit(command: ArmCommand): void {
    this.deps.outputs.command(command);
  }

  private jointNames(): string[] {
    return ARM_JOINT_SUFFIXES.map((s) => `${this.params().joint_prefix}${s}`);
  }
}
