/**
 * Episode pictures: each control step's camera frame side by side with the goal image the
 * planner was steering to, captioned with the step, subgoal and energy (the GIF's frames; the
 * episode's plots are Vega-Lite specs in src/viz/vega).
 */
import type { RgbImage } from '../model/image.js';
import { Canvas, COLORS } from './canvas.js';

/** Pixels per source pixel in the composed frames. */
const SCALE = 2;
const CAPTION = 24;
const GAP = 6;

/** What is written on one composed frame. */
export interface FrameCaption {
  readonly step: number;
  readonly subgoalName: string;
  readonly energy: number;
  readonly success: boolean;
}

/** Composes [episode frame | goal frame] with a caption, at twice the camera resolution. */
export function sideBySide(frame: RgbImage, goal: RgbImage, caption: FrameCaption): Canvas {
  const w = frame.width * SCALE;
  const h = frame.height * SCALE;
  const c = new Canvas(w * 2 + GAP, h + CAPTION);
  c.blit(frame, 0, CAPTION, SCALE);
  c.blit(goal, w + GAP, CAPTION, SCALE);
  const energy = Number.isFinite(caption.energy) ? caption.energy.toFixed(3) : '-';
  c.text(4, 4, `STEP ${caption.step}  E ${energy}`, COLORS.black);
  c.text(w + GAP + 4, 4, `GOAL: ${caption.subgoalName}`, COLORS.black);
  if (caption.success) c.text(4, 14, 'SUCCESS', COLORS.green);
  return c;
}
