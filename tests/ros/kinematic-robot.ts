/**
 * A kinematic stand-in for a simulated Panda/FR3 with a cube, for the goal-capture tests: joint
 * targets are reached by linear interpolation over the commanded time, the fingers move at a fixed
 * speed and stop on the cube when it is between them, a held cube follows the tool, a released
 * one drops onto the table. It reports joint states (optionally with velocities) like
 * joint_state_broadcaster and the cube position.
 */
import { FINGER_TRAVEL, forwardKinematics, PANDA_READY_Q } from '../../src/robot/panda-kinematics.js';

/** Finger speed (m/s per finger). */
const FINGER_SPEED = 0.1;
/** Half the cube's edge (m): where closing fingers stop on it. */
export const CUBE_HALF = 0.0225;
/** The cube is between the fingers when the tool centre is this close to its centre (m). */
const BETWEEN_FINGERS = 0.015;

export class KinematicRobot {
  q: number[] = [...PANDA_READY_Q];
  qdot: number[] = [0, 0, 0, 0, 0, 0, 0];
  finger = FINGER_TRAVEL;
  fingerVelocity = 0;
  held = false;
  private fingerCommand = FINGER_TRAVEL;
  private move?: { from: number[]; to: number[]; elapsed: number; duration: number };

  constructor(
    public cube: number[],
    readonly restZ: number,
    readonly prefix = 'fr3_',
  ) {}

  tcp(): number[] {
    return Array.from(forwardKinematics(this.q).position.slice(0, 3));
  }

  commandJoints(positions: readonly number[], durationS: number): void {
    this.move = { from: [...this.q], to: [...positions], elapsed: 0, duration: durationS };
  }

  commandFingers(position: number): void {
    this.fingerCommand = position;
  }

  /** Advances time by dt seconds. */
  advance(dt: number): void {
    const before = [...this.q];
    if (this.move) {
      const m = this.move;
      m.elapsed += dt;
      const s = Math.min(1, m.elapsed / m.duration);
      this.q = m.from.map((v, i) => v + s * ((m.to[i] as number) - v));
      if (s >= 1) this.move = undefined;
    }
    this.qdot = this.q.map((v, i) => (v - (before[i] as number)) / dt);
    const tcp = this.tcp();
    const between =
      Math.hypot((tcp[0] as number) - (this.cube[0] as number), (tcp[1] as number) - (this.cube[1] as number), (tcp[2] as number) - (this.cube[2] as number)) <
      BETWEEN_FINGERS;
    const stop = between || this.held ? Math.max(this.fingerCommand, CUBE_HALF) : this.fingerCommand;
    const f0 = this.finger;
    const d = stop - this.finger;
    this.finger += Math.sign(d) * Math.min(Math.abs(d), FINGER_SPEED * dt);
    this.fingerVelocity = (this.finger - f0) / dt;
    if (between && this.finger <= CUBE_HALF + 1e-9) this.held = true;
    if (this.held && this.finger > CUBE_HALF + 1e-3) this.held = false;
    if (this.held) this.cube = [...tcp];
    else this.cube = [this.cube[0] as number, this.cube[1] as number, this.restZ];
  }

  /** sensor_msgs/JointState as joint_state_broadcaster publishes it (velocities optional). */
  jointState(stampS: number, withVelocity: boolean): object {
    const sec = Math.floor(stampS);
    return {
      header: { stamp: { sec, nanosec: Math.round((stampS - sec) * 1e9) }, frame_id: '' },
      name: [...this.q.map((_, i) => `${this.prefix}joint${i + 1}`), `${this.prefix}finger_joint1`, `${this.prefix}finger_joint2`],
      position: [...this.q, this.finger, this.finger],
      velocity: withVelocity ? [...this.qdot, this.fingerVelocity, this.fingerVelocity] : [],
      effort: [],
    };
  }
}
