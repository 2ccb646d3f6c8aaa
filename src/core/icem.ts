/**
 * iCEM (Pinneri et al., "Sample-efficient Cross-Entropy Method for Real-time Planning", 2020):
 * CEM's update rule with three changes that spend fewer evaluations per plan — the sampling noise
 * is coloured along the horizon (1/f^β), a fraction of the elites is carried into the next
 * iteration and (shifted) into the next plan, and the population shrinks by γ each iteration.
 * All three are options of the shared sampling loop (optimizer.ts) and iCEM runs as CEM
 * (cem.ts) with them set; this file names the settings.
 */
import { CEM_DEFAULTS, type CemConfig } from './cem.js';

/** iCEM's settings as its paper recommends them (β 2.0, 30 % of elites kept, γ 1.25), on CEM's. */
export const ICEM_DEFAULTS: CemConfig = Object.freeze({
  ...CEM_DEFAULTS,
  noiseBeta: 2,
  keepElites: 0.3,
  populationDecay: 1.25,
});
