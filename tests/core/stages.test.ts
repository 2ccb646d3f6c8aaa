/**
 * mergeStages: given goal images take their stages' places among the proposer's, matched by name;
 * the last given goal is always the last stage; the rest stay proposed. givenStages: the same
 * matching, as the per-stage input a conditional proposer takes.
 */
import { describe, expect, it } from 'vitest';
import { givenStages, mergeStages, stageSubgoals, type StagePlan } from '../../src/core/stages.js';
import type { Latents } from '../../src/core/types.js';

const z = (v: number, gripperReadout?: number): Latents => ({
  data: Float32Array.of(v, v),
  tokens: 1,
  dim: 2,
  ...(gripperReadout === undefined ? {} : { gripperReadout }),
});

const PROPOSED: StagePlan = {
  names: ['hover', 'at cube', 'grasped', 'near target', 'lowered', 'placed'],
  steps: [8, 5, 4, 10, 4, 6],
  stages: [z(1, 0), z(2, 0), z(3, 1), z(4, 1), z(5, 1), z(6, 0)],
};

describe('mergeStages', () => {
  it("one goal image: every stage proposed but the last, which is the goal (with the proposer's gripper when it has no readout)", () => {
    const plan = mergeStages(PROPOSED, { names: ['goal'], goals: [z(60)] });
    expect(plan.stages.map((s) => s.data[0])).toEqual([1, 2, 3, 4, 5, 60]);
    expect(plan.stages.at(-1)?.gripperReadout).toBe(0);
    expect(plan.steps).toEqual(PROPOSED.steps);
    expect(plan.names).toEqual(PROPOSED.names);
  });

  it("the paper's three images replace their stages; hover, at cube and lowered stay proposed; readouts win", () => {
    const plan = mergeStages(PROPOSED, { names: ['grasped', 'near target', 'placed'], goals: [z(30, 0.9), z(40), z(60, 0.1)] });
    expect(plan.stages.map((s) => s.data[0])).toEqual([1, 2, 30, 40, 5, 60]);
    expect(plan.stages.map((s) => s.gripperReadout)).toEqual([0, 0, 0.9, 1, 1, 0.1]);
  });

  it('refuses a goal name the proposer does not know, and goals out of order', () => {
    expect(() => mergeStages(PROPOSED, { names: ['wave', 'placed'], goals: [z(1), z(2)] })).toThrow(/'wave' is not one of the proposer's stages/);
    expect(() => mergeStages(PROPOSED, { names: ['near target', 'grasped', 'placed'], goals: [z(1), z(2), z(3)] })).toThrow(/comes before an earlier goal/);
  });
});

describe('givenStages', () => {
  it("places the paper's grasped and near target among the five stages before the goal, the goal itself not among them", () => {
    const grasped = z(30);
    const near = z(40);
    const given = givenStages(PROPOSED.names, { names: ['grasped', 'near target', 'placed'], goals: [grasped, near, z(60)] });
    expect(given).toEqual([undefined, undefined, grasped, near, undefined]);
  });

  it('gives nothing for one goal image, and refuses names that do not fit as mergeStages does', () => {
    expect(givenStages(PROPOSED.names, { names: ['goal'], goals: [z(60)] })).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(() => givenStages(PROPOSED.names, { names: ['wave', 'placed'], goals: [z(1), z(2)] })).toThrow(/'wave' is not one of the proposer's stages/);
  });
});

describe('stageSubgoals', () => {
  const paper = { names: ['grasped', 'near target', 'placed'], goals: [z(30), z(40), z(60)] };
  it("the proposer's budgets where no goal gives its own; a given goal's own budget and threshold on its stage", () => {
    const plan = mergeStages(PROPOSED, paper);
    const own = stageSubgoals(plan, { names: paper.names, maxSteps: [12, 9, 7], energyThresholds: [0.2, 0, NaN] });
    expect(own.map((s) => s.maxSteps)).toEqual([8, 5, 12, 9, 4, 7]);
    expect(own.map((s) => s.energyThreshold)).toEqual([undefined, undefined, 0.2, undefined, undefined, undefined]);
    expect(own.map((s) => s.goal.data[0])).toEqual([1, 2, 30, 40, 5, 60]);
    const proposers = stageSubgoals(plan, { names: paper.names, energyThresholds: [] });
    expect(proposers.map((s) => s.maxSteps)).toEqual(PROPOSED.steps);
    expect(proposers.every((s) => s.energyThreshold === undefined)).toBe(true);
  });

  it('a single goal: the last stage, whatever its name', () => {
    const plan = mergeStages(PROPOSED, { names: ['goal'], goals: [z(60)] });
    expect(stageSubgoals(plan, { names: ['goal'], maxSteps: [20], energyThresholds: [0.1] }).map((s) => [s.maxSteps, s.energyThreshold])).toEqual([
      [8, undefined],
      [5, undefined],
      [4, undefined],
      [10, undefined],
      [4, undefined],
      [20, 0.1],
    ]);
  });

  it('refuses names that do not fit the stages', () => {
    expect(() => stageSubgoals(PROPOSED, { names: ['wave', 'placed'], energyThresholds: [] })).toThrow(/'wave' is not one/);
  });
});
