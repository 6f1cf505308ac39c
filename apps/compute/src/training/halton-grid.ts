import { haltonPoint, logUniformScale } from '@transferscope/stats';

/** The study's search space: learning rate in [1e-4, 1e-1], weight decay in [1e-6, 1e-4], both log-uniform. */
export const STUDY_SEARCH_SPACE = { learningRate: [1e-4, 1e-1], weightDecay: [1e-6, 1e-4] } as const satisfies Record<string, readonly [number, number]>;

export interface HaltonHyperParameters {
  haltonIndex: number;
  learningRate: number;
  weightDecay: number;
}

/**
 * Trial k of the study's hyper-parameter search: the k-th point (0-based, k = 0 is the origin, as scipy's
 * unscrambled `qmc.Halton(d=2).random(n)` row k) of the 2-D Halton sequence, mapped log-uniformly onto the search
 * space. Computable alone, so any worker can run any trial.
 */
export function haltonTrial(haltonIndex: number, space = STUDY_SEARCH_SPACE): HaltonHyperParameters {
  if (!Number.isInteger(haltonIndex) || haltonIndex < 0) throw new RangeError(`haltonIndex must be an integer >= 0, got ${haltonIndex}`);
  const [[learningRate, weightDecay]] = logUniformScale([haltonPoint(haltonIndex, 2)], [space.learningRate, space.weightDecay]) as [[number, number]];
  return { haltonIndex, learningRate, weightDecay };
}
